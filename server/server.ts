import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildServer } from './build.ts';
import { loadConfig } from './config.ts';
import { secureDataDir } from './lib/data-dir.ts';
import { concealDatabasePassword, redactDatabaseUrl } from './lib/postgres.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

// DATA_DIR holds password hashes, sessions, faces and CPFs: every file made from here on (SQLite's
// -wal and -shm too) is readable by this account only, and what an earlier start left open is closed.
process.umask(0o077);
let dataDir;
try {
  dataDir = secureDataDir(config.dataDir);
} catch (error) {
  console.error(`DATA_DIR ${config.dataDir} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let app;
try {
  app = await buildServer({ config });
} catch (error) {
  // Most often the database: unreachable, or refusing the login. Said without DATABASE_URL's password.
  const where = config.databaseUrl === undefined ? `DATA_DIR ${config.dataDir}` : `DATABASE_URL ${redactDatabaseUrl(config.databaseUrl)}`;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`The console could not start (${where}): ${concealDatabasePassword(message, config.databaseUrl)}`);
  process.exit(1);
}
for (const change of dataDir.changed) app.log.info(`made readable by this account only: ${change}`);
for (const warning of dataDir.warnings) app.log.warn(warning);

// The answers being written. At a signal, the listening socket closes and those answers are
// finished; each not yet sent says `Connection: close`, else a client that keeps its connection
// alive (a browser, a load balancer) would hold the exit for keepAliveTimeout (65 s) after it.
const answering = new Set<ServerResponse>();
app.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
  answering.add(response);
  response.once('close', () => answering.delete(response));
});
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'closing');
    for (const response of answering) {
      if (!response.headersSent) response.setHeader('connection', 'close');
      else response.once('close', () => setImmediate(() => app.server.closeIdleConnections()));
    }
    void app.close().then(() => process.exit(0));
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
  const environments = [
    ...(config.localEmulator ? ['local (emulator)'] : []),
    ...(config.sandbox === undefined ? [] : [`sandbox (${new URL(config.sandbox.url).host})`]),
    ...(config.production === undefined ? [] : [`production (${new URL(config.production.url).host})`]),
  ];
  app.log.info(
    `Face Registration Console on http://${config.host}:${String(config.port)} (environments: ${environments.join(', ') || 'none'})`,
  );
  if (app.setupToken !== undefined) {
    // No account yet: the first admin is made through this link, once (or with `npm run user -- add`).
    // The token is in the fragment, which browsers never send: it stays out of every server log.
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    process.stdout.write(
      `\nNo account exists yet. Create the first administrator at:\n  http://${host}:${String(config.port)}/setup#token=${app.setupToken}\n(or: npm run user -- add NAME --role admin)\n\n`,
    );
  }
} catch (error) {
  app.log.fatal(error);
  process.exit(1);
}
