import { request } from 'node:http';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEntry } from '../../contract/access-admin.ts';
import { AUDIT_EXPORT_PAGE } from '../access/audit-routes.ts';
import { toCsv } from '../access/csv.ts';
import type { CsvFormat } from '../access/csv.ts';
import { accessDatabaseFile } from '../access/store.ts';
import type { AccessStore, AuditFilter, AuditSelection } from '../access/store.ts';
import { buildServer } from '../build.ts';
import { loadConfig } from '../config.ts';
import { connectPostgres } from '../lib/postgres.ts';
import type { DataLocation } from './helper.ts';
import { CPF_A, CPF_B, buildTestApp, logIn, openTestAccessStore, refusal, seedAccounts, testDataLocation } from './helper.ts';

interface Row {
  at: string;
  actor: string;
  action: string;
  environment: string | null;
  registration_key: string | null;
  outcome: string;
  status: number;
}

/** Many entries at once, by direct SQL in one transaction (appendAudit's fsync per entry would take minutes). */
async function insertRows(location: DataLocation, rows: Row[]): Promise<void> {
  if (location.databaseUrl === undefined) {
    const db = new Database(accessDatabaseFile(location.dataDir));
    try {
      const insert = db.prepare(
        `INSERT INTO audit (at, actor, action, environment, registration_key, outcome, status)
         VALUES (@at, @actor, @action, @environment, @registration_key, @outcome, @status)`,
      );
      db.transaction(() => {
        for (const row of rows) insert.run(row);
      })();
    } finally {
      db.close();
    }
    return;
  }
  const sql = connectPostgres(location.databaseUrl, { max: 1 });
  try {
    await sql.begin(async (tx) => {
      for (let i = 0; i < rows.length; i += 5000) await tx`INSERT INTO audit ${tx(rows.slice(i, i + 5000))}`;
    });
  } finally {
    await sql.end();
  }
}

const ACTIONS = ['register', 'lookup_key', 'lookup_document', 'login', 'image'] as const;

/**
 * `count` entries over the last days, newest last; several share a millisecond (the order is then
 * by id), some cells that must be quoted or kept from running as formulas.
 */
function rows(count: number): Row[] {
  const start = Date.now() - 10 * 86_400_000;
  return Array.from({ length: count }, (_, i) => ({
    at: new Date(start + Math.floor(i / 3) * 1000).toISOString(),
    actor: i % 2 === 0 ? 'ana' : 'bia',
    action: ACTIONS[i % ACTIONS.length] ?? 'login',
    environment: i % 3 === 0 ? 'local' : i % 3 === 1 ? 'production' : null,
    registration_key: i % 7 === 0 ? `=key;"${String(i)}"` : null,
    outcome: i % 11 === 0 ? 'registration_not_found' : 'ok',
    status: i % 11 === 0 ? 404 : 200,
  }));
}

/** An entry of the trail at this instant (the CSV's formatting tests). */
function entryAt(at: string): AuditEntry {
  return {
    id: 1,
    at,
    actor: 'ana',
    action: 'login',
    environment: null,
    cpf_masked: null,
    registration_key: null,
    outcome: 'ok',
    status: 200,
    consent_term: null,
    address: null,
    face_check_override: null,
  };
}

/** The whole selection, as the trail's own page query reads it, newest first. */
const selected = (store: AccessStore, selection: AuditSelection = {}) => store.queryAudit({ ...selection, limit: 1_000_000 });

/** The store with `auditPages` replaced (its other methods still the store's own, on the store itself). */
function withAuditPages(store: AccessStore, auditPages: AccessStore['auditPages']): AccessStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'auditPages') return auditPages;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A console on this data, an admin logged in, and the trail's own store to compare with. */
async function consoleWith(location: DataLocation) {
  const store = await openTestAccessStore(location);
  const app = await buildTestApp({ ...location });
  return { app, store };
}

describe('the CSV export, streamed', () => {
  it('is the same CSV as the whole selection at once, byte for byte, over several pages, in both forms', async () => {
    const location = await testDataLocation();
    const { app, store } = await consoleWith(location);
    const count = Math.round(AUDIT_EXPORT_PAGE * 2.5);
    await insertRows(location, rows(count));
    const expected = await selected(store);
    expect(expected.length).toBe(count + 1);
    for (const format of ['pt-br', 'en'] as const satisfies CsvFormat[]) {
      const csv = await app.inject({ method: 'GET', url: `/api/admin/audit.csv?format=${format}` });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
      expect(csv.headers['cache-control']).toBe('no-store');
      // Streamed: no length known before the end.
      expect(csv.headers['content-length']).toBeUndefined();
      expect(csv.rawPayload.equals(Buffer.from(toCsv(expected, format)))).toBe(true);
      expect(csv.body.split('\r\n')).toHaveLength(count + 3);
    }
    // A page boundary exactly: every entry once.
    await insertRows(location, rows(AUDIT_EXPORT_PAGE * 3 - expected.length));
    const exact = await selected(store);
    expect(exact).toHaveLength(AUDIT_EXPORT_PAGE * 3);
    expect((await app.inject({ method: 'GET', url: '/api/admin/audit.csv' })).body).toBe(toCsv(exact));
  });

  it('applies the filters, across pages as within one', async () => {
    const location = await testDataLocation();
    const { app, store } = await consoleWith(location);
    await insertRows(location, rows(AUDIT_EXPORT_PAGE * 4));
    for (const cpf of [CPF_A, CPF_B, CPF_A])
      await store.appendAudit({ actor: 'ana', action: 'lookup_document', environment: 'local', cpf, outcome: 'ok', status: 200 });
    const all = await selected(store);
    const middle = all[Math.floor(all.length / 2)];
    const from = all[Math.floor(all.length * 0.8)]?.at ?? '';
    const to = all[Math.floor(all.length * 0.2)]?.at ?? '';
    const cases: [query: string, selection: Omit<AuditFilter, 'limit'>][] = [
      ['user=ana', { user: 'ana' }],
      ['action=register&environment=local', { action: 'register', environment: 'local' }],
      ['environment=production&user=BIA', { environment: 'production', user: 'bia' }],
      [`cpf=${CPF_A}`, { cpf: CPF_A }],
      [`from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { from, to }],
      [`before=${String(middle?.id)}&user=bia`, { before: middle?.id, user: 'bia' }],
      ['action=validation', { action: 'validation' }],
    ];
    for (const [query, selection] of cases) {
      const expected = await selected(store, selection);
      const csv = await app.inject({ method: 'GET', url: `/api/admin/audit.csv?format=en&${query}` });
      expect(csv.statusCode, query).toBe(200);
      expect(csv.body, query).toBe(toCsv(expected, 'en'));
    }
    expect((await selected(store, { user: 'ana' })).length).toBeGreaterThan(AUDIT_EXPORT_PAGE);
    expect(await selected(store, { cpf: CPF_A })).toHaveLength(2);
    refusal(await app.inject({ method: 'GET', url: '/api/admin/audit.csv?from=yesterday' }), 400, 'invalid_request');
  });

  it('stops reading the trail when the client leaves in the middle; the console goes on', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    await seedAccounts(store, [{ name: 'admin', role: 'admin', environments: null }]);
    // Far more than the sockets' buffers on loopback take (several MB each way): ~30 MB of CSV.
    const pagesInTrail = 200;
    await insertRows(location, rows(AUDIT_EXPORT_PAGE * pagesInTrail));

    // The store, watched: how many pages an export read, and whether its reading ended.
    let pagesRead = 0;
    let ended = false;
    const hasEnded = () => ended;
    const watched = withAuditPages(store, async function* (selection, pageSize) {
      try {
        for await (const page of store.auditPages(selection, pageSize)) {
          pagesRead += 1;
          yield page;
        }
      } finally {
        ended = true;
      }
    });
    const app = await buildServer({ config: { ...loadConfig({}), ...location }, access: watched, logger: false });
    onTestFinished(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const cookie = await logIn(app, 'admin');

    // A client that reads the first bytes, then stops reading (the server's writes back up), then leaves.
    const firstBytes = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: address.port, path: '/api/admin/audit.csv', headers: { cookie } }, (response) => {
        response.once('data', (chunk: Buffer) => {
          response.pause();
          setTimeout(() => {
            req.destroy();
            resolve(chunk.toString('utf8', 0, 40));
          }, 300);
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstBytes.startsWith('\uFEFFID;Data e hora')).toBe(true);
    for (let tries = 0; tries < 100 && !hasEnded(); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hasEnded()).toBe(true);
    // Read no further than the socket's buffers took: far from the whole trail.
    expect(pagesRead).toBeGreaterThan(0);
    expect(pagesRead).toBeLessThan(pagesInTrail / 2);
    const readThen = pagesRead;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pagesRead).toBe(readThen);

    // The console answers on, and a whole export still reads every page.
    const whole = await fetch(`http://127.0.0.1:${String(address.port)}/api/admin/audit.csv?format=en`, { headers: { cookie } });
    const text = await whole.text();
    expect(text.split('\r\n')).toHaveLength(AUDIT_EXPORT_PAGE * pagesInTrail + 3);
  });

  it('writes each time on São Paulo’s clock as a conversion of that very instant would, daylight-saving years included', () => {
    const saoPaulo = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'America/Sao_Paulo',
      ...{ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
      hourCycle: 'h23',
    });
    const local = (iso: string) => {
      const p = Object.fromEntries(saoPaulo.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
      return `${p.day ?? ''}/${p.month ?? ''}/${p.year ?? ''} ${p.hour ?? ''}:${p.minute ?? ''}:${p.second ?? ''}`;
    };
    // Every 37 minutes and 13 s over 2018-2019 (daylight saving ended in February 2019) and around
    // midnight, newest first as an export writes them; and a few single instants out of order.
    const instants: string[] = [];
    for (let t = Date.UTC(2019, 2, 1); t > Date.UTC(2018, 9, 1); t -= 37 * 60_000 + 13_000) instants.push(new Date(t).toISOString());
    instants.push('2026-11-30T02:59:59.999Z', '2026-11-30T03:00:00.000Z', '2018-11-04T02:59:59.000Z', '2018-11-04T03:00:00.000Z');
    const entries = instants.map((at, id) => ({ ...entryAt(at), id }));
    const lines = toCsv(entries).slice(1).split('\r\n').slice(1, -1);
    expect(lines.map((line) => line.split(';')[1])).toEqual(instants.map(local));
  });

  it('answers an error, not a cut CSV, when the trail cannot be read at all', async () => {
    const location = await testDataLocation();
    const store = await openTestAccessStore(location);
    await seedAccounts(store, [{ name: 'admin', role: 'admin', environments: null }]);
    // eslint-disable-next-line require-yield -- a trail that fails on its first read
    const failing = withAuditPages(store, async function* () {
      await Promise.resolve();
      throw new Error('the database went away');
    });
    const app = await buildServer({ config: { ...loadConfig({}), ...location }, access: failing, logger: false });
    onTestFinished(() => app.close());
    const cookie = await logIn(app, 'admin');
    const answer = await app.inject({ method: 'GET', url: '/api/admin/audit.csv', headers: { cookie } });
    expect(answer.statusCode).toBe(500);
    expect(answer.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
  });
});
