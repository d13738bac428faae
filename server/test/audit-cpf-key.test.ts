import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAccessStore } from '../access/open-store.ts';
import { loadConfig } from '../config.ts';
import { connectPostgres } from '../lib/postgres.ts';
import { CPF_A, testDataLocation } from './helper.ts';

const KEY = 'a-key-the-deployment-keeps-in-its-secret-store-0123456789';

describe('AUDIT_CPF_KEY: the CPF hashes key from the settings', () => {
  it('hashes with the setting, so instances given it find each other’s entries, and keeps no key of its own', async () => {
    const location = await testDataLocation();
    const one = await openAccessStore({ ...location, auditCpfKey: KEY });
    const other = await openAccessStore({ ...location, auditCpfKey: KEY });
    try {
      await one.appendAudit({ actor: 'maria', action: 'register', cpf: CPF_A, outcome: 'ok', status: 201 });
      const found = await other.queryAudit({ cpf: CPF_A.replace(/\D/g, ''), limit: 10 });
      expect(found.map((entry) => entry.cpf_masked)).toEqual(['***.982.247-**']);
      // Another key finds nothing: the hash is the key's.
      const stranger = await openAccessStore({ ...location, auditCpfKey: `${KEY}-other` });
      expect(await stranger.queryAudit({ cpf: CPF_A, limit: 10 })).toEqual([]);
      await stranger.close();

      if (location.databaseUrl === undefined) {
        expect(existsSync(join(location.dataDir, 'audit-cpf.key'))).toBe(false);
      } else {
        const sql = connectPostgres(location.databaseUrl, { max: 1 });
        const kept = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM secrets WHERE name = 'audit-cpf'`;
        await sql.end();
        expect(kept[0]?.count).toBe(0);
      }
    } finally {
      await one.close();
      await other.close();
    }
  });

  it('refuses a key shorter than 32 characters at start, naming the setting', () => {
    expect(() => loadConfig({ AUDIT_CPF_KEY: 'short' })).toThrow(/AUDIT_CPF_KEY: must have at least 32 characters/);
    expect(loadConfig({ AUDIT_CPF_KEY: KEY }).auditCpfKey).toBe(KEY);
    expect(loadConfig({}).auditCpfKey).toBeUndefined();
  });
});
