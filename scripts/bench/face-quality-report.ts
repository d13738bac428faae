// The report of `npm run bench -- face-quality` (face-quality.ts runs the pictures): the results'
// types, the measures read from them, and the markdown tables (verdicts, confusion, disagreements,
// distributions, warnings, crops, timings).

import { FACE_STATUSES, FACE_THRESHOLDS, FACE_WARNINGS, mainFaceDominates, offeredCrop } from '../../contract/face-quality.ts';
import type { CropBox, DetectedFace, FaceBox, FaceDetection, FaceVerdict } from '../../contract/face-quality.ts';
import { EYE_BAND, NO_FACE_KINDS, PORTRAIT_KINDS } from '../fixtures/face-variants.ts';
import type { VariantKind } from '../fixtures/face-variants.ts';

/** The crops are encoded as the console's canvas would send them. */
export const CROP_JPEG_QUALITY = 92;
/** Rows of the longer lists; the rest is in the JSON. */
const MAX_ROWS = 30;
/** Rows of the short lists (warnings, eyes covered, crops). */
const SHORT_ROWS = 10;

/** One side's result for one picture. */
export interface Outcome {
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

export interface Result {
  index: number;
  id: string;
  kind: VariantKind;
  source: string;
  expected: readonly string[];
  /** Advisory warnings it must get (eyes-covered: eyes_covered). */
  expectedWarnings: readonly string[];
  format: string;
  bytes: number;
  /** Made in the second phase, from a detection (whether it could be made or not). */
  fromDetection: boolean;
  /** A picture made from a detection: the case detected (in Node) and its main face's box. */
  madeFrom?: { id: string; box: FaceBox };
  node: Outcome;
  chromium: Outcome;
  /** The crop the console offers on the Node verdict (`offeredCrop`), cut out and judged again in Node. */
  crop?: { box: CropBox; node: Outcome };
}

export interface Timing {
  /** The whole bench, wall clock. */
  totalMs: number;
  generationMs: number;
  totalBytes: number;
  siteMs: number;
  node: { loadMs: number; runMs: number };
  chromium: { loadMs: number; runMs: number; browser: string };
  /** The second phase: pictures made from Node's detections, judged on both sides. */
  later: { cases: number; generationMs: number; nodeRunMs: number; chromiumRunMs: number };
  crops: { cases: number; runMs: number };
}

type Side = 'node' | 'chromium';
const SIDES: readonly Side[] = ['node', 'chromium'];
const SIDE_NAME: Record<Side, string> = { node: 'Node', chromium: 'Chromium' };

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

export const mainFace = (outcome: Outcome): DetectedFace | undefined => byScore(outcome.detection)[0];

/** The verdict as the rules returned it (judgeFace's FaceVerdict, on both sides); undefined for a refused file or an error. */
export function verdictOf(outcome: Outcome): FaceVerdict | undefined {
  const judgement = outcome.judgement;
  return judgement === undefined || !Array.isArray(judgement.faces) || !Array.isArray(judgement.warnings)
    ? undefined
    : (judgement as unknown as FaceVerdict);
}

/** The face the rules judged: the first face counted (the largest). */
export const judgedFace = (outcome: Outcome): DetectedFace | undefined => verdictOf(outcome)?.faces[0];

/** The verdict's advisory warnings, in FACE_WARNINGS order. */
const warningsOf = (outcome: Outcome): string[] => {
  const warnings: readonly string[] = verdictOf(outcome)?.warnings ?? [];
  return FACE_WARNINGS.filter((w) => warnings.includes(w));
};

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
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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
  const others = all.filter((s) => s.result.kind !== 'pair' && s.result.kind !== 'pair-dominant');
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
    `Secondaries outside the \`pair\` and \`pair-dominant\` pictures (${String(others.filter((s) => s.side === 'node').length)} in Node, ${String(others.filter((s) => s.side === 'chromium').length)} in Chromium), by score:`,
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

/* ---------- advisory warnings, eyes covered, crops ---------- */

const T = FACE_THRESHOLDS;
const WARNING_RULE: Record<(typeof FACE_WARNINGS)[number], string> = {
  mouth_open: `mouth.gap > ${String(T.maxMouthGap)}`,
  not_neutral: `mouth.lift > ${String(T.maxMouthLift)}`,
  eyes_covered: `eyeShade < ${String(T.minEyeShade)}`,
};

const warningSet = (outcome: Outcome) => warningsOf(outcome).join(', ') || '(none)';

/** The judged face's advisory measures, on one line. */
function adviceFigures(outcome: Outcome): string {
  const face = judgedFace(outcome);
  if (face === undefined) return outcome.verdict;
  return `${outcome.verdict}: gap ${fixed(face.mouth.gap, 3)}, lift ${fixed(face.mouth.lift, 3)}, shade ${fixed(face.eyeShade, 3)}`;
}

function warningsSection(results: readonly Result[]): string {
  const differs = (r: Result) => warningSet(r.node) !== warningSet(r.chromium);
  const rows = KINDS.flatMap((kind) => {
    const of = results.filter((r) => r.kind === kind);
    if (of.length === 0) return [];
    return [
      [
        kind,
        String(of.length),
        ...FACE_WARNINGS.flatMap((w) => SIDES.map((side) => String(of.filter((r) => warningsOf(r[side]).includes(w)).length))),
        String(of.filter(differs).length),
      ],
    ];
  });
  const differ = results.filter(differs);
  const listed = differ
    .slice(0, SHORT_ROWS)
    .map((r) => [`\`${r.id}\``, warningSet(r.node), warningSet(r.chromium), adviceFigures(r.node), adviceFigures(r.chromium)]);
  return [
    `Advice on the judged face (the first face counted; only when one face is counted), never a refusal: ${FACE_WARNINGS.map((w) => `\`${w}\` when ${WARNING_RULE[w]}`).join(', ')} (FACE_THRESHOLDS). Pictures warned, by kind; "differ": pictures whose set of warnings is not the same on the two sides (reported, not a failure).`,
    '',
    table(['kind', 'cases', ...FACE_WARNINGS.flatMap((w) => SIDES.map((side) => `${w}: ${SIDE_NAME[side]}`)), 'differ'], rows),
    '',
    differ.length === 0
      ? 'Node and Chromium gave the same warnings on every picture.'
      : [
          `${String(differ.length)} of ${String(results.length)} pictures with different warnings${differ.length > SHORT_ROWS ? ` (the first ${String(SHORT_ROWS)})` : ''}; measures of the judged face (gap: mouth.gap, warns > ${String(T.maxMouthGap)}; lift: mouth.lift, warns > ${String(T.maxMouthLift)}; shade: eyeShade, warns < ${String(T.minEyeShade)}):`,
          '',
          table(['picture', 'Node: warnings', 'Chromium: warnings', 'Node: verdict: measures', 'Chromium: verdict: measures'], listed),
        ].join('\n'),
  ].join('\n');
}

function eyesCoveredSection(results: readonly Result[]): string {
  const covered = results.filter((r) => r.kind === 'eyes-covered');
  const originals = results.filter((r) => r.kind === 'original');
  if (covered.length === 0) return 'No eyes-covered pictures.';
  const made = covered.filter((r) => r.madeFrom !== undefined).length;
  const warned = (of: readonly Result[], side: Side) => of.filter((r) => warningsOf(r[side]).includes('eyes_covered'));
  const oneFace = (of: readonly Result[], side: Side) => of.filter((r) => verdictOf(r[side])?.faces.length === 1);
  const rows = SIDES.map((side) => {
    const ok = covered.filter((r) => r[side].verdict === 'ok').length;
    const hits = warned(covered, side).length;
    const alarms = warned(originals, side).length;
    return [
      SIDE_NAME[side],
      String(covered.length),
      `**${String(ok)}** (${pct(ok, covered.length)})`,
      tally(covered.filter((r) => r[side].verdict !== 'ok').map((r) => r[side].verdict)) || '–',
      `**${String(hits)}** (${pct(hits, covered.length)}); of one face judged: ${String(hits)}/${String(oneFace(covered, side).length)}`,
      `${String(alarms)} of ${String(originals.length)} (${pct(alarms, originals.length)})`,
    ];
  });
  const shade = (kind: VariantKind) => (side: Side) =>
    results
      .filter((r) => r.kind === kind)
      .flatMap((r) => {
        const face = judgedFace(r[side]);
        return face === undefined ? [] : [face.eyeShade];
      });
  const misses = covered.filter((r) => SIDES.some((side) => !warningsOf(r[side]).includes('eyes_covered')));
  const alarms = originals.filter((r) => SIDES.some((side) => warningsOf(r[side]).includes('eyes_covered')));
  const line = (r: Result) => [`\`${r.id}\``, adviceFigures(r.node), adviceFigures(r.chromium)];
  return [
    `Each portrait with a band (${EYE_BAND.fill}, rounded) over both eyes, like dark glasses, placed from Node's detection of its \`original\` (the judged face's mesh box b): x = b.x + ${String(EYE_BAND.x)}·b.width, y = b.y + ${String(EYE_BAND.y)}·b.height, ${String(EYE_BAND.width)}·b.width × ${String(EYE_BAND.height)}·b.height; ${String(made)} of ${String(covered.length)} made. Expected: \`ok\`, with the \`eyes_covered\` warning (recall); beside it, the same warning on the portraits as they are (false alarms).`,
    '',
    table(
      ['side', 'pictures', 'ok', 'other verdicts', 'eyes_covered warned (recall)', '`original` warned eyes_covered (false alarms)'],
      rows,
    ),
    '',
    `eyeShade of the judged face (warns < ${String(T.minEyeShade)}):`,
    '',
    table(DISTRIBUTION_HEADER, [
      ...distributionRows(shade('original'), 'original', 3),
      ...distributionRows(shade('eyes-covered'), 'eyes-covered', 3),
    ]),
    '',
    misses.length === 0
      ? 'Every eyes-covered picture was warned on both sides.'
      : [
          `Eyes covered but not warned on at least one side: ${String(misses.length)}${misses.length > SHORT_ROWS ? ` (the first ${String(SHORT_ROWS)})` : ''}:`,
          '',
          table(['picture', 'Node: verdict: measures', 'Chromium: verdict: measures'], misses.slice(0, SHORT_ROWS).map(line)),
        ].join('\n'),
    '',
    alarms.length === 0
      ? 'No portrait as it is was warned eyes_covered.'
      : [
          `Portraits as they are warned eyes_covered on at least one side: ${String(alarms.length)}${alarms.length > SHORT_ROWS ? ` (the first ${String(SHORT_ROWS)})` : ''}:`,
          '',
          table(['picture', 'Node: verdict: measures', 'Chromium: verdict: measures'], alarms.slice(0, SHORT_ROWS).map(line)),
        ].join('\n'),
  ].join('\n');
}

/** The other counted faces' area over the judged (main) face's, largest first. */
function areaRatios(outcome: Outcome): number[] {
  const [main, ...others] = verdictOf(outcome)?.faces ?? [];
  if (main === undefined) return [];
  return others.map((face) => area(face.box) / area(main.box)).sort((a, b) => b - a);
}

function cropSection(results: readonly Result[]): string {
  const offered = (r: Result, side: Side) => {
    const verdict = verdictOf(r[side]);
    const detection = r[side].detection;
    return verdict !== undefined && detection !== undefined && offeredCrop(verdict, detection.width, detection.height) !== undefined;
  };
  const dominates = (r: Result, side: Side) => mainFaceDominates(verdictOf(r[side])?.faces ?? []);
  const rows = (['pair-dominant', 'pair'] as const).flatMap((kind) => {
    const of = results.filter((r) => r.kind === kind);
    if (of.length === 0) return [];
    return SIDES.map((side) => [
      kind,
      SIDE_NAME[side],
      String(of.length),
      tally(of.map((r) => r[side].verdict)),
      String(of.filter((r) => dominates(r, side)).length),
      `**${String(of.filter((r) => offered(r, side)).length)}**`,
    ]);
  });
  const ratioRows = (['pair-dominant', 'pair'] as const).flatMap((kind) =>
    distributionRows(
      (side) => results.filter((r) => r.kind === kind).flatMap((r) => areaRatios(r[side]).slice(0, 1)),
      `${kind}: second face's area ×main`,
      3,
    ),
  );
  const cropped = results.filter((r) => r.crop !== undefined);
  const cropRows = (['pair-dominant', 'pair'] as const).flatMap((kind) => {
    const of = cropped.filter((r) => r.kind === kind);
    const ok = of.filter((r) => r.crop?.node.verdict === 'ok').length;
    const sizes = of.map((r) => `${String(r.crop?.box.width)}x${String(r.crop?.box.height)}`);
    return [
      [
        kind,
        String(of.length),
        of.length === 0 ? '–' : `**${String(ok)}** (${pct(ok, of.length)})`,
        tally(of.filter((r) => r.crop?.node.verdict !== 'ok').map((r) => r.crop?.node.verdict ?? '')) || '–',
        tally(sizes).split(', ').slice(0, 3).join(', ') || '–',
      ],
    ];
  });
  // Pictures where the console offers nothing or its crop fails, and every pair offered a crop.
  const dominant = results.filter((r) => r.kind === 'pair-dominant');
  const notCropped = dominant.filter((r) => r.crop?.node.verdict !== 'ok');
  const pairsOffered = results.filter((r) => r.kind === 'pair' && SIDES.some((side) => offered(r, side)));
  const describe = (r: Result) => {
    const faces = verdictOf(r.node)?.faces ?? [];
    const [main] = faces;
    return [
      `\`${r.id}\``,
      r.node.verdict,
      `${String(faces.length)} counted${main === undefined ? '' : `, main ${fixed(main.box.width, 0)}x${fixed(main.box.height, 0)}`}, others ×${
        areaRatios(r.node)
          .map((v) => fixed(v, 2))
          .join(' ×') || '–'
      }`,
      dominates(r, 'node') ? 'yes' : 'no',
      r.crop === undefined ? 'none' : `${JSON.stringify(r.crop.box)} → ${r.crop.node.verdict}`,
      r.crop === undefined ? '' : figures(r.crop.node),
    ];
  };
  const header = ['picture', 'Node verdict', 'faces counted', 'main dominates', 'crop offered → verdict', 'crop: main face'];
  return [
    `\`pair-dominant\`: each portrait at full size with the next one reduced to 55% beside it (the second face ~0.3× the first's area), bottom-aligned or vertically centred. The console offers "Recortar no rosto principal" for multiple_faces when the main face is ≥ ${String(T.dominantAreaRatio)}× the area of every other counted face and a crop around it leaves them out (\`mainFaceDominates\`, \`offeredCrop\`); for plain \`pair\` pictures (faces of about the same size) it should offer none.`,
    '',
    table(['kind', 'side', 'cases', 'verdicts', 'main face dominates', 'crop offered'], rows),
    '',
    table(DISTRIBUTION_HEADER, ratioRows),
    '',
    `The offered crops, cut out of the picture (sharp, JPEG q${String(CROP_JPEG_QUALITY)}) and judged again in Node:`,
    '',
    table(['kind', 'crops', 'ok', 'other verdicts', 'crop sizes (most common)'], cropRows),
    '',
    notCropped.length === 0
      ? 'Every pair-dominant picture got a crop that passes (Node).'
      : [
          `pair-dominant pictures without a crop that passes (Node): ${String(notCropped.length)}${notCropped.length > SHORT_ROWS ? ` (the first ${String(SHORT_ROWS)})` : ''}:`,
          '',
          table(header, notCropped.slice(0, SHORT_ROWS).map(describe)),
        ].join('\n'),
    '',
    pairsOffered.length === 0
      ? 'No `pair` picture was offered a crop, on either side.'
      : [
          `\`pair\` pictures offered a crop on at least one side: ${String(pairsOffered.length)}${pairsOffered.length > SHORT_ROWS ? ` (the first ${String(SHORT_ROWS)})` : ''}:`,
          '',
          table(header, pairsOffered.slice(0, SHORT_ROWS).map(describe)),
        ].join('\n'),
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

/** Fields of the verdicts beyond ok / status / description / warnings (e.g. faces), tallied per kind. */
function verdictFields(results: readonly Result[]): string {
  const keys = new Set<string>();
  for (const r of results) for (const side of SIDES) for (const key of Object.keys(r[side].judgement ?? {})) keys.add(key);
  // Warnings have their own section.
  for (const key of ['ok', 'status', 'description', 'warnings']) keys.delete(key);
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
  const firstPhase = results.filter((r) => !r.fromDetection);
  const laterPhase = results.filter((r) => r.madeFrom !== undefined);
  const perPicture = (of: readonly Outcome[]) => {
    const sorted = of.map((o) => o.ms).sort((a, b) => a - b);
    return `${fixed(percentile(sorted, 50), 0)} / ${fixed(percentile(sorted, 95), 0)} / ${fixed(percentile(sorted, 100), 0)}`;
  };
  const crops = results.flatMap((r) => (r.crop === undefined ? [] : [r.crop.node]));
  return table(
    ['step', 'time', 'per picture: median / 95th / max, ms'],
    [
      [
        'make the pictures from files (sharp, 4 at a time; at the same time as the next step)',
        seconds(timing.generationMs),
        `${String(firstPhase.length)} pictures (${String(results.length)} in all: ${(timing.totalBytes / 2 ** 20).toFixed(1)} MB)`,
      ],
      ['build the SPA with the detector entry, start Chromium', seconds(timing.siteMs), ''],
      ['Node: load the detector', seconds(timing.node.loadMs), ''],
      [
        'Node: inspectPicture + detectFaces + judgeFace, pictures made from files',
        `**${seconds(timing.node.runMs)}**`,
        perPicture(firstPhase.map((r) => r.node)),
      ],
      ['Chromium: load the detector (download, start-up, warm-up)', seconds(timing.chromium.loadMs), ''],
      [
        'Chromium: fetch + createImageBitmap + judgePicture, pictures made from files',
        `**${seconds(timing.chromium.runMs)}**`,
        perPicture(firstPhase.map((r) => r.chromium)),
      ],
      [
        "make the pictures from Node's detections (eyes-covered)",
        seconds(timing.later.generationMs),
        `${String(laterPhase.length)} of ${String(timing.later.cases)} pictures`,
      ],
      ['Node: the same, pictures made from detections', seconds(timing.later.nodeRunMs), perPicture(laterPhase.map((r) => r.node))],
      [
        'Chromium: the same, pictures made from detections',
        seconds(timing.later.chromiumRunMs),
        perPicture(laterPhase.map((r) => r.chromium)),
      ],
      [
        'Node: cut out the offered crops and judge them',
        seconds(timing.crops.runMs),
        `${String(timing.crops.cases)} crops: ${perPicture(crops)}`,
      ],
      ['**the whole bench** (wall clock)', `**${seconds(timing.totalMs)}**`, ''],
    ],
  );
}

export function report(results: readonly Result[], timing: Timing, limit: number | undefined): string {
  const portraits = results.filter((r) => r.kind === 'original').length;
  const noFace = results.filter((r) => (NO_FACE_KINDS as readonly string[]).includes(r.kind)).length;
  const measures = measuresOf(results);
  return [
    `${String(results.length)} pictures: ${String(portraits)} portraits${limit === undefined ? '' : ` (FACE_BENCH_LIMIT=${String(limit)})`} × ${String(PORTRAIT_KINDS.length)} variants and ${String(noFace)} without a face. ` +
      `Node: the emulator's \`inspectPicture\` → \`detectFaces\` → \`judgeFace\`; Chromium ${timing.chromium.browser} (headless, production build): \`fetch\` → \`createImageBitmap\` → \`judgePicture\`, as the registration page does with an uploaded photo. ` +
      "The two sides ran at the same time (one core each); the `eyes-covered` pictures are made from Node's detection of each `original`, then judged on both sides; the crops offered for pair pictures are judged again in Node. Raw results: `test-results/face-quality.json`.",
    '',
    '### Verdicts',
    '',
    summary(results),
    '',
    '### Confusion, Node',
    '',
    'Rows: the kind of picture and the verdicts that count as right (bold); columns: the verdict given, in the order the rules judge them (FACE_STATUSES).',
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
    '### Advisory warnings',
    '',
    warningsSection(results),
    '',
    '### Eyes covered',
    '',
    eyesCoveredSection(results),
    '',
    '### A dominant face: the crop offered',
    '',
    cropSection(results),
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
