// `npm run bench -- face-detection`: the browser's face check (src/lib/face/face-detector.ts)
// on the fake camera's 640x480 video in headless Chromium, and what it makes a browser download.
import { gzipSync } from 'node:zlib';
import { FACE_MODELS_PATH, FACE_WASM_PATH } from '../../src/lib/face/face-assets.ts';
import { startDetectorSite } from './detector-site.ts';

const CHECKS = Number(process.env.BENCH_RUNS ?? 60);
const TARGET_PER_SECOND = 15;
const PAGE = '/__bench/face-detection';

interface PageFigures {
  loadMs: number;
  times: number[];
  totalMs: number;
  video: { width: number; height: number };
  verdicts: Record<string, number>;
}

interface Download {
  path: string;
  /** what it is: the detector's code, a model file, the wasm */
  kind: 'code' | 'model' | 'wasm';
  bytes: number;
  gzip9: number;
  /** bytes on the wire as Chromium received them, their encoding and cache-control */
  chromium: number;
  encoding: string;
  cacheControl: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/**
 * The production build with face-detector.ts as a second entry (no page imports it yet: the
 * capture UI is to come), served by the console's own static rules (server/plugins/app/spa.ts:
 * pre-compressed files, cache headers); a blank page of that origin imports the entry's chunk,
 * loads the detector (cold: downloads and start-up), warms up with 3 checks, then runs CHECKS
 * `judgePicture` calls on the live `<video>` of the fake camera, one after the other.
 */
export async function benchFaceDetection(): Promise<string> {
  const { origin, modulePath, browser, close } = await startDetectorSite();
  try {
    const context = await browser.newContext();
    await context.grantPermissions(['camera'], { origin });
    const page = await context.newPage();
    await page.route(`${origin}${PAGE}`, (route) =>
      route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }),
    );
    const outside: string[] = [];
    const pending: Promise<Download>[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) outside.push(request.url());
    });
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path === PAGE) return;
      const kind = path.startsWith(`/${FACE_MODELS_PATH}`) ? 'model' : path.startsWith(`/${FACE_WASM_PATH}`) ? 'wasm' : 'code';
      pending.push(
        (async () => {
          const body = await response.body();
          const headers = response.headers();
          return {
            path,
            kind,
            bytes: body.length,
            gzip9: gzipSync(body, { level: 9 }).length,
            chromium: (await response.request().sizes()).responseBodySize,
            encoding: headers['content-encoding'] ?? 'identity',
            cacheControl: headers['cache-control'] ?? '',
          };
        })(),
      );
    });
    await page.goto(`${origin}${PAGE}`);

    const figures = await page.evaluate(
      async ({ modulePath, checks }): Promise<PageFigures> => {
        interface Judgement {
          verdict: { ok: boolean; status?: string };
        }
        const detector = (await import(modulePath)) as {
          loadFaceDetector(): Promise<unknown>;
          judgePicture(source: unknown, width: number, height: number): Promise<Judgement>;
        };
        const start = performance.now();
        await detector.loadFaceDetector();
        const loadMs = performance.now() - start;

        // The page's DOM, typed as far as used (this file is compiled without the DOM library).
        interface Video {
          muted: boolean;
          srcObject: unknown;
          videoWidth: number;
          videoHeight: number;
          play(): Promise<void>;
          requestVideoFrameCallback(callback: () => void): number;
        }
        const { document, navigator } = globalThis as unknown as {
          document: { createElement(tag: 'video'): Video };
          navigator: { mediaDevices: { getUserMedia(constraints: object): Promise<unknown> } };
        };
        const video = document.createElement('video');
        video.muted = true;
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
        await video.play();
        await new Promise<void>((resolve) => video.requestVideoFrameCallback(resolve));
        const [width, height] = [video.videoWidth, video.videoHeight];
        // Plain loops: tsx would wrap a named function in a helper the page does not have.
        const verdicts: Record<string, number> = {};
        const times: number[] = [];
        let all = 0;
        for (let i = -3; i < checks; i += 1) {
          if (i === 0) all = performance.now();
          const t = performance.now();
          const { verdict } = await detector.judgePicture(video, width, height);
          if (i < 0) continue;
          times.push(performance.now() - t);
          const key = verdict.ok ? 'ok' : (verdict.status ?? '?');
          verdicts[key] = (verdicts[key] ?? 0) + 1;
        }
        return { loadMs, times, totalMs: performance.now() - all, video: { width, height }, verdicts };
      },
      { modulePath, checks: CHECKS },
    );
    const downloads = await Promise.all(pending);
    await context.close();
    return report(figures, downloads, outside, browser.version());
  } finally {
    await close();
  }
}

function report(figures: PageFigures, downloads: Download[], outside: string[], version: string): string {
  const perSecond = figures.times.length / (figures.totalMs / 1000);
  const sum = (pick: (d: Download) => number, kind?: Download['kind']) =>
    downloads.filter((d) => kind === undefined || d.kind === kind).reduce((total, d) => total + pick(d), 0);
  const fastest = Math.min(...figures.times);
  const slowest = Math.max(...figures.times);
  const rows = [...downloads]
    .sort((a, b) => a.kind.localeCompare(b.kind) || b.bytes - a.bytes)
    .map(
      (d) => `| \`${d.path}\` | ${d.kind} | ${kb(d.bytes)} | ${kb(d.gzip9)} | ${kb(d.chromium)} (${d.encoding}) | \`${d.cacheControl}\` |`,
    );
  const subtotal = (kind: Download['kind'], label: string) =>
    `${label} ${kb(sum((d) => d.gzip9, kind))} KB gzip (${kb(sum((d) => d.chromium, kind))} KB sent)`;
  return [
    `\`judgePicture\` (face detector + mesh, iris off, wasm backend, no frame cache) on the live \`<video>\` of Chromium's fake camera ` +
      `(${String(figures.video.width)}x${String(figures.video.height)}, the e2e face video), headless Chromium ${version}, production build served ` +
      `by the console's static rules; ${String(figures.times.length)} checks one after the other after 3 warm-up checks. ` +
      'Each check: draw the frame, read its pixels, detect, measure, judge. Sizes in KB (1024 bytes); "sent": bytes on the wire to Chromium (it accepts br).',
    '',
    '| measure | value | target |',
    '| --- | --- | --- |',
    `| checks per second | **${perSecond.toFixed(1)}** | ≥ ${String(TARGET_PER_SECOND)} (**${perSecond >= TARGET_PER_SECOND ? 'met' : 'missed'}**) |`,
    `| time per check, median (fastest–slowest) | ${median(figures.times).toFixed(0)} ms (${fastest.toFixed(0)}–${slowest.toFixed(0)}) | |`,
    `| verdicts | ${Object.entries(figures.verdicts)
      .map(([verdict, count]) => `${verdict} ×${String(count)}`)
      .join(', ')} | all ok |`,
    `| cold start: import, download, start-up, first detection | ${(figures.loadMs / 1000).toFixed(2)} s (localhost) | |`,
    `| download, gzip -9 | **${kb(sum((d) => d.gzip9))} KB**: ${subtotal('code', 'code')}, ${subtotal('model', 'models')}, ${subtotal('wasm', 'wasm')} | |`,
    `| requests outside the origin | ${outside.length === 0 ? 'none' : outside.join(', ')} | none |`,
    '',
    '| file | what | raw | gzip -9 | sent to Chromium | cache-control |',
    '| ---- | ---- | --- | ------- | ---------------- | ------------- |',
    ...rows,
    `| **total** | | ${kb(sum((d) => d.bytes))} | **${kb(sum((d) => d.gzip9))}** | ${kb(sum((d) => d.chromium))} | |`,
  ].join('\n');
}
