// `npm run bench -- detection-size` (issue 17): the detector's input reduced to DETECTION_MAX_SIDE
// (server/emulator/human-detector.ts) against the decoded pixels as they were given to it before
// (≤ 1280 px), on the shared portraits as they are and enlarged past 640 and past 1280 px: the
// verdicts of the rules (judgeFace) must be the same, and how much each measure moved is reported.
// Then the time a picture costs: detection alone and with the descriptor (the emulator's whole
// face check), in this thread one at a time, and through the pool of worker threads.
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { judgeFace } from '../../contract/face-quality.ts';
import type { DetectedFace } from '../../contract/face-quality.ts';
import { detectFaces, detectionInput, loadFaceDetector, useDetectorWorkers } from '../../server/emulator/face-detector.ts';
import { DETECTION_MAX_SIDE, detectIn } from '../../server/emulator/human-detector.ts';
import { inspectPicture } from '../../server/emulator/image-check.ts';
import type { DecodedPicture } from '../../server/emulator/image-check.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SHARED_PORTRAITS = join(ROOT, '..', 'shared', 'fixtures', 'portraits');
const REPO_PORTRAITS = join(ROOT, 'fixtures', 'portraits');
/** What the detector was given before issue 17: the decoded pixels, ≤ 1280 px. */
const BEFORE_SIDE = 1280;
/** Enlargements of the 225x275 portraits: 675x825 (reduced to 640 for detection), 1125x1375 (decoded at 1280, detected at 640). */
const SCALES = [1, 3, 5] as const;
const TIMED = Number(process.env.BENCH_DETECTION_TIMED ?? 100);

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const quantile = (values: readonly number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;

/** The verdict as a desk sees it: refused with a status, or accepted with its advisory warnings. */
function verdictOf(faces: DetectedFace[], width: number, height: number): string {
  const verdict = judgeFace({ width, height, faces });
  return verdict.ok ? `ok${verdict.warnings.length > 0 ? ` (${verdict.warnings.join(', ')})` : ''}` : verdict.status;
}

async function detectAt(picture: DecodedPicture, side: number) {
  return (await detectIn(await detectionInput(picture, side))).detection;
}

/** The measures that decide verdicts, for the largest face of two detections of one picture. */
const MEASURES = ['sharpness', 'luminance', 'area', 'yaw', 'pitch'] as const;
type Measure = (typeof MEASURES)[number];
function measuresOf(face: DetectedFace | undefined, width: number, height: number): Record<Measure, number> {
  if (face === undefined) return { sharpness: NaN, luminance: NaN, area: NaN, yaw: NaN, pitch: NaN };
  return {
    sharpness: face.sharpness,
    luminance: face.luminance,
    area: (100 * face.box.width * face.box.height) / (width * height),
    yaw: face.yaw,
    pitch: face.pitch,
  };
}
const largest = (faces: DetectedFace[]) => [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];

export async function benchDetectionSize(): Promise<string> {
  const dir = (await readdir(SHARED_PORTRAITS).catch(() => undefined)) === undefined ? REPO_PORTRAITS : SHARED_PORTRAITS;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
  const human = await loadFaceDetector();
  // This thread's Human only (the bench's own switch: the server's always computes descriptors).
  const describeFaces = (on: boolean) => {
    if (human.config.face.description !== undefined) human.config.face.description.enabled = on;
  };
  const lines: string[] = [];

  // 1. Verdicts and measures, 640 against 1280, detection alone (the descriptor decides no verdict).
  describeFaces(false);
  const rows: string[] = [];
  const changed: string[] = [];
  for (const scale of SCALES) {
    let same = 0;
    const moved: Record<Measure, number[]> = { sharpness: [], luminance: [], area: [], yaw: [], pitch: [] };
    let size = '';
    for (const file of files) {
      const original = await readFile(join(dir, file));
      const content =
        scale === 1
          ? original
          : await sharp(original)
              .resize({ width: Math.round((await sharp(original).metadata()).width * scale) })
              .jpeg({ quality: 92 })
              .toBuffer();
      const picture = await inspectPicture(content);
      size = `${String(picture.width)}x${String(picture.height)}`;
      const before = await detectAt(picture, BEFORE_SIDE);
      const after = await detectAt(picture, DETECTION_MAX_SIDE);
      const was = verdictOf(before.faces, picture.width, picture.height);
      const is = verdictOf(after.faces, picture.width, picture.height);
      if (was === is) same += 1;
      else changed.push(`${file} ×${String(scale)}: ${was} → ${is}`);
      const a = measuresOf(largest(before.faces), picture.width, picture.height);
      const b = measuresOf(largest(after.faces), picture.width, picture.height);
      for (const m of MEASURES)
        if (Number.isFinite(a[m]) && Number.isFinite(b[m]))
          moved[m].push(Math.abs(b[m] - a[m]) / (m === 'yaw' || m === 'pitch' ? 1 : Math.abs(a[m]) || 1));
    }
    const cell = (m: Measure) =>
      m === 'yaw' || m === 'pitch'
        ? `${median(moved[m]).toFixed(2)}° / ${quantile(moved[m], 0.99).toFixed(2)}°`
        : `${(100 * median(moved[m])).toFixed(2)}% / ${(100 * quantile(moved[m], 0.99)).toFixed(2)}%`;
    rows.push(`| ×${String(scale)} (${size}) | ${String(files.length)} | **${String(same)}** | ${MEASURES.map(cell).join(' | ')} |`);
  }
  lines.push(
    `The ${String(files.length)} portraits (${dir === SHARED_PORTRAITS ? 'shared fixtures' : 'fixtures/portraits'}), as they are and enlarged (sharp, JPEG q92), each detected twice in this thread: the detector given the decoded pixels (≤ ${String(BEFORE_SIDE)} px, as before) and given them reduced to ${String(DETECTION_MAX_SIDE)} px (now; light and sharpness still measured in the decoded pixels). Verdict: the rules' status, or accepted with its warnings. Measures of the largest face: how far they moved, median / 99th percentile (relative; angles in degrees).`,
    '',
    `| pictures | count | same verdict | sharpness | face light | face area | yaw | pitch |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...rows,
    '',
    changed.length === 0 ? 'No verdict changed.' : `Verdicts that changed: ${changed.join('; ')}.`,
    '',
  );

  // 2. Time per picture: the 640x480 desk camera's size and an enlarged portrait, one at a time in
  //    this thread, detection alone and with the descriptor; then the face check through the pool.
  const timed = files.slice(0, TIMED);
  const pictures: { label: string; pictures: DecodedPicture[] }[] = [];
  for (const [label, scale] of [
    ['portraits as they are (225x275)', 1],
    ['portraits ×3 (675x825)', 3],
  ] as const) {
    const made: DecodedPicture[] = [];
    for (const file of timed) {
      const original = await readFile(join(dir, file));
      made.push(
        await inspectPicture(
          scale === 1
            ? original
            : await sharp(original)
                .resize({ width: 225 * scale })
                .jpeg({ quality: 92 })
                .toBuffer(),
        ),
      );
    }
    pictures.push({ label, pictures: made });
  }
  const timeRows: string[] = [];
  for (const { label, pictures: set } of pictures) {
    for (const description of [false, true]) {
      describeFaces(description);
      for (const picture of set.slice(0, 1)) await detectFaces(picture); // warm-up
      const times: number[] = [];
      for (const picture of set) {
        const started = performance.now();
        await detectFaces(picture);
        times.push(performance.now() - started);
      }
      timeRows.push(
        `| ${label} | ${description ? 'detection + descriptor (the face check)' : 'detection alone'} | this thread, one at a time | ${median(times).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${(1000 / median(times)).toFixed(1)} |`,
      );
    }
  }
  describeFaces(true);
  const workers = Math.min(availableParallelism(), 4);
  const release = useDetectorWorkers(workers);
  try {
    for (const { label, pictures: set } of pictures) {
      await Promise.all(set.slice(0, workers * 2).map((picture) => detectFaces(picture))); // each worker loads its models
      const started = performance.now();
      const times: number[] = [];
      await Promise.all(
        set.map(async (picture) => {
          const t = performance.now();
          await detectFaces(picture);
          times.push(performance.now() - t);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      timeRows.push(
        `| ${label} | detection + descriptor (the face check) | ${String(workers)} worker threads, all ${String(set.length)} at once | ${((seconds * 1000) / set.length).toFixed(1)} (wall ÷ pictures) | – | **${(set.length / seconds).toFixed(1)}** |`,
      );
    }
  } finally {
    await release();
  }
  lines.push(
    `Time per picture (\`detectFaces\`: the detector's input made, human's detect(), the measures), ${String(timed.length)} portraits after one warm-up, ms:`,
    '',
    '| pictures | work | where | median | 95th | pictures/s |',
    '| --- | --- | --- | --- | --- | --- |',
    ...timeRows,
  );
  return lines.join('\n');
}
