import { join } from 'node:path';
import { openPostgresAccessStore } from './postgres-store.ts';
import { SqliteAccessStore } from './sqlite-store.ts';
import { accessDatabaseFile, secretFile } from './store.ts';
import type { AccessStore } from './store.ts';

/** Where the console keeps its data: DATA_DIR's SQLite files, or DATABASE_URL's PostgreSQL when it is set. */
export interface AccessLocation {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** AUDIT_CPF_KEY: the CPF hashes' key from the settings, kept out of the data folder and the database. */
  auditCpfKey?: string | undefined;
}

/**
 * The store of a data folder (SQLite, its CPF key in a file beside it), or of DATABASE_URL's
 * PostgreSQL (migrated first; its keys in its table `secrets`). AUDIT_CPF_KEY, when set, is the
 * CPF key instead, and neither keeps one.
 */
export async function openAccessStore(location: AccessLocation | string): Promise<AccessStore> {
  const { dataDir, databaseUrl, auditCpfKey } = typeof location === 'string' ? { dataDir: location } : location;
  const cpfKey = auditCpfKey === undefined ? undefined : Buffer.from(auditCpfKey, 'utf8');
  return databaseUrl === undefined
    ? new SqliteAccessStore(accessDatabaseFile(dataDir), cpfKey ?? secretFile(join(dataDir, 'audit-cpf.key')), dataDir)
    : await openPostgresAccessStore(databaseUrl, cpfKey);
}
