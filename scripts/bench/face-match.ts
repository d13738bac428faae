// `npm run bench -- face-match`: the emulator's 1:1 matching (server/emulator/face-match.ts) on the
// shared portraits: impostor pairs (different people) and genuine pairs (the same face under desk
// changes, scripts/fixtures/face-variants.ts), through the emulator's own path (inspectPicture,
// then the face check that computes the descriptor in the same detect()). Chooses nothing: it
// reports the rates at the threshold in face-match.ts and the margins around it (decision 008).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { detectedFaceCheck, loadFaceDetector } from '../../server/emulator/face-detector.ts';
import { PASS_RATIO, SIMILARITY_FLOOR, cosineSimilarity, similarityRatio, type FaceDescriptor } from '../../server/emulator/face-match.ts';
import { inspectPicture } from '../../server/emulator/image-check.ts';
import { cameraFrame } from '../fixtures/camera-video.ts';
import { deskVariants } from '../fixtures/face-variants.ts';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures');
const PORTRAITS = join(SHARED, 'portraits');
/** Portraits whose desk variants make the genuine pairs: every one, or the first N (BENCH_FACE_MATCH_GENUINE). */
const GENUINE_PORTRAITS = process.env.BENCH_FACE_MATCH_GENUINE === undefined ? Infinity : Number(process.env.BENCH_FACE_MATCH_GENUINE);

interface Described {
  id: string;
  descriptor?: FaceDescriptor;
  refused?: string;
  ms: number;
}

/** The emulator's path for one picture: decode, face check, descriptor; timed as a whole. */
async function describe(id: string, content: Buffer): Promise<Described> {
  const started = performance.now();
  try {
    const descriptor = await detectedFaceCheck(await inspectPicture(content));
    const ms = performance.now() - started;
    return descriptor === undefined ? { id, refused: 'no descriptor', ms } : { id, descriptor, ms };
  } catch (error) {
    const status = (error as { imageStatus?: string; title?: string }).imageStatus ?? (error as Error).message;
    return { id, refused: status, ms: performance.now() - started };
  }
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] ?? NaN;
const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(3)}%`);

function progress(label: string, total: number): (done: number) => void {
  let last = 0;
  return (done) => {
    if (done - last >= 100 || done === total) {
      last = done;
      console.error(`  ${label}: ${String(done)}/${String(total)}`);
    }
  };
}

export async function benchFaceMatch(): Promise<string> {
  const loadStarted = performance.now();
  await loadFaceDetector();
  const loadMs = performance.now() - loadStarted;
  const files = (await readdir(PORTRAITS)).filter((f) => f.endsWith('.jpg')).sort();
  const paths = files.map((f) => join(PORTRAITS, f));

  const originals: Described[] = [];
  const tick = progress('portraits', paths.length);
  for (const path of paths) {
    originals.push(await describe(path, await readFile(path)));
    tick(originals.length);
  }
  const accepted = originals.filter((d) => d.descriptor !== undefined);

  // Genuine pairs: each accepted portrait against its desk variants (those the face check accepts:
  // a refused variant never reaches a comparison, the desk is told to take another picture).
  const genuine: { id: string; change: string; cosine: number }[] = [];
  const variantRefusals: Record<string, number> = {};
  const variantTimes: number[] = [];
  const genuineSources = accepted.slice(0, GENUINE_PORTRAITS);
  const tickVariants = progress('portraits with variants', genuineSources.length);
  let doneSources = 0;
  for (const original of genuineSources) {
    for (const variant of deskVariants(original.id)) {
      const described = await describe(variant.id, await variant.make());
      variantTimes.push(described.ms);
      if (described.descriptor === undefined || original.descriptor === undefined) {
        const key = `${variant.change}: ${described.refused ?? '?'}`;
        variantRefusals[key] = (variantRefusals[key] ?? 0) + 1;
        continue;
      }
      genuine.push({ id: variant.id, change: variant.change, cosine: cosineSimilarity(original.descriptor, described.descriptor) });
    }
    doneSources += 1;
    tickVariants(doneSources);
  }

  // The Obama fixtures: other crops and sizes of one photo, and its camera frames.
  const obama: Described[] = [];
  for (const name of ['face-single-centered.jpg', 'face-too-small.jpg', 'face-large-12mp.jpg']) {
    const path = join(SHARED, 'images', name);
    obama.push(await describe(name, await readFile(path)));
  }
  for (const framing of ['cover', 'desk'] as const) {
    const { default: sharp } = await import('sharp');
    const frame = await sharp(await cameraFrame(join(SHARED, 'images', 'face-single-centered.jpg'), framing), {
      raw: { width: 640, height: 480, channels: 3 },
    })
      .jpeg({ quality: 90 })
      .toBuffer();
    obama.push(await describe(`camera-${framing}`, frame));
  }
  const obamaOk = obama.filter((d) => d.descriptor !== undefined);
  for (let i = 0; i < obamaOk.length; i += 1) {
    for (let j = i + 1; j < obamaOk.length; j += 1) {
      const [a, b] = [obamaOk[i], obamaOk[j]];
      if (a?.descriptor === undefined || b?.descriptor === undefined) continue;
      genuine.push({ id: `${a.id}~${b.id}`, change: 'fixture', cosine: cosineSimilarity(a.descriptor, b.descriptor) });
    }
  }

  // Impostor pairs: every pair of different accepted portraits.
  const impostor: number[] = [];
  const compareStarted = performance.now();
  for (let i = 0; i < accepted.length; i += 1) {
    for (let j = i + 1; j < accepted.length; j += 1) {
      const [a, b] = [accepted[i]?.descriptor, accepted[j]?.descriptor];
      if (a !== undefined && b !== undefined) impostor.push(cosineSimilarity(a, b));
    }
  }
  const compareUs = ((performance.now() - compareStarted) * 1000) / Math.max(1, impostor.length);

  const imp = [...impostor].sort((a, b) => a - b);
  const gen = genuine.map((g) => g.cosine).sort((a, b) => a - b);
  const passes = (cosine: number) => similarityRatio(cosine) >= PASS_RATIO;
  const falseMatches = impostor.filter(passes).length;
  const falseNonMatches = genuine.filter((g) => !passes(g.cosine));
  const times = [...originals.map((d) => d.ms), ...variantTimes].sort((a, b) => a - b);
  const thresholdCosine = SIMILARITY_FLOOR + ((1 - SIMILARITY_FLOOR) * (PASS_RATIO - 0.5)) / 100;

  const qs = [0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1];
  const row = (label: string, sorted: readonly number[]) =>
    `| ${label} | ${String(sorted.length)} | ${qs.map((q) => quantile(sorted, q).toFixed(3)).join(' | ')} |`;
  const byChange = new Map<string, number[]>();
  for (const g of genuine) byChange.set(g.change, [...(byChange.get(g.change) ?? []), g.cosine]);

  // Rates at other ratios: the margins of the chosen threshold.
  const sweep = [40, 45, 50, 55, 60, 65, 70, 75, 80].map((ratio) => {
    const fm = impostor.filter((c) => similarityRatio(c) >= ratio).length;
    const fnm = genuine.filter((g) => similarityRatio(g.cosine) < ratio).length;
    return `| ${String(ratio)}${ratio === PASS_RATIO ? ' (chosen)' : ''} | ${pct(fm, impostor.length)} (${String(fm)}) | ${pct(fnm, genuine.length)} (${String(fnm)}) |`;
  });

  const refusedOriginals = originals.filter((d) => d.refused !== undefined);
  const refusedCounts: Record<string, number> = {};
  for (const d of refusedOriginals) refusedCounts[d.refused ?? '?'] = (refusedCounts[d.refused ?? '?'] ?? 0) + 1;

  return [
    `Score: cosine similarity of human's \`faceres\` descriptors (1024 numbers); \`similarity_ratio\` = round(100 × (cosine − ${String(SIMILARITY_FLOOR)}) / (1 − ${String(SIMILARITY_FLOOR)})), clamped to 0–100; **pass at ratio ≥ ${String(PASS_RATIO)}** (cosine ≥ ~${thresholdCosine.toFixed(3)}). Decision 008.`,
    '',
    `Portraits: ${String(paths.length)}; accepted by the face check (so they have a descriptor): ${String(accepted.length)}; refused: ${JSON.stringify(refusedCounts)}. Only accepted pictures are compared, as in the emulator.`,
    `Impostor pairs: all ${String(impostor.length)} pairs of different accepted portraits. Genuine pairs: ${String(genuine.length)} (${String(genuineSources.length)} portraits × their desk variants the face check accepted, plus ${String((obamaOk.length * (obamaOk.length - 1)) / 2)} pairs of the Obama fixtures and camera frames); variants refused by the face check: ${JSON.stringify(variantRefusals)}.`,
    '',
    `| at the chosen threshold | rate | target |`,
    `| --- | --- | --- |`,
    `| false match rate (impostor pairs passing) | ${pct(falseMatches, impostor.length)} (${String(falseMatches)} of ${String(impostor.length)}) | ≤ 0.1% |`,
    `| false non-match rate (genuine pairs failing) | ${pct(falseNonMatches.length, genuine.length)} (${String(falseNonMatches.length)} of ${String(genuine.length)}) | ≤ 2% |`,
    '',
    'Cosine percentiles:',
    '',
    `| pairs | n | ${qs.map((q) => `p${String(q * 100)}`).join(' | ')} |`,
    `| --- | --- | ${qs.map(() => '---').join(' | ')} |`,
    row('impostor', imp),
    row('genuine (all)', gen),
    ...[...byChange.entries()].map(([change, values]) =>
      row(
        `genuine: ${change}`,
        [...values].sort((a, b) => a - b),
      ),
    ),
    '',
    'Rates at other ratios (the margins):',
    '',
    '| pass at ratio ≥ | FMR | FNMR |',
    '| --- | --- | --- |',
    ...sweep,
    '',
    `Genuine pairs failing at the chosen threshold: ${falseNonMatches.length === 0 ? 'none' : falseNonMatches.map((g) => `${g.id} (${g.cosine.toFixed(3)})`).join(', ')}.`,
    '',
    `Time per picture (decode + detection + mesh + descriptor, the emulator's whole face check, one at a time; ${String(times.length)} pictures): median ${quantile(times, 0.5).toFixed(0)} ms, p95 ${quantile(times, 0.95).toFixed(0)} ms. Per comparison: ${compareUs.toFixed(2)} µs. Detector start-up with faceres: ${loadMs.toFixed(0)} ms.`,
  ].join('\n');
}
