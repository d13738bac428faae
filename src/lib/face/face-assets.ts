/**
 * Where the face detector's models and WebAssembly live on the app's own origin. Shared by
 * face-detector.ts (the browser fetches them) and vite.config.ts (copies them into the build and
 * serves them in dev and tests), so the two cannot drift. Plain constants: no DOM or Node APIs.
 *
 * The folders carry the package versions and sit under `assets/`, which the server caches for a
 * year as immutable (server/plugins/app/spa.ts): a new version is a new address. vite.config.ts
 * refuses to build when the installed versions differ from these.
 */

/** `@vladmandic/human`: its models folder is copied as is (names as human's config resolves them). */
export const HUMAN_VERSION = '3.3.6';
/** `@tensorflow/tfjs-backend-wasm`, the version bundled in human.esm.js (its `tfjs.version.js`). */
export const TFJS_WASM_VERSION = '4.22.0';

/** Face detector and face mesh (iris off): `<name>.json` and `<name>.bin` each. */
export const FACE_MODELS = ['blazeface', 'facemesh'] as const;

/**
 * tfjs picks one by what the browser supports: SIMD everywhere current (Chromium 91+, Firefox 89+,
 * Safari 16.4+); the plain build for older ones. The threaded build needs cross-origin isolation,
 * which the console does not have (and it gave nothing on 2 cores): not shipped.
 */
export const FACE_WASM_FILES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const;

/** Paths under the app's base URL (no leading slash), each ending with `/` as human wants them. */
export const FACE_MODELS_PATH = `assets/face-models/${HUMAN_VERSION}/`;
export const FACE_WASM_PATH = `assets/face-wasm/${TFJS_WASM_VERSION}/`;
