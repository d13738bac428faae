// `npm run bench -- first-page-js`: the JavaScript the first page (`/`) of the production build
// makes a browser download, until the network is idle, lazy chunks included.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { chromiumExecutable } from '../chromium.ts';
import { benchChromiumArgs, startBuiltApp } from './app-server.ts';

const PAGE = '/';
const TARGET_GZIP_BYTES = 120 * 1024;
/** After network idle, how long to keep listening for chunks loaded late (idle callbacks, timers). */
const LATE_MS = 2_000;

interface Script {
  path: string;
  /** named by index.html (its entry script or a modulepreload); otherwise imported at run time */
  initial: boolean;
  bytes: number;
  gzip9: number;
  /** bytes on the wire when asked with `accept-encoding: gzip`, and the encoding the server chose */
  servedGzip: number;
  servedEncoding: string;
  /** bytes on the wire as Chromium received them (it accepts br), and their encoding */
  chromium: number;
  chromiumEncoding: string;
}

/** The response body's size on the wire, as the server sends it to a client accepting gzip only. */
function servedWithGzip(url: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity' });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export async function benchFirstPageJs(): Promise<string> {
  const app = await startBuiltApp();
  const browser = await chromium.launch({
    ...(chromiumExecutable === undefined ? {} : { executablePath: chromiumExecutable }),
    args: await benchChromiumArgs(),
  });
  try {
    const context = await browser.newContext({ locale: 'pt-BR' });
    // As staff open it: logged in (anonymous visitors get the login form, a subset of this page).
    const [name = '', value = ''] = app.cookie.split('=');
    await context.addCookies([{ name, value, domain: '127.0.0.1', path: '/api' }]);
    const page = await context.newPage();
    const pending: Promise<Script>[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      const type = response.headers()['content-type'] ?? '';
      if (url.origin !== app.origin || !(type.includes('javascript') || /\.m?js$/.test(url.pathname))) return;
      pending.push(
        (async () => {
          const body = await response.body();
          const sizes = await response.request().sizes();
          const served = await servedWithGzip(response.url());
          return {
            path: url.pathname,
            initial: false,
            bytes: body.length,
            gzip9: gzipSync(body, { level: 9 }).length,
            servedGzip: served.bytes,
            servedEncoding: served.encoding,
            chromium: sizes.responseBodySize,
            chromiumEncoding: response.headers()['content-encoding'] ?? 'identity',
          };
        })(),
      );
    });
    const document = await page.goto(`${app.origin}${PAGE}`, { waitUntil: 'networkidle' });
    if (document === null) throw new Error(`no response for ${PAGE}`);
    // The scripts index.html names (entry and modulepreloads): the rest is loaded by dynamic import().
    const html = await document.text();
    const named = new Set(
      [...html.matchAll(/(?:src|href)="([^"]+\.m?js)"/g)].map((match) => new URL(match[1] ?? '', document.url()).pathname),
    );
    await page.waitForTimeout(LATE_MS);
    await page.waitForLoadState('networkidle');
    const scripts = (await Promise.all(pending)).map((script) => ({ ...script, initial: named.has(script.path) }));
    await context.close();
    return report(scripts);
  } finally {
    await browser.close();
    await app.stop();
  }
}

function report(scripts: Script[]): string {
  const sum = (pick: (s: Script) => number, only: Script[] = scripts) => only.reduce((total, s) => total + pick(s), 0);
  const totalGzip = sum((s) => s.gzip9);
  const lazy = scripts.filter((s) => !s.initial);
  const encodings = (pick: (s: Script) => string) => [...new Set(scripts.map(pick))].join(', ');
  const met = totalGzip <= TARGET_GZIP_BYTES;
  const rows = [...scripts]
    .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip9 - a.gzip9)
    .map(
      (s) =>
        `| \`${s.path}\` | ${s.initial ? 'initial' : 'lazy'} | ${kb(s.bytes)} | ${kb(s.gzip9)} | ${kb(s.servedGzip)} (${s.servedEncoding}) | ${kb(s.chromium)} (${s.chromiumEncoding}) |`,
    );
  return [
    `\`${PAGE}\` of the production build (\`vite build\`, served by \`server/server.ts\`), opened by a logged-in registrar in headless Chromium with a fake webcam ` +
      `(permission granted); every JavaScript response recorded until network idle, then ${String(LATE_MS / 1000)} s more. ` +
      `"initial": named by index.html (entry script or modulepreload); "lazy": loaded by a dynamic \`import()\`. Sizes in KB (1024 bytes).`,
    '',
    `**${kb(totalGzip)} KB gzip** (level 9) in ${String(scripts.length)} file(s), of which ${kb(sum((s) => s.gzip9, lazy))} KB lazy; ` +
      `target ≤ ${kb(TARGET_GZIP_BYTES)} KB: **${met ? 'met' : 'missed'}**. ` +
      `The server sent ${kb(sum((s) => s.servedGzip))} KB to a client accepting gzip only (${encodings((s) => s.servedEncoding)}), ` +
      `and ${kb(sum((s) => s.chromium))} KB to Chromium (${encodings((s) => s.chromiumEncoding)}); uncompressed ${kb(sum((s) => s.bytes))} KB.`,
    '',
    '| file | when | raw | gzip -9 | sent, `accept-encoding: gzip` | sent to Chromium |',
    '| ---- | ---- | --- | ------- | ----------------------------- | ---------------- |',
    ...rows,
    `| **total** | | ${kb(sum((s) => s.bytes))} | **${kb(totalGzip)}** | ${kb(sum((s) => s.servedGzip))} | ${kb(sum((s) => s.chromium))} |`,
  ].join('\n');
}
