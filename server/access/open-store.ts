import { join } from 'node:path';
import { openPostgresAccessStore } from './postgres-store.ts';
import { SqliteAccessStore } from './sqlite-store.ts';
import { accessDatabaseFile, secretFile } from './store.ts';
import type { AccessStore } from './store.ts';

/** Where the console keeps its data: DATA_DIR's SQLite files, or DATABASE_URL's PostgreSQL when it is set. */
export interface AccessLocation {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/**
 * The store of a data folder (SQLite, its CPF key in a file beside it), or of DATABASE_URL's
 * PostgreSQL (migrated first; its keys in its table `secrets`).
 */
export async function openAccessStore(location: AccessLocation | string): Promise<AccessStore> {
  const { dataDir, databaseUrl } = typeof location === 'string' ? { dataDir: location, databaseUrl: undefined } : location;
  return databaseUrl === undefined
    ? new SqliteAccessStore(accessDatabaseFile(dataDir), secretFile(join(dataDir, 'audit-cpf.key')), dataDir)
    : await openPostgresAccessStore(databaseUrl);
}
