// `npm run bench -- face-quality`: the face checks judged at scale, in Node (the emulator's
// detector) and in headless Chromium (the SPA's), on variants of ~440 portraits and on pictures
// without a face (scripts/fixtures/face-variants.ts). Prints how often each kind gets a verdict
// it should, where the two sides disagree, and the measures' distributions for choosing
// thresholds; every raw result goes to test-results/face-quality.json.
//
// FACE_BENCH_LIMIT=N uses the first N portraits only; FACE_PORTRAITS_DIR overrides the portraits'
// folder (default ../shared/fixtures/portraits beside the repository).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FACE_STATUSES, FACE_THRESHOLDS, judgeFace } from '../../contract/face-quality.ts';
import type { DetectedFace, FaceBox, FaceDetection } from '../../contract/face-quality.ts';
import { detectFaces, loadFaceDetector } from '../../server/emulator/face-detector.ts';
import { inspectPicture } from '../../server/emulator/image-check.ts';
import { Problem } from '../../server/lib/problem.ts';
import { NO_FACE_KINDS, PORTRAIT_KINDS, noFaceCases, portraitCases } from '../fixtures/face-variants.ts';
import type { VariantCase, VariantKind } from '../fixtures/face-variants.ts';
import { startDetectorSite } from './detector-site.ts';
import { machine } from './machine.ts';

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
/** Rows of the longer lists; the rest is in the JSON. */
const MAX_ROWS = 30;

/** One side's result for one picture. */
interface Outcome {
  /** `ok`, an `image_status`, the title of inspectPicture's refusal (Node), or `error`. */
  verdict: string;
  /** The verdict object as the rules returned it, every field included (status, description, warnings, faces…). */
  judgement?: Record<string, unknown>;
  /** The raw detection the verdict was made from. */
  detection?: FaceDetection;
  /** The browser's `judgePicture` result's other fields, if it gains any. */
  extra?: Record<string, unknown>;
  error?: string;
  /** Decode + detect + judge (Node: inspectPicture, detectFaces, judgeFace; Chromium: createImageBitmap, judgePicture). */
  ms: number;
}

interface Result {
  index: number;
  id: string;
  kind: VariantKind;
  source: string;
  expected: readonly string[];
  format: string;
  bytes: number;
  node: Outcome;
  chromium: Outcome;
}

interface Timing {
  generationMs: number;
  totalBytes: number;
  siteMs: number;
  node: { loadMs: number; runMs: number };
  chromium: { loadMs: number; runMs: number; browser: string };
}

interface SideRun {
  outcomes: Outcome[];
  loadMs: number;
  runMs: number;
}

type Side = 'node' | 'chromium';
const SIDES: readonly Side[] = ['node', 'chromium'];
const SIDE_NAME: Record<Side, string> = { node: 'Node', chromium: 'Chromium' };

const verdictName = (verdict: Record<string, unknown>): string =>
  verdict.ok === true ? 'ok' : typeof verdict.status === 'string' ? verdict.status : 'unknown';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

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

async function generate(cases: readonly VariantCase[]): Promise<Buffer[]> {
  const bytes: Buffer[] = new Array<Buffer>(cases.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const item = cases[i];
      if (item !== undefined) bytes[i] = await item.make();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return bytes;
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

async function runNode(bytes: readonly Buffer[], progress: (side: Side, done: number) => void): Promise<SideRun> {
  const loadStart = performance.now();
  await loadFaceDetector();
  const loadMs = performance.now() - loadStart;
  const outcomes: Outcome[] = [];
  const start = performance.now();
  for (const content of bytes) {
    outcomes.push(await nodeOutcome(content));
    progress('node', outcomes.length);
  }
  return { outcomes, loadMs, runMs: performance.now() - start };
}

/* ---------- Chromium ---------- */

interface PageOutcome {
  index: number;
  judgement?: Record<string, unknown>;
  error?: string;
  ms: number;
}

async function runChromium(
  site: Awaited<ReturnType<typeof startDetectorSite>>,
  bytes: readonly Buffer[],
  formats: readonly string[],
  progress: (side: Side, done: number) => void,
): Promise<SideRun> {
  const { origin, modulePath, browser } = site;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.route(`${origin}${PAGE}`, (route) =>
      route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }),
    );
    // Each case's bytes from the page's own origin, as an uploaded file would be read.
    await page.route(`${origin}${CASE_PATH}*`, (route) => {
      const index = Number(new URL(route.request().url()).pathname.slice(CASE_PATH.length));
      const body = bytes[index];
      if (body === undefined) return route.fulfill({ status: 404 });
      return route.fulfill({
        body,
        contentType: formats[index] === 'png' ? 'image/png' : 'image/jpeg',
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
      progress('chromium', outcomes.length);
    }
    return { outcomes, loadMs, runMs: performance.now() - start };
  } finally {
    await context.close();
  }
}

/* ---------- the bench ---------- */

export async function benchFaceQuality(): Promise<string> {
  const cases = loadCases();
  const generationStart = performance.now();
  const bytes = await generate(cases);
  const generationMs = performance.now() - generationStart;
  const totalBytes = bytes.reduce((sum, b) => sum + b.length, 0);
  console.error(`face-quality: ${String(cases.length)} pictures made in ${(generationMs / 1000).toFixed(1)} s`);

  const siteStart = performance.now();
  const site = await startDetectorSite();
  const siteMs = performance.now() - siteStart;
  const reported: Record<Side, number> = { node: 0, chromium: 0 };
  const progress = (side: Side, done: number) => {
    if (done === cases.length || done - reported[side] >= 500) {
      reported[side] = done;
      console.error(`face-quality: ${SIDE_NAME[side]} ${String(done)}/${String(cases.length)}`);
    }
  };
  let runs: [SideRun, SideRun];
  try {
    // At the same time, one core each: the Chromium side's page fetches a whole batch before
    // judging it, so Node's detections (which hold this process's event loop) barely delay it.
    runs = await Promise.all([
      runNode(bytes, progress),
      runChromium(
        site,
        bytes,
        cases.map((c) => c.format),
        progress,
      ),
    ]);
  } finally {
    await site.close();
  }
  const [nodeRun, chromiumRun] = runs;

  const results: Result[] = cases.map((c, index) => ({
    index,
    id: c.id,
    kind: c.kind,
    source: c.source === 'synthetic' ? c.source : relative(ROOT, c.source),
    expected: c.expected,
    format: c.format,
    bytes: bytes[index]?.length ?? 0,
    node: nodeRun.outcomes[index] ?? { verdict: 'error', error: 'not run', ms: 0 },
    chromium: chromiumRun.outcomes[index] ?? { verdict: 'error', error: 'not run', ms: 0 },
  }));

  const timing: Timing = {
    generationMs,
    totalBytes,
    siteMs,
    node: { loadMs: nodeRun.loadMs, runMs: nodeRun.runMs },
    chromium: { loadMs: chromiumRun.loadMs, runMs: chromiumRun.runMs, browser: site.browser.version() },
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
  return report(results, timing);
}

/* ---------- measures ---------- */

const area = (box: FaceBox) => box.width * box.height;

function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = w > 0 && h > 0 ? w * h : 0;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Faces by score, highest first: detector × mesh (a real face's mesh is ~1, a cat's ~0.01). */
function byScore(detection: FaceDetection | undefined): DetectedFace[] {
  return [...(detection?.faces ?? [])].sort((a, b) => b.detectorScore * b.meshScore - a.detectorScore * a.meshScore);
}

const mainFace = (outcome: Outcome): DetectedFace | undefined => byScore(outcome.detection)[0];

interface Measure {
  name: string;
  digits: number;
  get(face: DetectedFace, detection: FaceDetection): number;
}

const degrees = (radians: number) => (Math.abs(radians) * 180) / Math.PI;

function edgeMargin(box: FaceBox, { width, height }: FaceDetection): number {
  return Math.min(box.x / width, box.y / height, (width - box.x - box.width) / width, (height - box.y - box.height) / height);
}

const MEASURES: readonly Measure[] = [
  { name: 'detectorScore', digits: 3, get: (f) => f.detectorScore },
  { name: 'meshScore', digits: 3, get: (f) => f.meshScore },
  { name: 'area fraction %', digits: 1, get: (f, d) => (100 * area(f.box)) / (d.width * d.height) },
  { name: 'edge margin %', digits: 1, get: (f, d) => 100 * edgeMargin(f.box, d) },
  { name: 'yaw (absolute) °', digits: 1, get: (f) => degrees(f.yaw) },
  { name: 'pitch (absolute) °', digits: 1, get: (f) => degrees(f.pitch) },
  { name: 'eye openness, more open eye', digits: 3, get: (f) => Math.max(f.eyes.left, f.eyes.right) },
  { name: 'eye openness, less open eye', digits: 3, get: (f) => Math.min(f.eyes.left, f.eyes.right) },
  { name: 'luminance', digits: 1, get: (f) => f.luminance },
  { name: 'sharpness', digits: 1, get: (f) => f.sharpness },
];

const KNOWN_FIELDS = new Set(['detectorScore', 'meshScore', 'box', 'yaw', 'pitch', 'eyes', 'luminance', 'sharpness']);

/** Numeric fields of a face beyond MEASURES (e.g. `mouth.gap`, `eyeShade`), found at run time. */
function otherFields(value: unknown, prefix = ''): string[] {
  if (typeof value === 'number') return [prefix];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    prefix === '' && KNOWN_FIELDS.has(key) ? [] : otherFields(inner, prefix === '' ? key : `${prefix}.${key}`),
  );
}

function fieldAt(face: DetectedFace, path: string): number {
  let value: unknown = face;
  for (const key of path.split('.'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : NaN;
}

function measuresOf(results: readonly Result[]): Measure[] {
  const extra = new Set<string>();
  for (const r of results)
    for (const side of SIDES) for (const face of r[side].detection?.faces ?? []) for (const p of otherFields(face)) extra.add(p);
  return [...MEASURES, ...[...extra].sort().map((path) => ({ name: path, digits: 3, get: (f: DetectedFace) => fieldAt(f, path) }))];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Scores and geometry of an outcome's main face, on one line. */
function figures(outcome: Outcome): string {
  const { detection } = outcome;
  const face = mainFace(outcome);
  if (detection === undefined) return outcome.error === undefined ? '–' : outcome.error.slice(0, 80);
  if (face === undefined) return 'no detection';
  const at = (name: string) => MEASURES.find((m) => m.name === name)?.get(face, detection) ?? NaN;
  const counted = outcome.judgement?.faces;
  return [
    `${String(detection.faces.length)} det.${Array.isArray(counted) ? ` (${String(counted.length)} counted)` : ''}`,
    `det ${fixed(face.detectorScore, 2)} mesh ${fixed(face.meshScore, 2)}`,
    `area ${fixed(at('area fraction %'), 1)}%`,
    `margin ${fixed(at('edge margin %'), 1)}%`,
    `yaw ${fixed(at('yaw (absolute) °'), 0)}° pitch ${fixed(at('pitch (absolute) °'), 0)}°`,
    `eyes ${fixed(face.eyes.left, 2)}/${fixed(face.eyes.right, 2)}`,
    `lum ${fixed(face.luminance, 0)}`,
    `sharp ${fixed(face.sharpness, 0)}`,
  ].join(', ');
}

/* ---------- the report ---------- */

const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

const KINDS: readonly VariantKind[] = [...PORTRAIT_KINDS, ...NO_FACE_KINDS];

const isExpected = (r: Result, side: Side) => r.expected.includes(r[side].verdict);

function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([v, n]) => `${v} ×${String(n)}`)
    .join(', ');
}

function summary(results: readonly Result[]): string {
  const rows = KINDS.flatMap((kind) => {
    const of = results.filter((r) => r.kind === kind);
    if (of.length === 0) return [];
    const right = (side: Side) => of.filter((r) => isExpected(r, side)).length;
    const other = (side: Side) => tally(of.filter((r) => !isExpected(r, side)).map((r) => r[side].verdict)) || '–';
    return [
      [
        kind,
        of[0]?.expected.join(' / ') ?? '',
        String(of.length),
        `**${pct(right('node'), of.length)}**`,
        `**${pct(right('chromium'), of.length)}**`,
        other('node'),
        other('chromium'),
      ],
    ];
  });
  const all = (side: Side) => results.filter((r) => isExpected(r, side)).length;
  rows.push([
    '**all**',
    '',
    String(results.length),
    `**${pct(all('node'), results.length)}**`,
    `**${pct(all('chromium'), results.length)}**`,
    '',
    '',
  ]);
  return table(
    ['kind', 'expected', 'cases', 'Node: expected', 'Chromium: expected', 'Node: other verdicts', 'Chromium: other verdicts'],
    rows,
  );
}

function confusion(results: readonly Result[], side: Side): string {
  const seen = new Set(results.flatMap((r) => [r.node.verdict, r.chromium.verdict]));
  const columns = [
    'ok',
    ...FACE_STATUSES,
    ...[...seen].filter((v) => v !== 'ok' && !(FACE_STATUSES as readonly string[]).includes(v)).sort(),
  ];
  const rows = KINDS.flatMap((kind) => {
    const of = results.filter((r) => r.kind === kind);
    const first = of[0];
    if (first === undefined) return [];
    return [
      [
        `${kind} → ${first.expected.join(' / ')}`,
        ...columns.map((column) => {
          const n = of.filter((r) => r[side].verdict === column).length;
          if (n === 0) return '·';
          return first.expected.includes(column) ? `**${String(n)}**` : String(n);
        }),
      ],
    ];
  });
  return table(['kind → expected', ...columns], rows);
}

function disagreements(results: readonly Result[]): string {
  const differ = results.filter((r) => r.node.verdict !== r.chromium.verdict);
  if (differ.length === 0) return 'None: Node and Chromium gave the same verdict on every picture.';
  const rows = differ
    .slice(0, MAX_ROWS)
    .map((r) => [`\`${r.id}\``, r.node.verdict, r.chromium.verdict, figures(r.node), figures(r.chromium)]);
  return [
    `${String(differ.length)} of ${String(results.length)} pictures (${pct(differ.length, results.length)}).`,
    '',
    table(['picture', 'Node', 'Chromium', 'Node: main face', 'Chromium: main face'], rows),
    differ.length > MAX_ROWS ? `\n…and ${String(differ.length - MAX_ROWS)} more (in the JSON).` : '',
  ].join('\n');
}

function unexpected(results: readonly Result[]): string {
  const wrong = results.filter((r) => !isExpected(r, 'node') || !isExpected(r, 'chromium'));
  if (wrong.length === 0) return 'None.';
  const rows = wrong
    .slice(0, MAX_ROWS)
    .map((r) => [
      `\`${r.id}\``,
      r.expected.join(' / '),
      r.node.verdict,
      r.chromium.verdict,
      r.node.verdict === r.chromium.verdict ? figures(r.node) : `N: ${figures(r.node)}; C: ${figures(r.chromium)}`,
    ]);
  const byKind = tally(wrong.map((r) => r.kind));
  return [
    `${String(wrong.length)} pictures with an unexpected verdict on at least one side (by kind: ${byKind}).`,
    '',
    table(['picture', 'expected', 'Node', 'Chromium', 'main face (highest detector × mesh score)'], rows),
    wrong.length > MAX_ROWS ? `\n…and ${String(wrong.length - MAX_ROWS)} more (in the JSON).` : '',
  ].join('\n');
}

function distributionRows(values: (side: Side) => number[], name: string, digits: number): string[][] {
  return SIDES.map((side) => {
    const all = values(side);
    const sorted = all.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const missing = all.length - sorted.length;
    return [
      name,
      SIDE_NAME[side],
      `${String(sorted.length)}${missing > 0 ? ` (+${String(missing)} NaN)` : ''}`,
      ...[0, 1, 5, 50, 95, 99, 100].map((p) => fixed(percentile(sorted, p), digits)),
    ];
  });
}

const DISTRIBUTION_HEADER = ['measure', 'side', 'n', 'min', '1st', '5th', 'median', '95th', '99th', 'max'];

/** The main face's measures over the pictures of some kinds. */
function distributions(results: readonly Result[], kinds: readonly VariantKind[], measures: readonly Measure[]): string {
  const of = results.filter((r) => kinds.includes(r.kind));
  const rows = measures.flatMap((m) =>
    distributionRows(
      (side) =>
        of.flatMap((r) => {
          const face = mainFace(r[side]);
          const detection = r[side].detection;
          return face === undefined || detection === undefined ? [] : [m.get(face, detection)];
        }),
      m.name,
      m.digits,
    ),
  );
  return table(DISTRIBUTION_HEADER, rows);
}

/** For each refusal kind, the measure that should refuse it, on the main face. */
function refusalSide(results: readonly Result[]): string {
  const pick: [VariantKind, string][] = [
    ['small', 'area fraction %'],
    ['half-out', 'edge margin %'],
    ['dark', 'luminance'],
    ['blurred', 'sharpness'],
    ['rotated-90', 'yaw (absolute) °'],
    ['rotated-90', 'pitch (absolute) °'],
  ];
  const rows = pick.flatMap(([kind, name]) => {
    const m = MEASURES.find((x) => x.name === name);
    if (m === undefined) return [];
    const of = results.filter((r) => r.kind === kind);
    return distributionRows(
      (side) =>
        of.flatMap((r) => {
          const face = mainFace(r[side]);
          const detection = r[side].detection;
          return face === undefined || detection === undefined ? [] : [m.get(face, detection)];
        }),
      `${kind}: ${name}`,
      m.digits,
    );
  });
  return table(DISTRIBUTION_HEADER, rows);
}

interface Secondary {
  side: Side;
  result: Result;
  face: DetectedFace;
  main: DetectedFace;
  /** The secondary's area over the main face's. */
  areaRatio: number;
  /** The secondary's detector score over the main face's. */
  scoreRatio: number;
  iou: number;
}

function secondaries(results: readonly Result[]): Secondary[] {
  return results.flatMap((result) =>
    SIDES.flatMap((side) => {
      const [main, ...rest] = byScore(result[side].detection);
      if (main === undefined) return [];
      return rest.map((face) => ({
        side,
        result,
        face,
        main,
        areaRatio: area(face.box) / area(main.box),
        scoreRatio: face.detectorScore / main.detectorScore,
        iou: iou(face.box, main.box),
      }));
    }),
  );
}

function secondarySection(results: readonly Result[]): string {
  const all = secondaries(results);
  const countRows = KINDS.flatMap((kind) => {
    const of = results.filter((r) => r.kind === kind);
    if (of.length === 0) return [];
    return [
      [
        kind,
        String(of.length),
        ...SIDES.flatMap((side) => {
          const mine = all.filter((s) => s.side === side && s.result.kind === kind);
          return [String(new Set(mine.map((s) => s.result.index)).size), String(mine.length)];
        }),
      ],
    ];
  });
  const others = all.filter((s) => s.result.kind !== 'pair');
  const buckets = Array.from({ length: 10 }, (_, i) => i / 10);
  const inBucket = (v: number, b: number) => v >= b && (b >= 0.9 ? v <= 1 : v < b + 0.1);
  const histogram = buckets.map((b) => [
    `${b.toFixed(1)}–${(b + 0.1).toFixed(1)}`,
    ...SIDES.flatMap((side) => {
      const mine = others.filter((s) => s.side === side);
      return [
        String(mine.filter((s) => inBucket(s.face.detectorScore, b)).length),
        String(mine.filter((s) => inBucket(s.face.meshScore, b)).length),
      ];
    }),
  ]);
  const top = [...others]
    .sort((a, b) => Math.min(b.face.detectorScore, b.face.meshScore) - Math.min(a.face.detectorScore, a.face.meshScore))
    .slice(0, 20)
    .map((s) => [
      SIDE_NAME[s.side],
      `\`${s.result.id}\``,
      s.result[s.side].verdict,
      fixed(s.face.detectorScore, 3),
      fixed(s.face.meshScore, 3),
      fixed(s.scoreRatio, 2),
      fixed(s.areaRatio, 3),
      fixed(s.iou, 2),
      `${fixed(s.main.detectorScore, 2)} / ${fixed(s.main.meshScore, 2)}`,
    ]);
  // Pairs: the second face (the other portrait) against the first, for the secondary-face rules.
  const pairs = all.filter((s) => s.result.kind === 'pair');
  const second = (side: Side) => pairs.filter((s) => s.side === side && s === pairs.find((p) => p.side === side && p.result === s.result));
  const pairRows = (
    [
      ['detectorScore', 3, (s: Secondary) => s.face.detectorScore],
      ['meshScore', 3, (s: Secondary) => s.face.meshScore],
      ['detector score ×main', 2, (s: Secondary) => s.scoreRatio],
      ['area ×main', 3, (s: Secondary) => s.areaRatio],
      ['IoU with main', 3, (s: Secondary) => s.iou],
    ] as const
  ).flatMap(([name, digits, get]) => distributionRows((side) => second(side).map(get), name, digits));

  return [
    'Every detection that is not the picture\'s highest-scoring face (detector × mesh), before any rule. "×main": over the main face\'s value; IoU: intersection over union of the two mesh boxes.',
    '',
    table(
      ['kind', 'cases', 'Node: cases with >1 detection', 'Node: secondaries', 'Chromium: cases with >1 detection', 'Chromium: secondaries'],
      countRows,
    ),
    '',
    `Secondaries outside the \`pair\` pictures (${String(others.filter((s) => s.side === 'node').length)} in Node, ${String(others.filter((s) => s.side === 'chromium').length)} in Chromium), by score:`,
    '',
    table(['score', 'Node: detector', 'Node: mesh', 'Chromium: detector', 'Chromium: mesh'], histogram),
    '',
    'The 20 most face-like of them (highest of min(detector, mesh)):',
    '',
    top.length === 0
      ? 'None.'
      : table(['side', 'picture', 'verdict', 'detector', 'mesh', 'detector ×main', 'area ×main', 'IoU', 'main face det / mesh'], top),
    '',
    "In the `pair` pictures, the second detection (normally the other portrait's face), over the pairs with one:",
    '',
    table(DISTRIBUTION_HEADER, pairRows),
  ].join('\n');
}

function noFaceSection(results: readonly Result[]): string {
  const of = results.filter((r) => (NO_FACE_KINDS as readonly string[]).includes(r.kind));
  const best = (outcome: Outcome) => {
    const faces = outcome.detection?.faces ?? [];
    return {
      n: faces.length,
      detector: Math.max(-Infinity, ...faces.map((f) => f.detectorScore)),
      mesh: Math.max(-Infinity, ...faces.map((f) => f.meshScore)),
    };
  };
  const overall = SIDES.map((side) => {
    const bests = of.map((r) => best(r[side]));
    const detected = bests.filter((b) => b.n > 0).length;
    return `${SIDE_NAME[side]}: ${String(detected)} of ${String(of.length)} pictures with any detection; highest detector score ${fixed(Math.max(-Infinity, ...bests.map((b) => b.detector)), 3)}, highest mesh score ${fixed(Math.max(-Infinity, ...bests.map((b) => b.mesh)), 3)}.`;
  });
  const rows = of
    .filter((r) => best(r.node).n > 0 || best(r.chromium).n > 0)
    .sort((a, b) => Math.max(best(b.node).mesh, best(b.chromium).mesh) - Math.max(best(a.node).mesh, best(a.chromium).mesh))
    .slice(0, 20)
    .map((r) => [
      `\`${r.id}\``,
      ...SIDES.map((side) => {
        const b = best(r[side]);
        return b.n === 0 ? '–' : `${String(b.n)}: ${fixed(b.detector, 3)} / ${fixed(b.mesh, 3)} → ${r[side].verdict}`;
      }),
    ]);
  return [
    ...overall.map((line) => `- ${line}`),
    '',
    rows.length === 0
      ? 'Nothing was detected in any of them.'
      : table(['picture (by highest mesh score)', 'Node: detections: best detector / best mesh → verdict', 'Chromium: same'], rows),
  ].join('\n');
}

/** Fields of the verdicts beyond ok / status / description (e.g. warnings, faces), tallied per kind. */
function verdictFields(results: readonly Result[]): string {
  const keys = new Set<string>();
  for (const r of results) for (const side of SIDES) for (const key of Object.keys(r[side].judgement ?? {})) keys.add(key);
  for (const key of ['ok', 'status', 'description']) keys.delete(key);
  if (keys.size === 0) return '';
  const describe = (value: unknown): string[] => {
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string')) return value.length === 0 ? ['(none)'] : value;
      return [`${String(value.length)} item(s)`];
    }
    const text = JSON.stringify(value);
    return [text.length > 40 ? `${text.slice(0, 40)}…` : text];
  };
  const sections = [...keys].sort().map((key) => {
    const rows = KINDS.flatMap((kind) => {
      const of = results.filter((r) => r.kind === kind);
      if (of.length === 0) return [];
      return [
        [
          kind,
          ...SIDES.map(
            (side) =>
              tally(
                of.flatMap((r) => {
                  const judgement = r[side].judgement;
                  return judgement === undefined ? [] : describe(judgement[key]);
                }),
              ) || '–',
          ),
        ],
      ];
    });
    return [`\`${key}\`:`, '', table(['kind', 'Node', 'Chromium'], rows)].join('\n');
  });
  return ['### Other fields of the verdicts', '', ...sections.flatMap((s) => [s, ''])].join('\n');
}

function timings(results: readonly Result[], timing: Timing): string {
  const perPicture = (side: Side) => {
    const sorted = results.map((r) => r[side].ms).sort((a, b) => a - b);
    return `${fixed(percentile(sorted, 50), 0)} / ${fixed(percentile(sorted, 95), 0)} / ${fixed(percentile(sorted, 100), 0)}`;
  };
  return table(
    ['step', 'time', 'per picture: median / 95th / max, ms'],
    [
      [
        'make the pictures (sharp, 4 at a time)',
        seconds(timing.generationMs),
        `${String(results.length)} pictures, ${(timing.totalBytes / 2 ** 20).toFixed(1)} MB`,
      ],
      ['build the SPA with the detector entry, start Chromium', seconds(timing.siteMs), ''],
      ['Node: load the detector', seconds(timing.node.loadMs), ''],
      ['Node: inspectPicture + detectFaces + judgeFace, all pictures', `**${seconds(timing.node.runMs)}**`, perPicture('node')],
      ['Chromium: load the detector (download, start-up, warm-up)', seconds(timing.chromium.loadMs), ''],
      ['Chromium: fetch + createImageBitmap + judgePicture, all pictures', `**${seconds(timing.chromium.runMs)}**`, perPicture('chromium')],
    ],
  );
}

function report(results: readonly Result[], timing: Timing): string {
  const portraits = results.filter((r) => r.kind === 'original').length;
  const noFace = results.filter((r) => (NO_FACE_KINDS as readonly string[]).includes(r.kind)).length;
  const measures = measuresOf(results);
  return [
    `${String(results.length)} pictures: ${String(portraits)} portraits${LIMIT === undefined ? '' : ` (FACE_BENCH_LIMIT=${String(LIMIT)})`} × ${String(PORTRAIT_KINDS.length)} variants and ${String(noFace)} without a face. ` +
      `Node: the emulator's \`inspectPicture\` → \`detectFaces\` → \`judgeFace\`; Chromium ${timing.chromium.browser} (headless, production build): \`fetch\` → \`createImageBitmap\` → \`judgePicture\`, as the registration page does with an uploaded photo. ` +
      'The two sides ran at the same time (one core each). Raw results: `test-results/face-quality.json`.',
    '',
    '### Verdicts',
    '',
    summary(results),
    '',
    '### Confusion, Node',
    '',
    'Rows: the kind of picture and the verdicts that count as right (bold); columns: the verdict given.',
    '',
    confusion(results, 'node'),
    '',
    '### Confusion, Chromium',
    '',
    confusion(results, 'chromium'),
    '',
    '### Where Node and Chromium disagree',
    '',
    disagreements(results),
    '',
    '### Unexpected verdicts',
    '',
    unexpected(results),
    '',
    '### Measures of the portraits as they are (`original`)',
    '',
    'The main face (highest detector × mesh score) of each portrait; eye openness per eye, as the rule reads it (refused only when both eyes are under the threshold: the more open eye decides).',
    '',
    distributions(results, ['original'], measures),
    '',
    'The same over every variant that must pass (`original`, `mirrored`, `jpeg-q10`):',
    '',
    distributions(results, ['original', 'mirrored', 'jpeg-q10'], measures),
    '',
    '### Measures of the pictures that must be refused, on the measure that refuses them',
    '',
    refusalSide(results),
    '',
    '### Secondary detections',
    '',
    secondarySection(results),
    '',
    '### Pictures without a face',
    '',
    noFaceSection(results),
    '',
    verdictFields(results),
    '### Time',
    '',
    timings(results, timing),
  ].join('\n');
}
