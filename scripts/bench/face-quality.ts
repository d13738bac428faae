// `npm run bench -- face-quality`: the face checks judged at scale, in Node (the emulator's
// detector) and in headless Chromium (the SPA's), on variants of ~440 portraits and on pictures
// without a face (scripts/fixtures/face-variants.ts). Prints how often each kind gets a verdict
// it should, where the two sides disagree, the advisory warnings, the crops the console offers,
// and the measures' distributions for choosing thresholds; every raw result goes to
// test-results/face-quality.json.
//
// Two phases: first every picture that is made from files alone; then, from Node's detection of
// each `original`, the pictures made from a detection (eyes-covered: a band over the eyes found
// there), judged on both sides, and in Node the crops offered for pair pictures, judged again.
//
// FACE_BENCH_LIMIT=N uses the first N portraits only; FACE_PORTRAITS_DIR overrides the portraits'
// folder (default ../shared/fixtures/portraits beside the repository).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { FACE_THRESHOLDS, judgeFace, offeredCrop } from '../../contract/face-quality.ts';
import type { CropBox, FaceBox, FaceDetection } from '../../contract/face-quality.ts';
import { detectFaces, loadFaceDetector } from '../../server/emulator/face-detector.ts';
import { inspectPicture } from '../../server/emulator/image-check.ts';
import { Problem } from '../../server/lib/problem.ts';
import { noFaceCases, portraitCases } from '../fixtures/face-variants.ts';
import type { VariantCase } from '../fixtures/face-variants.ts';
import { startDetectorSite } from './detector-site.ts';
import type { DetectorSite } from './detector-site.ts';
import { machine } from './machine.ts';
import { CROP_JPEG_QUALITY, judgedFace, mainFace, report, seconds, verdictOf } from './face-quality-report.ts';
import type { Outcome, Result, Timing } from './face-quality-report.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PORTRAITS_DIR = process.env.FACE_PORTRAITS_DIR ?? join(ROOT, '..', 'shared', 'fixtures', 'portraits');
const NO_FACE_FIXTURES = ['no-face-cat.png', 'no-face-coffee.png'].map((name) => join(ROOT, 'fixtures', 'images', name));
const LIMIT = limit(process.env.FACE_BENCH_LIMIT);

function limit(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FACE_BENCH_LIMIT must be a whole number of portraits ≥ 1, not "${value}"`);
  return n;
}
const RESULTS = join(ROOT, 'test-results', 'face-quality.json');
/** Cases per `page.evaluate`: their bytes are fetched at once, then judged one after the other. */
const BATCH = 40;
const PAGE = '/__bench/face-quality';
const CASE_PATH = '/__bench/case/';

interface SideRun {
  outcomes: Outcome[];
  runMs: number;
}

const verdictName = (verdict: Record<string, unknown>): string =>
  verdict.ok === true ? 'ok' : typeof verdict.status === 'string' ? verdict.status : 'unknown';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Progress on stderr, every 500 pictures and at the end of each run. */
function progressOf(label: string, total: number): (done: number) => void {
  let reported = 0;
  return (done) => {
    if (done === total || done - reported >= 500) {
      reported = done;
      console.error(`face-quality: ${label} ${String(done)}/${String(total)}`);
    }
  };
}

/* ---------- the cases ---------- */

function loadCases(): VariantCase[] {
  let portraits = readdirSync(PORTRAITS_DIR)
    .filter((name) => /\.(jpe?g|png)$/i.test(name))
    .sort()
    .map((name) => join(PORTRAITS_DIR, name));
  if (portraits.length === 0) throw new Error(`no portraits in ${PORTRAITS_DIR} (set FACE_PORTRAITS_DIR)`);
  if (LIMIT !== undefined) portraits = portraits.slice(0, LIMIT);
  return [...portraitCases(portraits), ...noFaceCases(NO_FACE_FIXTURES)];
}

/** `task(0…count−1)`, four at a time (sharp runs on libuv's threads). */
async function inPool<T>(count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) out[i] = await task(i);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

/** The pictures made from files alone. */
const generate = (cases: readonly VariantCase[]): Promise<Buffer[]> =>
  inPool(cases.length, (i) => {
    const item = cases[i];
    if (item === undefined) throw new Error(`no case ${String(i)}`);
    return item.make();
  });

interface Made {
  bytes?: Buffer;
  box?: FaceBox;
  error?: string;
}

/**
 * The pictures made from a detection: each from the main face (the first face counted, else the
 * highest-scoring detection) of Node's outcome for the case it names; a case whose source has no
 * face is not made (its error says why).
 */
function generateFromDetections(cases: readonly VariantCase[], nodeOutcomeOf: (id: string) => Outcome | undefined): Promise<Made[]> {
  return inPool(cases.length, async (i): Promise<Made> => {
    const item = cases[i];
    if (item?.faceFrom === undefined) return { error: 'not made: no source case' };
    const source = nodeOutcomeOf(item.faceFrom);
    const box = (source === undefined ? undefined : (judgedFace(source) ?? mainFace(source)))?.box;
    if (box === undefined) return { error: `not made: no face detected in ${item.faceFrom} (Node)` };
    try {
      return { bytes: await item.make(box), box };
    } catch (error) {
      return { box, error: `not made: ${message(error)}` };
    }
  });
}

/* ---------- Node ---------- */

async function nodeOutcome(content: Buffer): Promise<Outcome> {
  const start = performance.now();
  try {
    const picture = await inspectPicture(content);
    const detection = await detectFaces(picture);
    const judgement: Record<string, unknown> = { ...judgeFace(detection) };
    return { verdict: verdictName(judgement), judgement, detection, ms: performance.now() - start };
  } catch (error) {
    const ms = performance.now() - start;
    if (error instanceof Problem) return { verdict: error.title, error: error.description, ms };
    return { verdict: 'error', error: message(error), ms };
  }
}

async function runNode(bytes: readonly Buffer[], progress: (done: number) => void): Promise<SideRun> {
  const outcomes: Outcome[] = [];
  const start = performance.now();
  for (const content of bytes) {
    outcomes.push(await nodeOutcome(content));
    progress(outcomes.length);
  }
  return { outcomes, runMs: performance.now() - start };
}

/* ---------- Chromium ---------- */

interface PageOutcome {
  index: number;
  judgement?: Record<string, unknown>;
  error?: string;
  ms: number;
}

interface ChromiumSession {
  loadMs: number;
  /** Judges the pictures one after the other in the page, as an uploaded photo is. */
  run(bytes: readonly Buffer[], formats: readonly string[], progress: (done: number) => void): Promise<SideRun>;
  close(): Promise<void>;
}

/** A page of the detector site with the detector loaded, to judge pictures in (one run at a time). */
async function openChromium(site: DetectorSite): Promise<ChromiumSession> {
  const { origin, modulePath, browser } = site;
  const context = await browser.newContext();
  try {
    let current: { bytes: readonly Buffer[]; formats: readonly string[] } = { bytes: [], formats: [] };
    const page = await context.newPage();
    await page.route(`${origin}${PAGE}`, (route) =>
      route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }),
    );
    // Each case's bytes from the page's own origin, as an uploaded file would be read.
    await page.route(`${origin}${CASE_PATH}*`, (route) => {
      const index = Number(new URL(route.request().url()).pathname.slice(CASE_PATH.length));
      const body = current.bytes[index];
      if (body === undefined) return route.fulfill({ status: 404 });
      return route.fulfill({
        body,
        contentType: current.formats[index] === 'png' ? 'image/png' : 'image/jpeg',
        headers: { 'cache-control': 'no-store' },
      });
    });
    await page.goto(`${origin}${PAGE}`);

    const loadMs = await page.evaluate(async (path) => {
      const detector = (await import(path)) as { loadFaceDetector(): Promise<unknown> };
      const start = performance.now();
      await detector.loadFaceDetector();
      return performance.now() - start;
    }, modulePath);

    const run = async (bytes: readonly Buffer[], formats: readonly string[], progress: (done: number) => void): Promise<SideRun> => {
      current = { bytes, formats };
      const outcomes: Outcome[] = [];
      const start = performance.now();
      for (let from = 0; from < bytes.length; from += BATCH) {
        const indices = Array.from({ length: Math.min(BATCH, bytes.length - from) }, (_, k) => from + k);
        const batch = await page.evaluate(
          async ({ path, indices: wanted, casePath }): Promise<PageOutcome[]> => {
            // What picture-preview.tsx does with an uploaded photo: blob → bitmap → judgePicture.
            // Plain loops, no named functions: tsx would wrap them in a helper the page does not have.
            interface Bitmap {
              width: number;
              height: number;
              close(): void;
            }
            const detector = (await import(path)) as {
              judgePicture(source: unknown, width: number, height: number): Promise<Record<string, unknown>>;
            };
            const win = globalThis as unknown as { createImageBitmap(blob: Blob): Promise<Bitmap> };
            const blobs = await Promise.all(wanted.map(async (index) => (await fetch(`${casePath}${String(index)}`)).blob()));
            const out: PageOutcome[] = [];
            for (let k = 0; k < wanted.length; k += 1) {
              const index = wanted[k] ?? -1;
              const blob = blobs[k];
              const t = performance.now();
              try {
                if (blob === undefined) throw new Error('no bytes');
                const bitmap = await win.createImageBitmap(blob);
                try {
                  const judgement = await detector.judgePicture(bitmap, bitmap.width, bitmap.height);
                  out.push({ index, judgement, ms: performance.now() - t });
                } finally {
                  bitmap.close();
                }
              } catch (error) {
                out.push({ index, error: String(error), ms: performance.now() - t });
              }
            }
            return out;
          },
          { path: modulePath, indices, casePath: CASE_PATH },
        );
        for (const { judgement, error, ms } of batch) {
          if (judgement === undefined) {
            outcomes.push({ verdict: 'error', error: error ?? 'no result', ms });
            continue;
          }
          const { verdict, detection, ...extra } = judgement as { verdict: Record<string, unknown>; detection: FaceDetection };
          outcomes.push({
            verdict: verdictName(verdict),
            judgement: verdict,
            detection,
            ...(Object.keys(extra).length > 0 ? { extra } : {}),
            ms,
          });
        }
        progress(outcomes.length);
      }
      return { outcomes, runMs: performance.now() - start };
    };
    return { loadMs, run, close: () => context.close() };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/* ---------- the bench ---------- */

/** Outcomes of the pictures that could be made, in order; the others' outcome is their error. */
async function runMade(
  made: readonly Made[],
  run: (bytes: readonly Buffer[]) => Promise<SideRun>,
): Promise<{ outcomes: Outcome[]; runMs: number }> {
  const bytes = made.flatMap((m) => (m.bytes === undefined ? [] : [m.bytes]));
  const { outcomes, runMs } = await run(bytes);
  let k = 0;
  return {
    outcomes: made.map((m) =>
      m.bytes === undefined
        ? { verdict: 'error', error: m.error ?? 'not made', ms: 0 }
        : (outcomes[k++] ?? { verdict: 'error', error: 'not run', ms: 0 }),
    ),
    runMs,
  };
}

interface CropRun {
  crops: Map<number, { box: CropBox; node: Outcome }>;
  runMs: number;
}

/** Node: for each pair picture, the crop offered on its verdict, cut out of the picture and judged again. */
async function judgeCrops(cases: readonly VariantCase[], bytes: readonly Buffer[], outcomes: readonly Outcome[]): Promise<CropRun> {
  const crops = new Map<number, { box: CropBox; node: Outcome }>();
  const start = performance.now();
  for (const [index, c] of cases.entries()) {
    if (c.kind !== 'pair' && c.kind !== 'pair-dominant') continue;
    const outcome = outcomes[index];
    const verdict = outcome === undefined ? undefined : verdictOf(outcome);
    const content = bytes[index];
    if (verdict === undefined || outcome?.detection === undefined || content === undefined) continue;
    const box = offeredCrop(verdict, outcome.detection.width, outcome.detection.height);
    if (box === undefined) continue;
    let node: Outcome;
    try {
      const cut = await sharp(content)
        .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
        .jpeg({ quality: CROP_JPEG_QUALITY })
        .toBuffer();
      node = await nodeOutcome(cut);
    } catch (error) {
      node = { verdict: 'error', error: `crop ${JSON.stringify(box)}: ${message(error)}`, ms: 0 };
    }
    crops.set(index, { box, node });
  }
  return { crops, runMs: performance.now() - start };
}

export async function benchFaceQuality(): Promise<string> {
  const benchStart = performance.now();
  const cases = loadCases();
  const first = cases.filter((c) => c.faceFrom === undefined);
  const later = cases.filter((c) => c.faceFrom !== undefined);

  // The build and Chromium start while sharp makes the pictures.
  const siteStart = performance.now();
  const starting = startDetectorSite().then((site) => ({ site, ms: performance.now() - siteStart }));
  const generationStart = performance.now();
  let bytes: Buffer[];
  try {
    bytes = await generate(first);
  } catch (error) {
    await starting.then(
      ({ site }) => site.close(),
      () => undefined,
    );
    throw error;
  }
  const generationMs = performance.now() - generationStart;
  console.error(`face-quality: ${String(first.length)} pictures made in ${seconds(generationMs)}`);
  const { site, ms: siteMs } = await starting;

  const formats = first.map((c) => c.format);
  let nodeLoadMs = 0;
  let chromiumLoadMs = 0;
  let laterGenerationMs = 0;
  let nodeFirst: SideRun;
  let chromiumFirst: SideRun;
  let made: Made[];
  let nodeLater: SideRun;
  let chromiumLater: SideRun;
  let cropRun: CropRun;
  try {
    // At the same time, one core each: the Chromium side's page fetches a whole batch before
    // judging it, so Node's detections (which hold this process's event loop) barely delay it.
    const nodeFirstRun = (async () => {
      const loadStart = performance.now();
      await loadFaceDetector();
      nodeLoadMs = performance.now() - loadStart;
      return runNode(bytes, progressOf('Node', first.length));
    })();
    // Not left unhandled if Chromium fails to open (the error is the one thrown).
    nodeFirstRun.catch(() => undefined);
    const chromium = await openChromium(site);
    try {
      chromiumLoadMs = chromium.loadMs;
      const chromiumFirstRun = chromium.run(bytes, formats, progressOf('Chromium', first.length));
      // Second phase, as soon as Node has detected the originals: the pictures made from them.
      const making = nodeFirstRun.then(async ({ outcomes }) => {
        const start = performance.now();
        const byId = new Map(first.map((c, i) => [c.id, outcomes[i]]));
        const out = await generateFromDetections(later, (id) => byId.get(id));
        laterGenerationMs = performance.now() - start;
        console.error(`face-quality: ${String(out.filter((m) => m.bytes !== undefined).length)} pictures made from Node's detections`);
        return out;
      });
      const laterFormats = later.map((c) => c.format);
      const nodeLaterRun = making.then((m) => runMade(m, (b) => runNode(b, progressOf('Node, made from detections', b.length))));
      const chromiumLaterRun = Promise.all([chromiumFirstRun, making]).then(([, m]) =>
        runMade(m, (b) =>
          chromium.run(
            b,
            laterFormats.filter((_, i) => m[i]?.bytes !== undefined),
            progressOf('Chromium, made from detections', b.length),
          ),
        ),
      );
      const cropsRun = Promise.all([nodeFirstRun, nodeLaterRun]).then(([{ outcomes }]) => judgeCrops(first, bytes, outcomes));
      [nodeFirst, chromiumFirst, made, nodeLater, chromiumLater, cropRun] = await Promise.all([
        nodeFirstRun,
        chromiumFirstRun,
        making,
        nodeLaterRun,
        chromiumLaterRun,
        cropsRun,
      ]);
    } finally {
      await chromium.close();
    }
  } finally {
    await site.close();
  }

  const all = [...first, ...later];
  const allBytes = [...bytes, ...made.map((m) => m.bytes)];
  const outcome = (run: SideRun, laterRun: SideRun, index: number): Outcome =>
    (index < first.length ? run.outcomes[index] : laterRun.outcomes[index - first.length]) ?? { verdict: 'error', error: 'not run', ms: 0 };
  const results: Result[] = all.map((c, index) => {
    const from = index < first.length ? undefined : made[index - first.length];
    const crop = cropRun.crops.get(index);
    return {
      index,
      id: c.id,
      kind: c.kind,
      source: c.source === 'synthetic' ? c.source : relative(ROOT, c.source),
      expected: c.expected,
      expectedWarnings: c.warnings ?? [],
      format: c.format,
      bytes: allBytes[index]?.length ?? 0,
      fromDetection: c.faceFrom !== undefined,
      ...(from?.box === undefined || c.faceFrom === undefined ? {} : { madeFrom: { id: c.faceFrom, box: from.box } }),
      node: outcome(nodeFirst, nodeLater, index),
      chromium: outcome(chromiumFirst, chromiumLater, index),
      ...(crop === undefined ? {} : { crop }),
    };
  });

  const timing: Timing = {
    totalMs: performance.now() - benchStart,
    generationMs,
    totalBytes: allBytes.reduce((sum, b) => sum + (b?.length ?? 0), 0),
    siteMs,
    node: { loadMs: nodeLoadMs, runMs: nodeFirst.runMs },
    chromium: { loadMs: chromiumLoadMs, runMs: chromiumFirst.runMs, browser: site.browser.version() },
    later: { cases: later.length, generationMs: laterGenerationMs, nodeRunMs: nodeLater.runMs, chromiumRunMs: chromiumLater.runMs },
    crops: { cases: cropRun.crops.size, runMs: cropRun.runMs },
  };
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(
    RESULTS,
    // NaN (a measure the mesh or pixels did not give) is written as null.
    JSON.stringify(
      { measuredOn: machine(), portraitsDir: PORTRAITS_DIR, limit: LIMIT ?? null, thresholds: FACE_THRESHOLDS, timing, results },
      null,
      1,
    ),
  );
  console.error(`face-quality: raw results in ${relative(ROOT, RESULTS)}`);
  return report(results, timing, LIMIT);
}
