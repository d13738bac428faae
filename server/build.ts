import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { registerApp } from './app.ts';
import type { AppOptions } from './app.ts';
import { loggerOptions } from './lib/logging.ts';
import { frameworkErrors } from './lib/problem.ts';

/** Server options shared by `npm start`, the tests and the benchmark. */
export const SERVER_OPTIONS = {
  // Keep-alive above common proxy idle timeouts.
  keepAliveTimeout: 10_000,
  // Long enough for any key or CPF; a longer segment is a 404 without reaching a handler.
  routerOptions: { maxParamLength: 200 },
  frameworkErrors,
} as const;

export interface BuildOptions extends AppOptions {
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
}

export async function buildServer(options: BuildOptions): Promise<FastifyInstance> {
  const logger =
    options.logger === false
      ? false
      : { ...loggerOptions(options.config.logLevel), ...(options.logStream === undefined ? {} : { stream: options.logStream }) };
  const app = Fastify({ ...SERVER_OPTIONS, logger, trustProxy: options.config.trustProxy });
  await registerApp(app, options);
  return app;
}
