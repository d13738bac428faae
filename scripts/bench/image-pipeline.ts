import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import { createServer } from 'vite';
import { MAX_IMAGE_BYTES } from '../../contract/image.ts';
import { CHROMIUM_ARGS, chromiumExecutable } from '../chromium.ts';
import { makeLargePhoto } from '../fixtures/large-photo.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const TARGET_MS = 300;
// Debian's Chromium where it is installed (this project's CI); Playwright's own browser elsewhere.
// Served by the page's own origin through a Playwright route, so the photo needs no place in Vite's allowed folders.
const PHOTO_PATH = '/__bench/photo.jpg';
const MODULE_PATH = '/src/features/registration/lib/prepare-image.ts';

interface PageFigures {
  times: number[];
  width: number;
  height: number;
  bytes: number;
  base64Chars: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ms = (value: number) => `${value.toFixed(0)} ms`;

/**
 * `prepareImageFile` on the 12 MP photo in headless Chromium, as the SPA runs it: the module is
 * served by Vite from src/, the photo handed over as a Blob (as a file input gives one), one
 * warm-up call, then RUNS timed calls.
 */
export async function benchImagePipeline(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'frc-bench-image-'));
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    // Keeps Vite's dependency cache of `npm run dev` untouched; the module has no dependencies to optimise.
    cacheDir: join(work, 'vite'),
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  const browser = await chromium.launch({
    headless: true,
    ...(chromiumExecutable === undefined ? {} : { executablePath: chromiumExecutable }),
    args: [...CHROMIUM_ARGS],
  });
  try {
    const photoFile = await makeLargePhoto(join(work, 'large-photo.jpg'));
    const photo = readFileSync(photoFile);
    const { width: inWidth, height: inHeight } = await sharp(photo).metadata();

    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (base === undefined) throw new Error('Vite did not report its URL');

    const page = await browser.newPage();
    await page.route(`**${PHOTO_PATH}`, (route) => route.fulfill({ body: photo, contentType: 'image/jpeg' }));
    await page.route(new URL('/', base).href, (route) =>
      route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }),
    );
    await page.goto(new URL('/', base).href);

    const figures = await page.evaluate(
      async ({ modulePath, photoPath, runs }): Promise<PageFigures> => {
        interface Prepared {
          base64: string;
          width: number;
          height: number;
          bytes: number;
        }
        const { prepareImageFile } = (await import(modulePath)) as { prepareImageFile: (file: Blob) => Promise<Prepared> };
        const file = await (await fetch(photoPath)).blob();
        let prepared = await prepareImageFile(file);
        const times: number[] = [];
        for (let run = 0; run < runs; run += 1) {
          const start = performance.now();
          prepared = await prepareImageFile(file);
          times.push(performance.now() - start);
        }
        return { times, width: prepared.width, height: prepared.height, bytes: prepared.bytes, base64Chars: prepared.base64.length };
      },
      { modulePath: MODULE_PATH, photoPath: PHOTO_PATH, runs: RUNS },
    );

    const typical = median(figures.times);
    const worst = Math.max(...figures.times);
    const fits = figures.bytes <= MAX_IMAGE_BYTES;
    return [
      `\`prepareImageFile\` in headless Chromium ${browser.version()} turning the 12 MP photo of \`scripts/fixtures/large-photo.ts\` (${String(inWidth)}x${String(inHeight)}, ${(photo.length / 1e6).toFixed(1)} MB JPEG, noisy) into the JPEG sent to QI Tech: decode with EXIF orientation, downscale, JPEG encode, base64. ${String(RUNS)} runs after one warm-up, timed in the page with \`performance.now()\`.`,
      '',
      '| measure | value | target |',
      '| --- | --- | --- |',
      `| time, median | ${ms(typical)} | ≤ ${String(TARGET_MS)} ms (**${typical <= TARGET_MS ? 'met' : 'missed'}**) |`,
      `| time, worst | ${ms(worst)} | (for reference) |`,
      `| sent JPEG | ${String(figures.width)}x${String(figures.height)}, ${figures.bytes.toLocaleString('en')} bytes (${figures.base64Chars.toLocaleString('en')} base64 characters) | ≤ ${MAX_IMAGE_BYTES.toLocaleString('en')} bytes (**${fits ? 'met' : 'missed'}**) |`,
      '',
      `All runs, ms: ${figures.times.map((t) => t.toFixed(0)).join(', ')}.`,
    ].join('\n');
  } finally {
    await browser.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
