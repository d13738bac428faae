import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { io } from '@tensorflow/tfjs-core';
import type { Config, Human, Tensor } from '@vladmandic/human';
import { FACE_DETECTOR_SETTINGS, measureFace } from '../../contract/face-measure.ts';
import { judgeFace } from '../../contract/face-quality.ts';
import type { FaceDetection } from '../../contract/face-quality.ts';
import { Problem } from '../lib/problem.ts';
import type { DecodedPicture, FaceCheck } from './image-check.ts';
import type { FaceDescriptor } from './face-match.ts';

/*
 * Face detection in Node with @vladmandic/human (face detector + mesh), for the emulator's face
 * checks. One Human per process, loaded on first use (~250 ms: require, models, first detection)
 * and kept: human holds module-level state, and its models load slowly.
 *
 * What it sees: the picture's pixels as decoded by inspectPicture, reduced there to at most
 * DECODED_MAX_SIDE (1280 px) a side, EXIF orientation NOT applied. QI Tech documents nothing about
 * EXIF; judging the bytes as sent is the stricter reading (a sideways phone photo tagged "rotate"
 * is refused as no_face), and the SPA always sends pictures it re-encoded upright, without an
 * orientation tag. It also spares a second decode.
 */

const require = createRequire(import.meta.url);
// human's exports map is broken (subpaths without "./"): its main entry locates the package, and
// the wasm build is loaded by file path.
const HUMAN_DIST = dirname(require.resolve('@vladmandic/human'));
const HUMAN_NODE_WASM = join(HUMAN_DIST, 'human.node-wasm.js');
const MODELS_DIR = join(HUMAN_DIST, '..', 'models') + '/';
const WASM_DIR = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
const MODELS_URL = pathToFileURL(MODELS_DIR).href;

/**
 * The browser's settings plus human's `faceres` descriptor (issue 13: 1:1 validation): computed in
 * the same detect() as the checks, on the same pixels, never in the browser (the SPA does not
 * match faces). minConfidence 0: every face the mesh confirms gets a descriptor.
 */
const CONFIG = {
  ...FACE_DETECTOR_SETTINGS,
  face: { ...FACE_DETECTOR_SETTINGS.face, description: { enabled: true, minConfidence: 0 } },
  wasmPath: WASM_DIR,
  modelBasePath: MODELS_URL,
} as const;

/** Models the emulator's Human must load: blazeface, facemesh, faceres. */
const REQUIRED_MODELS = 3;

/** The few functions of human's tfjs used here (human types its bundled tfjs as `any`). */
interface TensorFunctions {
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  dispose(tensor: Tensor): void;
  io: Pick<typeof io, 'getModelArtifactsForJSON'> & {
    /** A router answers null for a URL it does not take, as tfjs's own do (its type says IOHandler). */
    registerLoadRouter(router: (url: string | string[]) => io.IOHandler | null): void;
  };
}

/** The file of human's models folder a `file:` URL names; undefined for any other URL. */
function modelFile(url: string): string | undefined {
  if (!url.startsWith(MODELS_URL)) return undefined;
  const path = fileURLToPath(url);
  const inside = relative(MODELS_DIR, path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? undefined : path;
}

/** Reads a model (its model.json and the weight files it lists) from disk, as tfjs's http loader would over HTTP. */
function diskModel(tf: TensorFunctions, path: string): io.IOHandler {
  return {
    async load() {
      const modelJson = JSON.parse(await readFile(path, 'utf8')) as io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const files = await Promise.all(manifest.flatMap((group) => group.paths).map((name) => readFile(join(dirname(path), name))));
        const weights = Buffer.concat(files);
        return [specs, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)];
      });
    },
  };
}

let routed = false;

/**
 * human loads each model from `modelBasePath` with tfjs, whose only loader for a URL like ours is
 * HTTP through the global fetch(), and Node's fetch has no file:. Rather than replacing the
 * process's fetch, a load router of tfjs's own (its registry of model loaders, consulted before
 * the HTTP fallback) reads the files of human's models folder from disk; every other URL is left
 * to tfjs as before.
 */
function loadModelsFromDisk(tf: TensorFunctions): void {
  if (routed) return;
  routed = true;
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string') return null;
    const path = modelFile(url);
    return path === undefined ? null : diskModel(tf, path);
  });
}

let loading: Promise<Human> | undefined;

/** The process's Human, loaded once; throws when a model did not load (human.load() resolves anyway). */
export function loadFaceDetector(): Promise<Human> {
  loading ??= (async () => {
    const { Human: HumanClass } = require(HUMAN_NODE_WASM) as { Human: new (config: Partial<Config>) => Human };
    const human = new HumanClass(CONFIG);
    loadModelsFromDisk(human.tf as TensorFunctions);
    await human.load();
    const loaded = human.models.stats().numLoadedModels;
    if (loaded < REQUIRED_MODELS) {
      throw new Error(
        `Face detection could not start: ${String(loaded)} of ${String(REQUIRED_MODELS)} models (blazeface, facemesh, faceres) loaded from ${MODELS_DIR}. ` +
          'Reinstall the dependencies (npm ci), or set EMULATOR_FACE_CHECK=off to accept every picture.',
      );
    }
    return human;
  })();
  loading.catch(() => {
    loading = undefined; // a later call tries again
  });
  return loading;
}

/** RGB pixels for the detector: the decoded ones, or an RGB copy of them (grey, or with alpha). */
async function detectorInput({ data, width, height, channels }: DecodedPicture['pixels']): Promise<Uint8Array> {
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const rgb = await sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length);
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs detections strictly one at a time: concurrent detect() calls give wrong results (module-level state). */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Pictures the face check holds at once, in the whole process (the detector is one per process):
 * waiting for their decode, decoded and waiting for the detector, or being detected. Each costs
 * ≤ ~15 MB while held (its ≤ 3 MB file, its pixels reduced to ≤ 1280 px: ≤ 6.6 MB, an RGB copy
 * of them for a grey or RGBA picture), so 8 hold ≤ ~120 MB however large the pictures; a decode's
 * own buffers (up to ~150 MB) are one at a time (image-check.ts). 8 is twice what 4 desks sending
 * at once need; the last waits ~0.5 s behind 7 ordinary pictures (50–80 ms each; ~2 s behind 7 of
 * 49 MP), well within a client's timeout.
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
 * Detects the faces of a decoded picture and measures them, all in the pixels decoded (reduced to
 * 1280 px for a larger picture: the full-size ones are never held), the mesh box then scaled to
 * the picture. The browser (src/lib/face/face-detector.ts) measures the same way. A picture within
 * 1280 px is measured as before; for larger ones, see docs/face-detection-notes.md (the sharpness
 * binning keeps the blur threshold valid; the two sides' reductions differ by ~4% of sharpness).
 */
export async function detectFaces(picture: DecodedPicture): Promise<FaceDetection> {
  return (await detectAndDescribe(picture)).detection;
}

/**
 * detectFaces, with each face's faceres descriptor (same order as `detection.faces`; an empty
 * array where human gave none): one decode, one detect() for both.
 */
async function detectAndDescribe(picture: DecodedPicture): Promise<{ detection: FaceDetection; descriptors: FaceDescriptor[] }> {
  const human = await loadFaceDetector();
  const { pixels } = picture;
  const rgb = await detectorInput(pixels);
  const result = await oneAtATime(async () => {
    const tf = human.tf as TensorFunctions;
    const tensor = tf.tensor3d(rgb, [pixels.height, pixels.width, 3], 'int32');
    try {
      return await human.detect(tensor);
    } finally {
      tf.dispose(tensor);
    }
  });
  if (result.error !== null) throw new Error(`Face detection failed: ${result.error}`);
  const scale = picture.width / pixels.width;
  const faces = result.face.map((face) => measureFace(face, scale, pixels.data, pixels.width, pixels.height, pixels.channels));
  const descriptors = result.face.map((face) => Float32Array.from(face.embedding ?? []));
  return { detection: { width: picture.width, height: picture.height, faces }, descriptors };
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
