import { Readable } from 'node:stream';
import type { FastifyPluginCallback } from 'fastify';
import { auditCpfHashRequestSchema, auditQuerySchema } from '../../contract/access-admin.ts';
import type { AuditEntry } from '../../contract/access-admin.ts';
import { Problem, methodNotAllowed, parseOrRefuse, requireBody } from '../lib/problem.ts';
import { csvChunks } from './csv.ts';
import type { CsvFormat } from './csv.ts';
import { requireAdmin } from './guard.ts';
import type { AccessGuard } from './guard.ts';
import type { AccessStore } from './store.ts';

/** Turns the query's dates into the trail's bounds (`to` as a date takes in its whole day, UTC); the CSV's form. */
function auditFilter(query: unknown) {
  const q = parseOrRefuse(auditQuerySchema, query);
  if (q.cpf !== undefined && q.cpf !== '' && q.cpf_hash !== undefined)
    throw new Problem(400, 'invalid_request', 'Give cpf or cpf_hash, not both: cpf_hash already names the CPF.');
  const instant = (value: string | undefined, endOfDay: boolean, field: string) => {
    if (value === undefined || value === '') return undefined;
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
    if (Number.isNaN(date.getTime()))
      throw new Problem(400, 'invalid_request', `${field} must be a date (2026-11-26) or a date-time in ISO 8601.`);
    if (endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value)) date.setUTCDate(date.getUTCDate() + 1);
    return date.toISOString();
  };
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new Problem(400, 'invalid_request', 'limit must be a whole number from 1 to 500.');
  const format: CsvFormat = q.format ?? 'pt-br';
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && !Number.isInteger(before)) throw new Problem(400, 'invalid_request', 'before must be an entry id.');
  const filter = {
    ...(q.from === undefined ? {} : { from: instant(q.from, false, 'from') }),
    ...(q.to === undefined ? {} : { to: instant(q.to, true, 'to') }),
    ...(q.user === undefined || q.user === '' ? {} : { user: q.user.trim().toLowerCase() }),
    ...(q.cpf === undefined || q.cpf === '' ? {} : { cpf: q.cpf }),
    ...(q.cpf_hash === undefined ? {} : { cpfHash: q.cpf_hash }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(q.environment === undefined ? {} : { environment: q.environment }),
    ...(before === undefined ? {} : { before }),
    limit,
  };
  return { filter, format };
}

/** Entries an export reads at a time (~115 KB of CSV): about the most of the trail it holds at once, besides the socket's buffers. */
export const AUDIT_EXPORT_PAGE = 1000;

/**
 * The selection's pages, the first already read: a database that fails at once is answered with
 * an error, before the CSV's 200 and headers are sent.
 */
async function pagesReadFirst(
  pages: AsyncGenerator<AuditEntry[], void, undefined>,
): Promise<AsyncGenerator<AuditEntry[], void, undefined>> {
  const first = await pages.next();
  return (async function* () {
    try {
      if (first.done === true) return;
      yield first.value;
      yield* pages;
    } finally {
      // Returned early (the client left) before `yield*` took the pages over: end them too.
      await pages.return();
    }
  })();
}

/**
 * /api/admin/audit (a page of the trail, newest first), /api/admin/audit.csv (the whole selection,
 * streamed) and /api/admin/audit/cpf-hash (what selects a CPF's entries without it in an address).
 * Admins only.
 */
export const auditRoutes: FastifyPluginCallback<{ store: AccessStore; guard: AccessGuard }> = (app, { store, guard }, done) => {
  app.get('/admin/audit', async (request) => {
    await requireAdmin(guard, request, 'audit');
    const { filter } = auditFilter(request.query);
    const entries = await store.queryAudit(filter);
    const last = entries.at(-1);
    return { entries, next_before: entries.length === filter.limit && last !== undefined ? last.id : null };
  });

  app.get<{ Querystring: Record<string, unknown> }>('/admin/audit.csv', async (request, reply) => {
    await requireAdmin(guard, request, 'audit');
    const { filter, format } = auditFilter({ ...request.query, limit: '1' });
    const { limit: _, ...selection } = filter;
    // Streamed: read a page at a time as the client takes the text (a stream's backpressure), so an
    // export of any size holds about one page; a client that leaves destroys the stream, which ends
    // the pages (Readable.from returns the generators). No cap on the number of entries any more.
    const pages = await pagesReadFirst(store.auditPages(selection, AUDIT_EXPORT_PAGE));
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(csvChunks(pages, format), { objectMode: false }));
  });
  // A CPF to filter by travels in this body, never in an address: an address reaches the browser's
  // download history (audit.csv's link), a proxy's log, a saved file's "where from". The answer
  // is the keyed hash the trail keeps, which the two GETs above take as `cpf_hash`.
  app.post('/admin/audit/cpf-hash', async (request) => {
    await requireAdmin(guard, request, 'audit');
    const { cpf } = parseOrRefuse(auditCpfHashRequestSchema, requireBody(request));
    const hash = store.auditCpfHash(cpf);
    if (hash === null) throw new Problem(400, 'invalid_request', 'cpf is not a CPF.');
    return { cpf_hash: hash };
  });
  methodNotAllowed(app, '/admin/audit', ['GET']);
  methodNotAllowed(app, '/admin/audit.csv', ['GET']);
  methodNotAllowed(app, '/admin/audit/cpf-hash', ['POST']);
  done();
};
