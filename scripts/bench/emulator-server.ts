// The process under load: the emulator as `npm run emulator` mounts it, and beside it, in the
// same Fastify instance, bare routes doing the least each request needs. Run by scripts/bench/run.ts.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { emulatorDatabaseFile } from '../../server/lib/data-dir.ts';
import { openEmulatorStore } from '../../server/emulator/open-store.ts';
import { SERVER_OPTIONS } from '../../server/build.ts';
import { loadConfig } from '../../server/config.ts';
import { useDetectorWorkers } from '../../server/emulator/face-detector.ts';
import { acceptEveryFace } from '../../server/emulator/image-check.ts';
import { emulator, EMULATOR_BODY_LIMIT } from '../../server/emulator/plugin.ts';
import { loggerOptions } from '../../server/lib/logging.ts';

const dataDir = process.env.DATA_DIR;
const port = Number(process.env.PORT);
if (dataDir === undefined || !Number.isInteger(port)) throw new Error('DATA_DIR and PORT are required');

const app = Fastify({ ...SERVER_OPTIONS, logger: loggerOptions('warn') });
// Face detections on FACE_CHECK_WORKERS worker threads (its default: one per core), as the emulator runs.
app.addHook('onClose', useDetectorWorkers(loadConfig(process.env).faceCheckWorkers));
await app.register(emulator, { store: await openEmulatorStore(emulatorDatabaseFile(dataDir)) });
// The same emulator with EMULATOR_FACE_CHECK=off, on the same database: what the rest of a
// registration costs (decode, SQLite) without face detection.
await app.register(emulator, {
  prefix: '/no-face-check',
  store: await openEmulatorStore(emulatorDatabaseFile(dataDir)),
  faceCheck: acceptEveryFace,
});

const KEY = randomUUID();
app.get('/bare/registration/document_number/:document_number', () => ({ registration_key: KEY }));
app.post('/bare/registration', { bodyLimit: EMULATOR_BODY_LIMIT }, (request, reply) => {
  // Parse the JSON (Fastify did) and decode the base64: the least a registration needs.
  const { image } = request.body as { image: string };
  const bytes = Buffer.from(image, 'base64');
  void reply.code(201);
  return { registration_key: randomUUID(), size: bytes.length };
});

await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
