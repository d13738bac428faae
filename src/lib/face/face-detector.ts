import type { Config, Human, Result, Tensor } from '@vladmandic/human';
import { FACE_DETECTOR_SETTINGS, measureFace } from '../../../contract/face-measure.ts';
import { judgeFace } from '../../../contract/face-quality.ts';
import type { DetectedFace, FaceDetection, FaceVerdict } from '../../../contract/face-quality.ts';
import { FACE_MODELS, FACE_MODELS_PATH, FACE_WASM_PATH } from './face-assets.ts';

/*
 * Face detection in the browser with @vladmandic/human (face detector + mesh, iris off, wasm
 * backend), measured and judged exactly as the emulator does (server/emulator/face-detector.ts,
 * contract/face-quality.ts), so that a picture the console lets through is not refused by QI Tech's
 * emulator, and the other way round.
 *
 * human (~470 KB gzip, 2 MB of models) is loaded by a dynamic import() on first use only: it is
 * never part of the first page. Its models and the .wasm come from the app's own origin
 * (face-assets.ts; vite.config.ts copies and serves them).
 */

/** What can be checked: a camera's video, a canvas, a decoded picture or its pixels. */
export type FaceSource = HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap | ImageData;

/** Pictures larger than this (longest side) are reduced for detection, as the emulator does; the mesh box is scaled back. */
const DETECTION_MAX_SIDE = 1280;

/** human's config: the emulator's, with the models and wasm of the app's origin. */
function detectorConfig(base: string) {
  return {
    ...FACE_DETECTOR_SETTINGS,
    wasmPath: `${base}${FACE_WASM_PATH}`,
    modelBasePath: `${base}${FACE_MODELS_PATH}`,
    // The HTTP cache holds the models (versioned addresses, immutable); IndexedDB copies keyed by
    // model name alone would outlive a version change.
    cacheModels: false,
  } as const;
}

/** The few tfjs functions used here (human types its bundled tfjs as `any`). */
interface TensorFunctions {
  browser: { fromPixels(pixels: ImageData, numChannels: 3): Tensor };
  zeros(shape: [number, number, number], dtype: 'int32'): Tensor;
  dispose(tensor: Tensor): void;
  getBackend(): string;
}

/** Thrown when the detector cannot start (models or wasm not loaded); the console should let the person send the picture unchecked. */
class FaceDetectorError extends Error {
  override readonly name = 'FaceDetectorError';
}

let loading: Promise<Human> | undefined;

async function load(): Promise<Human> {
  const base = import.meta.env.BASE_URL;
  let HumanClass: new (config: Partial<Config>) => Human;
  try {
    // The package's exports map has only conditions: Vite picks "module", i.e. dist/human.esm.js
    // (tfjs and its wasm backend bundled in), emitted as a lazy chunk of its own.
    ({ Human: HumanClass } = (await import('@vladmandic/human')) as { Human: new (config: Partial<Config>) => Human });
  } catch (error) {
    throw new FaceDetectorError('Face detection could not start: its code did not load.', { cause: error });
  }
  const human = new HumanClass(detectorConfig(base));
  try {
    await human.load();
  } catch (error) {
    throw new FaceDetectorError('Face detection could not start: loading it failed.', { cause: error });
  }
  // human.load() resolves even when models or the wasm failed to load: only these tell.
  const backend = (human.tf as TensorFunctions).getBackend();
  const loaded = human.models.stats().numLoadedModels;
  if (backend !== 'wasm' || loaded < FACE_MODELS.length) {
    throw new FaceDetectorError(
      `Face detection could not start: backend "${backend}" (wanted "wasm" from ${base}${FACE_WASM_PATH}), ` +
        `${String(loaded)} of ${String(FACE_MODELS.length)} models (${FACE_MODELS.join(', ')}) loaded from ${base}${FACE_MODELS_PATH}.`,
    );
  }
  // The first detection compiles the models' kernels (~200 ms): done here rather than on the first real check.
  const tf = human.tf as TensorFunctions;
  const blank = tf.zeros([64, 64, 3], 'int32');
  try {
    const warm = await human.detect(blank);
    if (warm.error !== null) throw new FaceDetectorError(`Face detection could not start: ${warm.error}`);
  } finally {
    tf.dispose(blank);
  }
  return human;
}

/**
 * Loads human, its models and the wasm backend, once (later calls share the first one's promise;
 * after a failure, the next call tries again). Call it early (say, when the camera opens) to hide
 * the ~1–3 s of downloading and start-up. Throws FaceDetectorError when something did not load.
 */
export function loadFaceDetector(): Promise<Human> {
  loading ??= load();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs detections strictly one at a time: concurrent detect() calls give wrong results (module-level state in human). */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

// Reused between checks (they run one at a time): one for the source's pixels, one for a reduced copy.
let pixelCanvas: OffscreenCanvas | undefined;
let reducedCanvas: OffscreenCanvas | undefined;

function context2d(canvas: OffscreenCanvas, width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  // Read back on every check: a canvas kept in memory rather than on the GPU.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('Face detection needs a 2D canvas, which this browser refused.');
  return context;
}

/** The source's RGBA pixels at width x height. */
function pixelsOf(source: FaceSource, width: number, height: number): ImageData {
  if (source instanceof ImageData) {
    if (source.width !== width || source.height !== height) {
      throw new RangeError(`pixels of ${String(source.width)}x${String(source.height)} given as ${String(width)}x${String(height)}`);
    }
    return source;
  }
  pixelCanvas ??= new OffscreenCanvas(width, height);
  const context = context2d(pixelCanvas, width, height);
  context.clearRect(0, 0, width, height);
  context.drawImage(source, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/** The pixels human sees: the picture, or a copy reduced to DETECTION_MAX_SIDE; `scale` maps back to the picture. */
async function detectorPixels(pixels: ImageData): Promise<{ pixels: ImageData; scale: number }> {
  const { width, height } = pixels;
  const longest = Math.max(width, height);
  if (longest <= DETECTION_MAX_SIDE) return { pixels, scale: 1 };
  const w = Math.round((width * DETECTION_MAX_SIDE) / longest);
  const h = Math.round((height * DETECTION_MAX_SIDE) / longest);
  const bitmap = await createImageBitmap(pixels, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
  try {
    reducedCanvas ??= new OffscreenCanvas(w, h);
    const context = context2d(reducedCanvas, w, h);
    context.drawImage(bitmap, 0, 0);
    return { pixels: context.getImageData(0, 0, w, h), scale: width / w };
  } finally {
    bitmap.close();
  }
}

/**
 * Each face measured as the emulator measures it: in the pixels the detector saw (reduced to
 * 1280 px for a larger picture, as the emulator keeps them), the mesh box then scaled by `scale`
 * to the picture.
 */
function measure(result: Result, pixels: ImageData, scale: number): DetectedFace[] {
  return result.face.map((face) => measureFace(face, scale, pixels.data, pixels.width, pixels.height, 4));
}

/**
 * Detects the faces of a picture or video frame and measures them as the emulator does. `width`
 * and `height` are the source's own size (a video's `videoWidth` / `videoHeight`, a bitmap's
 * `width` / `height`): the source is drawn at that size. A video must have a frame to show
 * (readyState ≥ HAVE_CURRENT_DATA), else it reads as a blank picture: no face.
 *
 * Loads the detector on first use; checks run one at a time (calls wait their turn).
 */
export async function detectFaces(source: FaceSource, width: number, height: number): Promise<FaceDetection> {
  if (!(width > 0 && height > 0)) throw new RangeError(`no picture to check: ${String(width)}x${String(height)}`);
  const human = await loadFaceDetector();
  return oneAtATime(async () => {
    const pixels = pixelsOf(source, width, height);
    const input = await detectorPixels(pixels);
    const tf = human.tf as TensorFunctions;
    const tensor = tf.browser.fromPixels(input.pixels, 3);
    let result: Result;
    try {
      result = await human.detect(tensor);
    } finally {
      tf.dispose(tensor);
    }
    if (result.error !== null) throw new Error(`Face detection failed: ${result.error}`);
    return { width, height, faces: measure(result, input.pixels, input.scale) };
  });
}

export interface FaceJudgement {
  verdict: FaceVerdict;
  detection: FaceDetection;
}

/** detectFaces, then the shared rules (contract/face-quality.ts): the verdict the emulator would give the same pixels. */
export async function judgePicture(source: FaceSource, width: number, height: number): Promise<FaceJudgement> {
  const detection = await detectFaces(source, width, height);
  return { verdict: judgeFace(detection), detection };
}
