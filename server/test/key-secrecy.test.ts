import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CPF_A, buildTestApp, fixtureBase64, json, refusal, tempDir } from './helper.ts';
import { echoHeaders, misbehavingUpstream } from './misbehaving-upstream.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A file's bytes as the browser would read them: precompressed copies are scanned decompressed. */
function contentOf(file: string): string {
  const bytes = readFileSync(file);
  if (file.endsWith('.br')) return brotliDecompressSync(bytes).toString('latin1');
  if (file.endsWith('.gz')) return gunzipSync(bytes).toString('latin1');
  return bytes.toString('latin1');
}

describe('the QI Tech keys never reach a browser', () => {
  it('a build made with the keys in its environment holds neither key, and nothing the console serves does', async () => {
    const sandboxKey = `sandbox-${randomUUID()}`;
    const productionKey = `production-${randomUUID()}`;
    const outDir = tempDir('frc-dist-');
    // The build as `npm start` makes it, from a shell in which the keys are set.
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', QITECH_SANDBOX_API_KEY: sandboxKey, QITECH_PRODUCTION_API_KEY: productionKey },
      stdio: 'pipe',
    });
    const files = filesUnder(outDir);
    expect(files.map((file) => relative(outDir, file))).toContain('index.html');
    const leaking = files.filter((file) => {
      const text = contentOf(file);
      return text.includes(sandboxKey) || text.includes(productionKey);
    });
    expect(leaking).toEqual([]);

    // And served: every file of the build, the index under deep links, the environments.
    const app = await buildTestApp(
      {
        sandbox: { url: 'http://127.0.0.1:9', apiKey: sandboxKey },
        production: { url: 'http://127.0.0.1:9', apiKey: productionKey },
      },
      undefined,
      outDir,
    );
    const urls = [
      '/',
      '/lookup/document/529.982.247-25?env=production',
      '/api/environments',
      ...files.map((file) => `/${relative(outDir, file)}`),
    ];
    for (const url of urls) {
      for (const encoding of ['identity', 'br', 'gzip']) {
        const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html,*/*', 'accept-encoding': encoding } });
        expect(response.statusCode, url).toBeLessThan(400);
        const bytes = response.rawPayload;
        const header = response.headers['content-encoding'] ?? '';
        const text = (header === 'br' ? brotliDecompressSync(bytes) : header === 'gzip' ? gunzipSync(bytes) : bytes).toString('latin1');
        const all = `${JSON.stringify(response.headers)}\n${text}`;
        expect(all.includes(sandboxKey) || all.includes(productionKey), url).toBe(false);
      }
    }
  }, 120_000);
});

describe('the QI Tech key never comes back from an upstream that echoes it', () => {
  it("relays only the contract's fields, with the key taken out of free text, and audits none of it", async () => {
    const key = `qitech-sandbox-${randomUUID()}`;
    const registrationKey = randomUUID();
    const received = (headers: Record<string, unknown>) => `Request received with headers ${JSON.stringify(headers)}`;
    // Every answer carries the request's headers, the Authorization key among them: in extra
    // fields, in a refusal's description, in an image's created_at, and once as a refusal's title.
    const upstream = await misbehavingUpstream((request, response, requests) => {
      const answers = [
        echoHeaders(201, (headers) => ({ registration_key: registrationKey, request_headers: headers, debug: received(headers) })),
        echoHeaders(200, (headers) => ({ registration_key: registrationKey, request_headers: headers })),
        echoHeaders(201, (headers) => ({
          image_key: randomUUID(),
          file_size: 10,
          width_px: 300,
          height_px: 300,
          created_at: String(headers.authorization),
          request_headers: headers,
        })),
        echoHeaders(400, (headers) => ({
          title: 'image_quality',
          description: `This image was not approved in quality assessment. ${received(headers)}`,
          image_status: 'no_face',
          request_headers: headers,
        })),
        echoHeaders(404, (headers) => ({ title: String(headers.authorization), description: received(headers) })),
      ];
      answers[(requests.length - 1) % answers.length]?.(request, response, requests);
    });
    onTestFinished(() => upstream.close());
    const lines: string[] = [];
    const app = await buildTestApp(
      { sandbox: { url: upstream.url, apiKey: key }, logLevel: 'trace' },
      { write: (line) => lines.push(line) },
    );
    const answers: string[] = [];
    const call = async (options: InjectOptions) => {
      const response = await app.inject(options);
      answers.push(JSON.stringify(response.headers), response.body);
      return response;
    };
    const API = '/api/sandbox/face_recognition';
    const registration = {
      method: 'POST',
      url: `${API}/registration`,
      payload: { document_number: CPF_A, image: fixtureBase64('face-single-centered.jpg') },
    } as const;

    const created = await call(registration);
    expect(created.statusCode).toBe(201);
    expect(json(created)).toEqual({ registration_key: registrationKey });
    expect(json(await call({ method: 'GET', url: `${API}/registration/document_number/${CPF_A}` }))).toEqual({
      registration_key: registrationKey,
    });
    const image = await call({ method: 'POST', url: `${API}/image`, payload: { image: fixtureBase64('face-single-centered.jpg') } });
    expect(image.statusCode).toBe(201);
    expect(Object.keys(json(image)).sort()).toEqual(['created_at', 'file_size', 'height_px', 'image_key', 'width_px']);
    const refused = await call(registration);
    expect(refused.statusCode).toBe(400);
    expect(Object.keys(json(refused)).sort()).toEqual(['description', 'image_status', 'title']);
    expect(json(refused)).toMatchObject({ title: 'image_quality', image_status: 'no_face' });
    // QI Tech's reason still reaches the person; only the key is gone from it.
    expect(json(refused).description).toContain('This image was not approved in quality assessment.');
    expect(json(refused).description).toContain('"authorization":"[redacted]"');
    expect(json(image).created_at).toBe('[redacted]');
    // A title is an identifier: the key as a title is no refusal of QI Tech's contract.
    refusal(await call({ method: 'GET', url: `${API}/registration/${registrationKey}` }), 502, 'bad_upstream_answer');
    expect(upstream.requests.map((r) => r.authorization)).toEqual([key, key, key, key, key]);

    const trail = await call({ method: 'GET', url: '/api/admin/audit?limit=500' });
    const csv = await call({ method: 'GET', url: '/api/admin/audit.csv' });
    expect(trail.statusCode).toBe(200);
    expect(csv.statusCode).toBe(200);
    expect((json(trail).entries as { outcome: string }[]).map((entry) => entry.outcome)).toEqual(
      expect.arrayContaining(['ok', 'image_quality', 'bad_upstream_answer']),
    );
    expect(answers.filter((text) => text.includes(key))).toEqual([]);
    expect(answers.filter((text) => text.includes('request_headers'))).toEqual([]);
    expect(lines.filter((line) => line.includes(key))).toEqual([]);
  });
});
