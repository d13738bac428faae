// The browser face detector's bench set-up, shared by the face-detection and face-quality suites:
// the production build with src/lib/face/face-detector.ts as an extra entry, served by the
// console's static rules, and a headless Chromium to open pages of that origin.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import Fastify from 'fastify';
import { build } from 'vite';
import { spa } from '../../server/plugins/app/spa.ts';
import { chromiumExecutable } from '../chromium.ts';
import { benchChromiumArgs } from './app-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DETECTOR = 'src/lib/face/face-detector.ts';

export interface DetectorSite {
  /** e.g. http://127.0.0.1:41234, without a trailing slash */
  origin: string;
  /** The detector entry's chunk, as a page of the origin imports it: `/assets/face-detector-….js`. */
  modulePath: string;
  browser: Browser;
  /** Closes the browser and the server, and removes the build. */
  close: () => Promise<void>;
}

/**
 * The production build with face-detector.ts as a second entry (no page imports it at start:
 * the detector is a lazy chunk), served by the console's own static rules
 * (server/plugins/app/spa.ts: pre-compressed files, cache headers), and headless Chromium with
 * the bench flags (benchChromiumArgs: a fake camera showing one face).
 */
export async function startDetectorSite(): Promise<DetectorSite> {
  const work = mkdtempSync(join(tmpdir(), 'frc-bench-face-'));
  const outDir = join(work, 'dist');
  const cleanups: (() => unknown)[] = [() => rmSync(work, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    // As `npm start` builds (an earlier suite's Vite dev server may have set development).
    process.env.NODE_ENV = 'production';
    await build({
      root: ROOT,
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        manifest: true,
        rolldownOptions: {
          input: { index: join(ROOT, 'index.html'), 'face-detector': join(ROOT, DETECTOR) },
          preserveEntrySignatures: 'exports-only',
        },
      },
    });
    const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string }>;
    const entry = manifest[DETECTOR]?.file;
    if (entry === undefined) throw new Error(`the build has no chunk for ${DETECTOR}`);

    const server = Fastify({ logger: false });
    cleanups.push(() => server.close());
    await server.register(spa, { distDir: outDir });
    const origin = await server.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({
      ...(chromiumExecutable === undefined ? {} : { executablePath: chromiumExecutable }),
      args: await benchChromiumArgs(),
    });
    cleanups.push(() => browser.close());
    return { origin, modulePath: `/${entry}`, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}
