import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEntry } from '../../contract/access-admin.ts';
import { auditRetentionJob } from '../access/retention.ts';
import { RETENTION_ACTOR, accessDatabaseFile } from '../access/store.ts';
import type { AccessStore, AuditPruneResult } from '../access/store.ts';
import { loadConfig } from '../config.ts';
import { connectPostgres } from '../lib/postgres.ts';
import type { DataLocation } from './helper.ts';
import { buildTestApp, json, openTestAccessStore, testDataLocation } from './helper.ts';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/**
 * Direct SQL on the console's database of a test, as someone with the database in hand would write
 * it (not through the store): rows put in the past, and the deletes the trail must refuse.
 */
function database(location: DataLocation) {
  if (location.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(location.dataDir));
    onTestFinished(() => {
      db.close();
    });
    return {
      insert(rows: { at: string; actor: string }[]) {
        const insert = db.prepare("INSERT INTO audit (at, actor, action, outcome, status) VALUES (?, ?, 'login', 'ok', 200)");
        db.transaction(() => {
          for (const row of rows) insert.run(row.at, row.actor);
        })();
        return Promise.resolve();
      },
      run(statement: string) {
        try {
          return Promise.resolve(db.prepare(statement).run().changes);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      /** In one transaction: the prune table's row set to `cutoff`, then `statement` (what the job does, by hand). */
      runAsRetention(cutoff: string, statement: string) {
        try {
          return Promise.resolve(
            db.transaction(() => {
              db.prepare('INSERT OR REPLACE INTO audit_prune (id, before) VALUES (1, ?)').run(cutoff);
              const { changes } = db.prepare(statement).run();
              db.prepare('DELETE FROM audit_prune').run();
              return changes;
            })(),
          );
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
    };
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  onTestFinished(() => sql.end());
  return {
    async insert(rows: { at: string; actor: string }[]) {
      const values = rows.map((row) => ({ ...row, action: 'login', outcome: 'ok', status: 200 }));
      for (let i = 0; i < values.length; i += 5000) await sql`INSERT INTO audit ${sql(values.slice(i, i + 5000))}`;
    },
    async run(statement: string) {
      return (await sql.unsafe(statement)).count;
    },
    async runAsRetention(cutoff: string, statement: string) {
      return sql.begin(async (tx) => {
        await tx`SELECT set_config('frc.audit_prune', 'on', true), set_config('frc.audit_prune_before', ${cutoff}, true)`;
        return (await tx.unsafe(statement)).count;
      });
    },
  };
}

const everything = (store: AccessStore) => store.queryAudit({ limit: 100_000 });
const prunedEntries = async (store: AccessStore) => (await store.queryAudit({ action: 'audit_pruned', limit: 1000 })).reverse();

describe('AUDIT_RETENTION_DAYS', () => {
  it('is five years (1826 days) unless set; a whole number of days from 1 to 36500', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(1826);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '' }).auditRetentionDays).toBe(1826);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: ' 1 ' }).auditRetentionDays).toBe(1);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '36500' }).auditRetentionDays).toBe(36_500);
  });

  it.each(['0', '-1', '1.5', '5y', 'abc', '36501', '1e3', 'NaN'])('stops the start for %j, saying what it must be', (value) => {
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: value })).toThrow(
      /AUDIT_RETENTION_DAYS: must be a whole number of days from 1 to 36500 \(unset: 1826, five years\)/,
    );
  });
});

describe('the audit trail’s retention', () => {
  it('deletes the entries older than the period in batches, each recorded by its own audit_pruned entry; keeps the rest', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    const db = database(location);
    await db.insert(Array.from({ length: 250 }, (_, i) => ({ at: daysAgo(40 + i / 100), actor: `old-${String(i)}` })));
    await db.insert(Array.from({ length: 5 }, (_, i) => ({ at: daysAgo(29 - i), actor: `recent-${String(i)}` })));

    const before = Date.now();
    const result = await store.pruneAudit(30, { batchSize: 100 });
    expect(result).toEqual<AuditPruneResult>({ deleted: 250, batches: 3, cutoff: expect.any(String) as string });
    // The cut-off is 30 days before now, by the database's clock (the same machine's here), to the millisecond.
    expect(Math.abs(new Date(result.cutoff).getTime() - (before - 30 * DAY))).toBeLessThan(60_000);
    expect(result.cutoff).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const pruned = await prunedEntries(store);
    expect(pruned.map((e) => [e.actor, e.action, e.outcome, e.status])).toEqual(
      [100, 100, 50].map((n) => [RETENTION_ACTOR, 'audit_pruned', `deleted:${String(n)} before:${result.cutoff}`, 0]),
    );
    const left = await everything(store);
    expect(left.filter((e) => e.action === 'login').map((e) => e.actor)).toEqual([
      'recent-4',
      'recent-3',
      'recent-2',
      'recent-1',
      'recent-0',
    ]);
    expect(left).toHaveLength(5 + 3);

    // Nothing older left: the next run deletes nothing, and says nothing in the trail.
    expect(await store.pruneAudit(30, { batchSize: 100 })).toMatchObject({ deleted: 0, batches: 0 });
    expect(await prunedEntries(store)).toHaveLength(3);
  });

  it('two instances pruning at once take turns by batch: every entry deleted once, each batch recorded with its own count', async () => {
    const location = await testDataLocation();
    const [a, b] = [await openTestAccessStore(location), await openTestAccessStore(location)];
    const db = database(location);
    await db.insert(Array.from({ length: 2500 }, (_, i) => ({ at: daysAgo(100 + i / 1000), actor: 'old' })));
    const results = await Promise.all([a.pruneAudit(30, { batchSize: 100 }), b.pruneAudit(30, { batchSize: 100 })]);
    expect(results[0].deleted + results[1].deleted).toBe(2500);
    const counts = (await prunedEntries(a)).map((e) => Number(/^deleted:(\d+) /.exec(e.outcome)?.[1]));
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(2500);
    expect(counts).toHaveLength(results[0].batches + results[1].batches);
    expect((await everything(a)).filter((e) => e.action === 'login')).toEqual([]);
  });

  it('stops between batches when told to (the server closing); the next run goes on', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    const db = database(location);
    await db.insert(Array.from({ length: 30 }, (_, i) => ({ at: daysAgo(400 + i), actor: 'old' })));
    const stop = new AbortController();
    stop.abort();
    expect(await store.pruneAudit(365, { batchSize: 10, signal: stop.signal })).toMatchObject({ deleted: 0, batches: 0 });
    expect(await store.pruneAudit(365, { batchSize: 10 })).toMatchObject({ deleted: 30, batches: 3 });
  });

  it('still refuses every other DELETE, and every UPDATE, in the database itself', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    const db = database(location);
    await db.insert([
      { at: daysAgo(400), actor: 'old' },
      { at: daysAgo(0.5), actor: 'hours-old' },
    ]);
    await store.appendAudit({ actor: 'now', action: 'login', outcome: 'ok', status: 200 });
    const appendOnly = /append-only/;

    await expect(db.run('DELETE FROM audit')).rejects.toThrow(appendOnly);
    // Even an entry older than any retention, without the retention job's setting.
    await expect(db.run("DELETE FROM audit WHERE actor = 'old'")).rejects.toThrow(appendOnly);
    await expect(db.run("UPDATE audit SET actor = 'someone-else' WHERE actor = 'old'")).rejects.toThrow(appendOnly);
    // With the setting, but a cut-off of less than a day: nothing of the last day can be deleted.
    await expect(db.runAsRetention(daysAgo(0.1), "DELETE FROM audit WHERE actor = 'hours-old'")).rejects.toThrow(appendOnly);
    await expect(db.runAsRetention(new Date(Date.now() + DAY).toISOString(), "DELETE FROM audit WHERE actor = 'now'")).rejects.toThrow(
      appendOnly,
    );
    // With the setting, only what is older than its cut-off: a delete that reaches a newer entry is refused whole.
    await expect(db.runAsRetention(daysAgo(30), 'DELETE FROM audit')).rejects.toThrow(appendOnly);
    if (location.databaseUrl !== undefined) await expect(db.run('TRUNCATE audit')).rejects.toThrow(appendOnly);
    expect((await everything(store)).map((e) => e.actor)).toEqual(['now', 'hours-old', 'old']);

    // The door the retention job uses, and only it: a transaction that set its cut-off deletes what is older.
    expect(await db.runAsRetention(daysAgo(30), "DELETE FROM audit WHERE actor = 'old'")).toBe(1);
    // The setting lasts for its transaction only.
    await expect(db.run('DELETE FROM audit')).rejects.toThrow(appendOnly);
    expect((await everything(store)).map((e) => e.actor)).toEqual(['now', 'hours-old']);
  });

  it('runs in the server at start (then daily), with AUDIT_RETENTION_DAYS; admins find its entry, in words in the CSV', async () => {
    const location = await testDataLocation();
    const seed = await openTestAccessStore(location);
    const db = database(location);
    await db.insert(Array.from({ length: 12 }, (_, i) => ({ at: daysAgo(31 + i), actor: 'old' })));
    await db.insert([{ at: daysAgo(29), actor: 'kept' }]);
    await seed.close();

    const app = await buildTestApp({ ...location, auditRetentionDays: 30 });
    let entries: AuditEntry[] = [];
    for (let tries = 0; tries < 100 && entries.length === 0; tries += 1) {
      entries = (json(await app.inject({ method: 'GET', url: '/api/admin/audit?action=audit_pruned' })) as { entries: AuditEntry[] })
        .entries;
      if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: RETENTION_ACTOR, action: 'audit_pruned', environment: null, status: 0 });
    expect(entries[0]?.outcome).toMatch(/^deleted:12 before:\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
    const logins = (json(await app.inject({ method: 'GET', url: '/api/admin/audit?action=login' })) as { entries: AuditEntry[] }).entries;
    expect(logins.map((e) => e.actor)).toEqual(['test-admin', 'kept']);

    const csv = (await app.inject({ method: 'GET', url: '/api/admin/audit.csv?action=audit_pruned' })).body.slice(1).split('\r\n');
    expect(csv[1]).toMatch(/;system:retention;Limpeza da auditoria \(retenção\);;;;deleted:12 before:[^;]+;deleted:12 before:[^;]+;0;;;;$/);
    const en = (await app.inject({ method: 'GET', url: '/api/admin/audit.csv?action=audit_pruned&format=en' })).body.split('\r\n');
    expect(en[1]).toMatch(/,system:retention,audit_pruned,,,,deleted:12 before:[^,]+,0,,,,$/);
  });

  it('the job: a run at start, one per interval, never two at once; stop() ends it and waits for the run in progress', async () => {
    let runs = 0;
    let inProgress = 0;
    let most = 0;
    const signals: (AbortSignal | undefined)[] = [];
    const store = {
      async pruneAudit(_days: number, options?: { signal?: AbortSignal }) {
        runs += 1;
        inProgress += 1;
        most = Math.max(most, inProgress);
        signals.push(options?.signal);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inProgress -= 1;
        return { deleted: 0, cutoff: '', batches: 0 };
      },
    } as unknown as AccessStore;
    const log = { info: () => undefined, error: () => undefined } as unknown as Parameters<typeof auditRetentionJob>[1]['log'];
    const job = auditRetentionJob(store, { days: 30, log, intervalMs: 10 });
    job.start();
    expect(runs).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = job.stop();
    expect(signals[0]?.aborted).toBe(true);
    await stopped;
    expect(inProgress).toBe(0);
    const after = runs;
    expect(after).toBeGreaterThan(1);
    expect(most).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(after);
    // Stopped is stopped.
    job.start();
    await job.run();
    expect(runs).toBe(after);
  });
});
