import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';
import type { Config, Human, Tensor } from '@vladmandic/human';
import { FACE_DETECTOR_SETTINGS, measureFace } from '../../contract/face-measure.ts';
import type { HumanFaceLike } from '../../contract/face-measure.ts';
import type { FaceDetection } from '../../contract/face-quality.ts';
import { oneAtATime } from '../lib/one-at-a-time.ts';
import type { FaceDescriptor } from './face-match.ts';

/*
 * @vladmandic/human in Node: one Human per thread (the process's main thread, or each worker of
 * face-detector.ts's pool), loaded on first use (~250 ms: require, models, first detection) and
 * kept: human holds module-level state, and its models load slowly. Nothing here needs sharp or
 * the server: a worker thread imports this file alone (face-detector-worker.ts).
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

/**
 * Longest side of the picture the detector is given (issue 17). Detection time grows with the
 * input: on this machine a 1143x1280 input took ~50 ms, 571x640 ~33 ms, 429x480 ~33 ms (the
 * models' own inputs are fixed: blazeface 256 px for the whole picture, the mesh 192 px and faceres
 * 224 px for the face). A face the rules accept fills ≥ 15% of the picture (minFaceArea), so at
 * 640 px it is still ≥ ~215 px wide: the mesh's and faceres's crops keep their full resolution.
 * The face's light and sharpness are still measured in the decoded pixels (≤ 1280 px), so the
 * blur threshold reads the same pixels as before. Verdicts at 640 and at 1280 compared:
 * `npm run bench -- detection-size` (docs/benchmarks.md).
 */
export const DETECTION_MAX_SIDE = 640;

/**
 * What one detection needs, as plain data that can be moved to a worker thread: the decoded
 * pixels (≤ 1280 px, measured for light and sharpness, any number of channels), the RGB copy the
 * detector sees (≤ DETECTION_MAX_SIDE), and the picture's own size.
 */
export interface DetectionInput {
  pixels: { data: Uint8Array<ArrayBuffer>; width: number; height: number; channels: number };
  detect: { data: Uint8Array<ArrayBuffer>; width: number; height: number };
  width: number;
  height: number;
}

/** A detection's faces, measured, with each one's faceres descriptor (same order; empty where human gave none). */
export interface DetectionOutput {
  detection: FaceDetection;
  descriptors: FaceDescriptor[];
}

/** A face as human found it in the detector's input, its mesh scaled by `k` to the decoded pixels. */
function scaledFace(face: HumanFaceLike, k: number): HumanFaceLike {
  if (k === 1) return face;
  return { ...face, mesh: face.mesh.map(([x = NaN, y = NaN, z]) => [x * k, y * k, z]) };
}

/** Detections strictly one at a time in a thread: concurrent detect() calls give wrong results (module-level state). */
const detectOneAtATime = oneAtATime();

/**
 * Detects the faces of a picture with this thread's Human and measures them: the mesh found in
 * the detector's input, scaled to the decoded pixels where the eyes, mouth, light and sharpness
 * are measured, and its box then scaled to the picture's own size. The browser
 * (src/lib/face/face-detector.ts) measures the same way.
 */
export async function detectIn(input: DetectionInput): Promise<DetectionOutput> {
  const human = await loadFaceDetector();
  const { pixels, detect } = input;
  const result = await detectOneAtATime(async () => {
    const tf = human.tf as TensorFunctions;
    const tensor = tf.tensor3d(detect.data, [detect.height, detect.width, 3], 'int32');
    try {
      return await human.detect(tensor);
    } finally {
      tf.dispose(tensor);
    }
  });
  if (result.error !== null) throw new Error(`Face detection failed: ${result.error}`);
  const k = pixels.width / detect.width;
  const scale = input.width / pixels.width;
  const faces = result.face.map((face) =>
    measureFace(scaledFace(face, k), scale, pixels.data, pixels.width, pixels.height, pixels.channels),
  );
  const descriptors = result.face.map((face) => Float32Array.from(face.embedding ?? []));
  return { detection: { width: input.width, height: input.height, faces }, descriptors };
}
