import { describe, expect, it } from 'vitest';
import { openAccessStore } from '../access/open-store.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { CPF_A, CPF_B, TEST_PASSWORD, buildTestApp, json, refusal, testDataLocation } from './helper.ts';

const DIGITS_A = CPF_A.replace(/\D/g, '');

/**
 * A log line as someone hunting for the CPF would read it: percent-escapes undone (twice over)
 * and the separators people put between a CPF's digits dropped.
 */
function digitsOf(line: string): string {
  let text = line;
  for (let i = 0; i < 3; i += 1) text = text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return text.replace(/[.\-\s+_,]/g, '');
}

/** A console logging every request, its lines kept, with one look-up of CPF_A and one of CPF_B in its trail. */
async function consoleWithTrail() {
  const location = await testDataLocation();
  const lines: string[] = [];
  const app = await buildTestApp({ logLevel: 'trace', ...location }, { write: (line) => lines.push(line) }, undefined, {
    accounts: [{ name: 'registrar-1', role: 'registrar', environments: null }],
  });
  const store = await openAccessStore(location);
  try {
    for (const cpf of [CPF_A, CPF_B])
      await store.appendAudit({ actor: 'registrar-1', action: 'lookup_document', environment: 'local', cpf, outcome: 'ok', status: 200 });
  } finally {
    await store.close();
  }
  return { app, lines };
}

describe('the audit trail filtered by a CPF that is never in an address', () => {
  it('takes the CPF in a body, answers the key that selects its entries, and no log line holds the CPF or that key', async () => {
    const { app, lines } = await consoleWithTrail();
    lines.length = 0;

    // As the audit page does: the CPF in a POST's body, then the list and the CSV by its key.
    const answer = await app.inject({ method: 'POST', url: '/api/admin/audit/cpf-hash', payload: { cpf: DIGITS_A } });
    expect(answer.statusCode).toBe(200);
    const hash = json(answer).cpf_hash as string;
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Masked or bare, the same CPF has the same key.
    expect(json(await app.inject({ method: 'POST', url: '/api/admin/audit/cpf-hash', payload: { cpf: CPF_A } })).cpf_hash).toBe(hash);

    const page = json(await app.inject({ method: 'GET', url: `/api/admin/audit?cpf_hash=${hash}&action=lookup_document` })) as {
      entries: { cpf_masked: string }[];
    };
    expect(page.entries.map((entry) => entry.cpf_masked)).toEqual(['***.982.247-**']);
    const csv = (await app.inject({ method: 'GET', url: `/api/admin/audit.csv?cpf_hash=${hash}&format=en` })).body.trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('***.982.247-**');

    // Each request was logged, its address with nothing masked as a CPF: none was ever in it.
    const urls = lines
      .filter((line) => line.includes('"incoming request"'))
      .map((line) => (JSON.parse(line) as { req: { url: string } }).req.url);
    expect(urls).toEqual([
      '/api/admin/audit/cpf-hash',
      '/api/admin/audit/cpf-hash',
      '/api/admin/audit?cpf_hash=[redacted]&action=lookup_document',
      '/api/admin/audit.csv?cpf_hash=[redacted]&format=en',
    ]);
    expect(lines.filter((line) => digitsOf(line).includes(DIGITS_A))).toEqual([]);
    expect(lines.filter((line) => line.includes(hash))).toEqual([]);
    expect(lines.filter((line) => line.includes('[CPF]'))).toEqual([]);
  });

  it('refuses what is not a CPF, a key it did not give, and a CPF with a key', async () => {
    const { app } = await consoleWithTrail();
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/admin/audit/cpf-hash', payload: payload as object });
    expect(refusal(await post({ cpf: '529.982.247-26' }), 400, 'invalid_request').description).toMatch(/check digits/);
    refusal(await post({ cpf: '123' }), 400, 'invalid_request');
    refusal(await post({}), 400, 'invalid_request');
    refusal(await post({ cpf: CPF_A, name: 'x' }), 400, 'invalid_request');
    refusal(await app.inject({ method: 'GET', url: '/api/admin/audit?cpf_hash=not-a-key' }), 400, 'invalid_request');
    const hash = json(await post({ cpf: CPF_A })).cpf_hash as string;
    refusal(await app.inject({ method: 'GET', url: `/api/admin/audit.csv?cpf=${CPF_B}&cpf_hash=${hash}` }), 400, 'invalid_request');
    const get = await app.inject({ method: 'GET', url: '/api/admin/audit/cpf-hash' });
    refusal(get, 405, 'method_not_allowed');
    expect(get.headers.allow).toBe('POST');
  });

  it('is for admins only, as the trail is', async () => {
    const { app } = await consoleWithTrail();
    // Logged in apart from the admin the app's inject sends (whose session would become the registrar's).
    const login = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { cookie: '' },
      payload: { name: 'registrar-1', password: TEST_PASSWORD },
    });
    const cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)?.value ?? ''}`;
    refusal(
      await app.inject({ method: 'POST', url: '/api/admin/audit/cpf-hash', headers: { cookie }, payload: { cpf: CPF_A } }),
      403,
      'forbidden',
    );
    const refusals = json(await app.inject({ method: 'GET', url: '/api/admin/audit?action=access_refused' })) as {
      entries: { actor: string }[];
    };
    expect(refusals.entries.map((entry) => entry.actor)).toEqual(['registrar-1']);
  });
});
