import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTestApp, tempDir } from './helper.ts';

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
