import { resolve } from 'node:path';
// Classic zod (server-only): besides these settings, it registers zod's English messages for the
// whole process, which the contract's zod/mini schemas use for issues without a message of their own.
import { z } from 'zod';

/**
 * Every setting, read once from the environment and validated. README's settings table lists
 * the same names; a wrong value stops the start with a message naming it.
 */
const settingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOCAL_EMULATOR: z.enum(['on', 'off']).default('on'),
  EMULATOR_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  EMULATOR_FACE_CHECK: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  localEmulator: boolean;
  emulatorApiKey: string | undefined;
  emulatorPort: number;
  /** The emulator refuses pictures QI Tech would refuse (image_quality); off: every decodable picture is accepted. */
  emulatorFaceCheck: boolean;
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = settingsSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid settings:\n${lines.join('\n')}\nSee the settings table in README.md.`);
  }
  const s = result.data;
  return {
    port: s.PORT,
    host: s.HOST,
    dataDir: resolve(s.DATA_DIR),
    localEmulator: s.LOCAL_EMULATOR === 'on',
    emulatorApiKey: s.EMULATOR_API_KEY,
    emulatorPort: s.EMULATOR_PORT,
    emulatorFaceCheck: s.EMULATOR_FACE_CHECK === 'on',
    logLevel: s.LOG_LEVEL,
  };
}
