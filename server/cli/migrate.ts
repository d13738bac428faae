// `npm run migrate`: applies the database migrations this code has and the database lacks, then
// exits; the server applies them at start too. With DATABASE_URL, PostgreSQL's (recorded in
// schema_migrations; safe while other instances start or run: one applies them, under an advisory
// lock, and the others find them applied); else DATA_DIR's SQLite files (PRAGMA user_version).
import { MIGRATIONS as CONSOLE_MIGRATIONS } from '../access/postgres-store.ts';
import { openAccessStore } from '../access/open-store.ts';
import { loadConfig } from '../config.ts';
import { MIGRATIONS as EMULATOR_MIGRATIONS } from '../emulator/postgres-store.ts';
import { openEmulatorStore } from '../emulator/open-store.ts';
import { emulatorDatabaseFile, secureDataDir } from '../lib/data-dir.ts';
import { appliedVersion, concealDatabasePassword, connectPostgres, migrate, redactDatabaseUrl } from '../lib/postgres.ts';
import type { MigratedStore } from '../lib/postgres.ts';

async function migratePostgres(url: string, stores: MigratedStore[]): Promise<void> {
  const sql = connectPostgres(url, { max: 1 });
  try {
    for (const store of stores) {
      const applied = await migrate(sql, store, store === 'console' ? CONSOLE_MIGRATIONS : EMULATOR_MIGRATIONS);
      const now = await appliedVersion(sql, store);
      console.log(
        applied.length === 0
          ? `${store}: up to date (migration ${String(now)})`
          : `${store}: applied migration ${applied.join(', ')} (now at ${String(now)})`,
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function main(): Promise<number> {
  const config = loadConfig();
  if (config.databaseUrl !== undefined) {
    console.log(`PostgreSQL at ${redactDatabaseUrl(config.databaseUrl)}`);
    await migratePostgres(config.databaseUrl, config.localEmulator ? ['console', 'emulator'] : ['console']);
    return 0;
  }
  // SQLite: each store applies its migrations when it opens.
  process.umask(0o077);
  secureDataDir(config.dataDir);
  await (await openAccessStore(config)).close();
  if (config.localEmulator) await (await openEmulatorStore(emulatorDatabaseFile(config.dataDir))).close();
  console.log(`SQLite in ${config.dataDir}: up to date`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  // Never DATABASE_URL's password, even in a driver's message.
  console.error(
    `The migrations could not be applied: ${concealDatabasePassword(error instanceof Error ? error.message : String(error), process.env.DATABASE_URL)}`,
  );
  process.exitCode = 1;
}
