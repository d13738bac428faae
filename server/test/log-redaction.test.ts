import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildTestApp, logIn } from './helper.ts';

const CPF_DIGITS = '52998224725';

/**
 * A log line as someone hunting for the CPF would read it: percent-escapes undone (twice over,
 * for doubly encoded addresses) and the separators people put between a CPF's digits dropped.
 */
function digitsOf(line: string): string {
  let text = line;
  for (let i = 0; i < 3; i += 1) text = text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return text.replace(/[.\-\s+_,]/g, '');
}

describe('request logs: no whole CPF in any address', () => {
  it('masks CPFs in the path and the query of every logged URL, however they are written or encoded', async () => {
    const lines: string[] = [];
    const app = await buildTestApp({ logLevel: 'trace' }, { write: (line) => lines.push(line) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
    const cookie = await logIn(app, 'test-admin');

    const urls = [
      // The audit page's CPF filter.
      `/api/admin/audit?cpf=${CPF_DIGITS}`,
      '/api/admin/audit.csv?cpf=529%2E982%2E247%2D25',
      // The SPA's deep links, requested from the server on a reload.
      '/lookup/document/529.982.247-25?env=local',
      '/lookup/document/%35%32%39%39%38%32%32%34%37%32%35',
      '/?env=local&cpf=529.982.247-25',
      // The login page with where the person was.
      `/login?next=%2Flookup%2Fdocument%2F${CPF_DIGITS}`,
      '/login?next=%252Flookup%252Fdocument%252F529.982.247-25%253Fenv%253Dlocal',
      // Look-ups by CPF, with the path's name or the CPF's separators percent-encoded.
      `/api/local/face_recognition/registration/%64ocument_number/${CPF_DIGITS}`,
      '/api/local/face_recognition/registration/document_number/529%2E982%2E247%2D25',
      '/api/local/face_recognition/registration/document_number/529 982 247 25',
      // Somewhere that does not exist.
      `/api/local/nothing/${CPF_DIGITS}?q=529-982-247-25`,
    ];
    for (const url of urls) {
      const response = await fetch(`${base}${url}`, { headers: { cookie, accept: 'text/html,application/json' } });
      expect(response.status, url).toBeLessThan(500);
      await response.arrayBuffer();
    }

    const requests = lines.filter((line) => line.includes('"incoming request"'));
    expect(requests.length).toBeGreaterThanOrEqual(urls.length);
    const leaking = lines.filter((line) => digitsOf(line).includes(CPF_DIGITS));
    expect(leaking).toEqual([]);
    // Each request's line has its CPF masked, not dropped (the emulator's own lines, for the
    // look-ups the console forwarded to it in process, are masked too).
    const logged = requests
      .map((line) => (JSON.parse(line) as { req: { url: string } }).req.url)
      .filter((url) => !url.startsWith('/emulator/') && url !== '/api/session');
    expect(logged).toHaveLength(urls.length);
    expect(logged.filter((url) => !url.includes('[CPF]') && !url.includes('/[redacted]'))).toEqual([]);
    expect(logged).toContain('/login?next=%2Flookup%2Fdocument%2F[CPF]');
    expect(logged).toContain('/api/admin/audit?cpf=[CPF]');
  });

  it('masks a CPF in any other line too — a message quoting an address, an error — and leaves numbers and keys alone', async () => {
    const lines: string[] = [];
    const app = await buildTestApp({ logLevel: 'info' }, { write: (line) => lines.push(line) });
    lines.length = 0;
    app.log.info(
      { time_ms: 12345678901234, key: '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4' },
      'Route GET:/lookup/document/529.982.247-25 not found',
    );
    app.log.error({ err: new Error("'/lookup/document/%35%32%39%39%38%32%32%34%37%32%35' is not a valid url component") }, 'bad url');
    expect(lines).toHaveLength(2);
    expect(lines.filter((line) => digitsOf(line).includes(CPF_DIGITS))).toEqual([]);
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({
      time_ms: 12345678901234,
      key: '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4',
      msg: 'Route GET:/lookup/document/[CPF] not found',
    });
    expect(JSON.stringify(second)).toContain('/lookup/document/[CPF]');
  });

  it('never logs single sign-on’s authorization code or state', async () => {
    const lines: string[] = [];
    const app = await buildTestApp({ logLevel: 'info' }, { write: (line) => lines.push(line) });
    const code = 'SplxlOBeZQQYbYS6WxSbIA-the-code';
    const state = 'af0ifjsldkj-the-state';
    await app.inject({ method: 'GET', url: `/api/auth/oidc/callback?code=${code}&state=${state}&iss=x` });
    const logged = lines.join('\n');
    expect(logged).toContain('"url":"/api/auth/oidc/callback?code=[redacted]&state=[redacted]&iss=x"');
    expect(logged).not.toContain(code);
    expect(logged).not.toContain(state);
  });

  it('leaves addresses without a CPF as they are', async () => {
    const lines: string[] = [];
    const app = await buildTestApp({ logLevel: 'info' }, { write: (line) => lines.push(line) });
    const key = '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4';
    for (const url of [
      `/api/local/face_recognition/registration/${key}`,
      '/api/admin/audit?from=2026-11-26&to=2026-11-30T12:00:00.000Z&before=12345&limit=50',
      '/lookup?env=local',
    ]) {
      await app.inject({ method: 'GET', url });
      expect(
        lines.some((line) => line.includes(`"url":"${url}"`)),
        url,
      ).toBe(true);
    }
  });
});
