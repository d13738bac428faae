import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import sharp from 'sharp';
import { judgeFace } from '../../contract/face-quality.ts';
import type { FaceDetection } from '../../contract/face-quality.ts';
import { Problem } from '../lib/problem.ts';
import { DETECTION_MAX_SIDE, detectIn, loadFaceDetector } from './human-detector.ts';
import type { DetectionInput, DetectionOutput } from './human-detector.ts';
import type { DecodedPicture, FaceCheck } from './image-check.ts';

/*
 * The emulator's face check (and the bulk jobs' check, which uses the same): a decoded picture's
 * faces found by @vladmandic/human (human-detector.ts) and judged by contract/face-quality.ts.
 *
 * Where detection runs: in worker threads (issue 17), FACE_CHECK_WORKERS of them (piscina), each
 * with its own Human, so that pictures are judged in parallel across the machine's cores; or, with
 * no pool started (0 workers, tests, the benches that measure one detection), in this thread.
 *
 * What it sees: the picture's pixels as decoded by inspectPicture, reduced there to at most
 * DECODED_MAX_SIDE (1280 px) a side, EXIF orientation NOT applied, and the detector a copy of
 * them reduced to DETECTION_MAX_SIDE. QI Tech documents nothing about EXIF; judging the bytes as
 * sent is the stricter reading (a sideways phone photo tagged "rotate" is refused as no_face), and
 * the SPA always sends pictures it re-encoded upright, without an orientation tag.
 */

export { loadFaceDetector };

/** The worker's file beside this one: `.ts` when the server runs from its sources, `.js` compiled. */
const WORKER_FILE = new URL(`./face-detector-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * A worker loads its module as this thread loaded this one. From the sources under `node --import
 * tsx` a worker inherits that flag; under a test runner that transforms TypeScript itself (vitest)
 * it has to be given.
 */
function workerExecArgv(): { execArgv?: string[] } {
  if (!WORKER_FILE.pathname.endsWith('.ts') || process.execArgv.some((arg) => arg.includes('tsx'))) return {};
  return { execArgv: ['--import', 'tsx'] };
}

let pool: Piscina<DetectionInput, DetectionOutput> | undefined;
let poolSize = 0;
let poolUsers = 0;

/**
 * Runs this process's detections on `workers` worker threads from the first one on, until every
 * caller has given its use back (the function returned): a server calls it once at start and
 * gives it back when it closes. 0 keeps detections in this thread. The pool is the process's (its
 * workers hold the models): a second caller shares it, at the size the first asked for.
 */
export function useDetectorWorkers(workers: number): () => Promise<void> {
  if (workers <= 0) return () => Promise.resolve();
  poolUsers += 1;
  if (poolUsers === 1) poolSize = workers;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    poolUsers -= 1;
    if (poolUsers > 0 || pool === undefined) return;
    const closing = pool;
    pool = undefined;
    await closing.close({ force: true });
  };
}

/** The pool, started on the first detection (a server that never judges a picture starts no thread). */
function detectorPool(): Piscina<DetectionInput, DetectionOutput> | undefined {
  if (poolUsers === 0) return undefined;
  pool ??= new Piscina<DetectionInput, DetectionOutput>({
    filename: WORKER_FILE.href,
    minThreads: poolSize,
    maxThreads: poolSize,
    // The bounded queue is admitFaceCheck's, in front of this one: a task here always has a place.
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    ...workerExecArgv(),
  });
  return pool;
}

/** The pool's worker threads running now, and the detections they have completed (for tests and benches). */
export function detectorPoolState(): { threads: number; completed: number } {
  return { threads: pool?.threads.length ?? 0, completed: pool?.completed ?? 0 };
}

/** Interleaved 8-bit pixels as an RGB Uint8Array of its own (grey or with alpha converted; any size). */
async function rgbOf(data: Uint8Array, width: number, height: number, channels: number, side: number): Promise<DetectionInput['detect']> {
  if (channels === 3 && width <= side && height <= side) return { data: new Uint8Array(data), width, height };
  const { data: rgb, info } = await sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .removeAlpha()
    .toColourspace('srgb')
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(rgb), width: info.width, height: info.height };
}

/**
 * A detection's input: the decoded pixels, and the detector's RGB copy reduced to `side`
 * (DETECTION_MAX_SIDE; the detection-size bench compares others). Every array is a copy of its
 * own, so that it can be moved to a worker.
 */
export async function detectionInput(picture: DecodedPicture, side = DETECTION_MAX_SIDE): Promise<DetectionInput> {
  const { data, width, height, channels } = picture.pixels;
  return {
    pixels: { data: new Uint8Array(data), width, height, channels },
    detect: await rgbOf(data, width, height, channels, side),
    width: picture.width,
    height: picture.height,
  };
}

/**
 * Pictures the face check holds at once, in the whole process (its workers included): waiting for
 * their decode, decoded and waiting for a detector, or being detected. Each costs ≤ ~18 MB while
 * held (its ≤ 3 MB file, its pixels reduced to ≤ 1280 px: ≤ 6.6 MB, the copy of them moved to a
 * worker, the detector's ≤ 640 px RGB copy: ≤ 1.2 MB), so 8 hold ≤ ~145 MB however large the
 * pictures; a decode's own buffers (up to ~150 MB) are one at a time (image-check.ts). 8 is twice
 * what 4 desks sending at once need, and what the load bench's 8 clients send; the last waits
 * behind 7 others, ~0.6 s with two workers at ~150 ms a picture (detection and descriptor).
 */
export const FACE_CHECK_QUEUE_LIMIT = 8;
/** What a refused client is told to wait: the time a full queue of large pictures takes to clear. */
const BUSY_RETRY_AFTER_SECONDS = 3;

let admitted = 0;

/**
 * Takes a place in the face check's queue, to hold from before the picture's decode until its
 * verdict: returns the function that gives it back. With every place taken, refuses at once with
 * `503 busy` and a Retry-After, before anything is decoded or stored.
 */
export function admitFaceCheck(): () => void {
  if (admitted >= FACE_CHECK_QUEUE_LIMIT) {
    throw new Problem(
      503,
      'busy',
      `The face check is busy with ${String(FACE_CHECK_QUEUE_LIMIT)} other pictures. Nothing was stored: send the picture again in a few seconds.`,
      { headers: { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } },
    );
  }
  admitted += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    admitted -= 1;
  };
}

/**
 * Detects the faces of a decoded picture and measures them (human-detector.ts's detectIn), in a
 * worker when the pool runs, else in this thread; each face with its faceres descriptor.
 */
async function detectAndDescribe(picture: DecodedPicture): Promise<DetectionOutput> {
  const input = await detectionInput(picture);
  const workers = detectorPool();
  if (workers === undefined) return detectIn(input);
  return workers.run(input, { transferList: [input.pixels.data.buffer, input.detect.data.buffer] });
}

/** The faces of a decoded picture, measured as the rules read them (face-quality.ts's judgeFace). */
export async function detectFaces(picture: DecodedPicture): Promise<FaceDetection> {
  return (await detectAndDescribe(picture)).detection;
}

/**
 * The emulator's face check: QI Tech's `400 image_quality` with the `image_status` of the first
 * rule broken; for an accepted picture, its one face's descriptor (undefined if human gave none).
 */
export const detectedFaceCheck: FaceCheck = async (picture) => {
  const { detection, descriptors } = await detectAndDescribe(picture);
  const verdict = judgeFace(detection);
  if (!verdict.ok) throw new Problem(400, 'image_quality', verdict.description, { imageStatus: verdict.status });
  const [face] = verdict.faces;
  const descriptor = face === undefined ? undefined : descriptors[detection.faces.indexOf(face)];
  return descriptor === undefined || descriptor.length === 0 ? undefined : descriptor;
};
