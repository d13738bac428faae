import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { Config, Human, Tensor } from '@vladmandic/human';
import { FACE_DETECTOR_SETTINGS, judgeFace, measureFace } from '../../contract/face-quality.ts';
import type { FaceDetection } from '../../contract/face-quality.ts';
import { Problem } from '../lib/problem.ts';
import type { DecodedPicture, FaceCheck } from './image-check.ts';

/*
 * Face detection in Node with @vladmandic/human (face detector + mesh), for the emulator's face
 * checks. One Human per process, loaded on first use (~250 ms: require, models, first detection)
 * and kept: human holds module-level state, and its models load slowly.
 *
 * What it sees: the picture's pixels as stored, EXIF orientation NOT applied (inspectPicture
 * decodes without it). QI Tech documents nothing about EXIF; judging the bytes as sent is the
 * stricter reading (a sideways phone photo tagged "rotate" is refused as no_face), and the SPA
 * always sends pictures it re-encoded upright, without an orientation tag. It also spares a
 * second decode.
 */

const require = createRequire(import.meta.url);
// human's exports map is broken (subpaths without "./"): its main entry locates the package, and
// the wasm build is loaded by file path.
const HUMAN_DIST = dirname(require.resolve('@vladmandic/human'));
const HUMAN_NODE_WASM = join(HUMAN_DIST, 'human.node-wasm.js');
const MODELS_DIR = join(HUMAN_DIST, '..', 'models') + '/';
const WASM_DIR = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
const MODELS_URL = pathToFileURL(MODELS_DIR).href;

/** Pictures larger than this (longest side) are reduced for detection; the mesh box is scaled back. */
const DETECTION_MAX_SIDE = 1280;

const CONFIG = { ...FACE_DETECTOR_SETTINGS, wasmPath: WASM_DIR, modelBasePath: MODELS_URL } as const;

/**
 * human's loader calls the global fetch() for every model file, and Node's fetch has no file:.
 * Answers file: URLs under human's models folder from disk; everything else goes to the real fetch.
 */
function serveModelsFromDisk(): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(MODELS_URL)) {
      const body = await readFile(fileURLToPath(url));
      return new Response(body, {
        status: 200,
        headers: { 'content-type': url.endsWith('.json') ? 'application/json' : 'application/octet-stream' },
      });
    }
    return realFetch(input, init);
  };
}

let loading: Promise<Human> | undefined;

/** The process's Human, loaded once; throws when a model did not load (human.load() resolves anyway). */
export function loadFaceDetector(): Promise<Human> {
  loading ??= (async () => {
    serveModelsFromDisk();
    const { Human: HumanClass } = require(HUMAN_NODE_WASM) as { Human: new (config: Partial<Config>) => Human };
    const human = new HumanClass(CONFIG);
    await human.load();
    const loaded = human.models.stats().numLoadedModels;
    if (loaded < 2) {
      throw new Error(
        `Face detection could not start: ${String(loaded)} of 2 models (blazeface, facemesh) loaded from ${MODELS_DIR}. ` +
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

/** RGB pixels for the detector, reduced to DETECTION_MAX_SIDE; `scale` maps them back to the picture. */
async function detectorInput(picture: DecodedPicture): Promise<{ rgb: Uint8Array; width: number; height: number; scale: number }> {
  const { pixels, width, height, channels } = picture;
  const longest = Math.max(width, height);
  if (channels === 3 && longest <= DETECTION_MAX_SIDE) {
    return { rgb: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), width, height, scale: 1 };
  }
  let image = sharp(pixels, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .removeAlpha()
    .toColourspace('srgb');
  if (longest > DETECTION_MAX_SIDE) image = image.resize({ width: DETECTION_MAX_SIDE, height: DETECTION_MAX_SIDE, fit: 'inside' });
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return {
    rgb: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    scale: width / info.width,
  };
}

interface TensorFunctions {
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  dispose(tensor: Tensor): void;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs detections strictly one at a time: concurrent detect() calls give wrong results (module-level state). */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/** Detects the faces of a decoded picture and measures them, in the picture's pixels. */
export async function detectFaces(picture: DecodedPicture): Promise<FaceDetection> {
  const human = await loadFaceDetector();
  const input = await detectorInput(picture);
  const result = await oneAtATime(async () => {
    // human types its bundled tfjs as `any`: the two calls used here, typed.
    const tf = human.tf as TensorFunctions;
    const tensor = tf.tensor3d(input.rgb, [input.height, input.width, 3], 'int32');
    try {
      return await human.detect(tensor);
    } finally {
      tf.dispose(tensor);
    }
  });
  if (result.error !== null) throw new Error(`Face detection failed: ${result.error}`);
  const faces = result.face.map((face) => measureFace(face, input.scale, picture.pixels, picture.width, picture.height, picture.channels));
  return { width: picture.width, height: picture.height, faces };
}

/** The emulator's face check: QI Tech's `400 image_quality` with the `image_status` of the first rule broken. */
export const detectedFaceCheck: FaceCheck = async (picture) => {
  const verdict = judgeFace(await detectFaces(picture));
  if (!verdict.ok) throw new Problem(400, 'image_quality', verdict.description, { imageStatus: verdict.status });
};
