import Fastify from 'fastify';
import { loadConfig } from '../config.ts';
import { emulatorDatabaseFile, emulatorFaceCheck } from '../app.ts';
import { SERVER_OPTIONS } from '../build.ts';
import { loggerOptions } from '../lib/logging.ts';
import { emulator } from './plugin.ts';

/** `npm run emulator`: the emulator alone, at the root like QI Tech's base URL, on EMULATOR_PORT. */
let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const app = Fastify({ ...SERVER_OPTIONS, logger: loggerOptions(config.logLevel) });
await app.register(emulator, {
  databaseFile: emulatorDatabaseFile(config.dataDir),
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
