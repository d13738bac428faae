import Fastify from 'fastify';
import { loadConfig } from '../config.ts';
import { emulatorFaceCheck } from '../app.ts';
import { SERVER_OPTIONS, bodyDeadline, serverTimeouts, timeoutOptions } from '../build.ts';
import { emulatorDatabaseFile, secureDataDir } from '../lib/data-dir.ts';
import { concealDatabasePassword } from '../lib/postgres.ts';
import { logAbortedRequests, loggerOptions, requestLogController } from '../lib/logging.ts';
import { openEmulatorStore } from './open-store.ts';
import { useDetectorWorkers } from './face-detector.ts';
import { emulator } from './plugin.ts';

/**
 * `npm run emulator`: the emulator alone, at the root like QI Tech's base URL, on EMULATOR_PORT.
 * QI Tech's lookalike for sandbox tests: it demands a key only when EMULATOR_API_KEY is set.
 */
let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

// Its database holds faces and CPFs: readable by this account only (see server.ts).
process.umask(0o077);
const dataDir = secureDataDir(config.dataDir);

const timeouts = serverTimeouts();
const app = Fastify({
  ...SERVER_OPTIONS,
  ...timeoutOptions(timeouts),
  logger: loggerOptions(config.logLevel),
  logController: requestLogController(),
});
bodyDeadline(app, timeouts.bodyTimeout);
logAbortedRequests(app);
for (const change of dataDir.changed) app.log.info(`made readable by this account only: ${change}`);
for (const warning of dataDir.warnings) app.log.warn(warning);
let store;
try {
  // The console's emulator data: DATABASE_URL's PostgreSQL, else DATA_DIR's SQLite file.
  store = await openEmulatorStore(config.databaseUrl ?? emulatorDatabaseFile(config.dataDir));
} catch (error) {
  console.error(`The emulator's database cannot be used: ${concealDatabasePassword(String(error), config.databaseUrl)}`);
  process.exit(1);
}
// Face detections on worker threads, one per core (FACE_CHECK_WORKERS): stopped when the server closes.
app.addHook('onClose', useDetectorWorkers(config.faceCheckWorkers));
await app.register(emulator, {
  store,
  apiKey: config.emulatorApiKey,
  faceCheck: emulatorFaceCheck(config),
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}

try {
  await app.listen({ port: config.emulatorPort, host: config.host });
} catch (error) {
  app.log.fatal(error);
  process.exit(1);
}
