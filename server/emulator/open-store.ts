import { openPostgresEmulatorStore } from './postgres-store.ts';
import { SqliteEmulatorStore } from './sqlite-store.ts';
import type { EmulatorStore } from './store.ts';

/** Whether a database setting names PostgreSQL (DATABASE_URL's form) rather than a SQLite file. */
function isPostgresUrl(database: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(database);
}

/**
 * The emulator's store: `database` is a SQLite file (or ':memory:'), or a postgres:// URL
 * (DATABASE_URL), whose migrations are applied first.
 */
export async function openEmulatorStore(database: string): Promise<EmulatorStore> {
  return isPostgresUrl(database) ? await openPostgresEmulatorStore(database) : new SqliteEmulatorStore(database);
}
