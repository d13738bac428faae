import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import type { Plugin, Rolldown } from 'vite';
import {
  FACE_MODELS,
  FACE_MODELS_PATH,
  FACE_WASM_FILES,
  FACE_WASM_PATH,
  HUMAN_VERSION,
  TFJS_WASM_VERSION,
} from './src/lib/face/face-assets.ts';

// Binary too: the face detector's .wasm and model weights (`faceAssets` below). Brotli sends 25% of
// the SIMD .wasm, 50% of blazeface.bin and 87% of facemesh.bin: ~770 KB less on a first check,
// for ~6 s more build time.
const COMPRESSIBLE = /\.(js|css|html|svg|json|wasm|bin)$/;

/**
 * Writes a .br (quality 11) and a .gz (level 9) beside every COMPRESSIBLE file of the build, once, at
 * build time; the server sends them as they are (@fastify/static `preCompressed`). On-the-fly
 * compression would cost CPU on every first visit and, at its fast settings, bytes on the wire.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'frc:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk(outDir).filter((path) => COMPRESSIBLE.test(path))) {
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

/**
 * The face detector's models and wasm, on the app's own origin (src/lib/face/face-assets.ts):
 * `assets/face-models/<human version>/` and `assets/face-wasm/<tfjs version>/`, only the files used.
 * Emitted into the build (under assets/: cached a year, the version in the path being the key), and
 * served from node_modules by `npm run dev` and Vitest's browser mode (vitest.config.ts adds it).
 */
export function faceAssets(): Plugin {
  const require = createRequire(import.meta.url);
  // human's exports map resolves to dist/human.node.js in Node; its models folder is beside dist/.
  const human = join(dirname(require.resolve('@vladmandic/human')), '..');
  const wasm = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  // A version bump without a new path would leave year-cached browsers with the old files.
  if (version(human) !== HUMAN_VERSION || version(wasm) !== TFJS_WASM_VERSION) {
    throw new Error(
      `face-assets.ts names human ${HUMAN_VERSION} and tfjs-backend-wasm ${TFJS_WASM_VERSION}: update it to the installed versions`,
    );
  }
  /** Served path (under the base URL) → file in node_modules. */
  const files = new Map<string, string>();
  for (const model of FACE_MODELS) {
    for (const ext of ['json', 'bin']) files.set(`${FACE_MODELS_PATH}${model}.${ext}`, join(human, 'models', `${model}.${ext}`));
  }
  for (const name of FACE_WASM_FILES) files.set(`${FACE_WASM_PATH}${name}`, join(wasm, 'dist', name));
  const types: Record<string, string> = { json: 'application/json', bin: 'application/octet-stream', wasm: 'application/wasm' };
  return {
    name: 'frc:face-assets',
    configureServer(server) {
      const base = server.config.base;
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        const file = path.startsWith(base) ? files.get(path.slice(base.length)) : undefined;
        if (file === undefined) {
          next();
          return;
        }
        response.setHeader('content-type', types[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
        response.setHeader('cache-control', 'no-cache');
        response.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
    },
  };
}

/**
 * Puts every module the first page loads, whatever page it is (those that index.html's script
 * imports statically, directly or not) in one chunk. One file compresses better than the ~15
 * Rolldown would make of them (gzip finds repeats across modules; each file has its own imports and
 * exports): ~3.5 KB gzip less (docs/decisions/003), and one request. Lazy chunks import what they
 * share with it from it, loaded already.
 */
function firstPageChunk(): Plugin {
  const entry = fileURLToPath(new URL('./index.html', import.meta.url));
  /** Found once per build, from the module graph, at the first module Rolldown asks about. */
  let firstPage: Set<string> | undefined;
  const name: Rolldown.CodeSplittingNameFunction = (id, context) => {
    if (firstPage === undefined) {
      const found = new Set<string>();
      const visit = (module: string) => {
        if (found.has(module)) return;
        found.add(module);
        for (const imported of context.getModuleInfo(module)?.importedIds ?? []) visit(imported);
      };
      visit(entry);
      firstPage = found;
    }
    return firstPage.has(id) ? 'index' : null;
  };
  return {
    name: 'frc:first-page-chunk',
    apply: 'build',
    config: () => ({ build: { rolldownOptions: { output: { codeSplitting: { groups: [{ name }] } } } } }),
    buildStart() {
      firstPage = undefined;
    },
  };
}

export default defineConfig({
  plugins: [react(), faceAssets(), firstPageChunk(), precompress()],
  build: {
    // Hashed file names under assets/ (and the face detector's files under versioned folders):
    // the server caches them for a year (server/plugins/app/spa.ts).
    assetsDir: 'assets',
    sourcemap: false,
    // Every browser the console supports knows <link rel="modulepreload">: no polyfill.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev`: Vite serves the SPA with hot reload and sends the API to `npm start`'s server.
    // changeOrigin false: the console server compares Origin with Host to refuse cross-site writes.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
      '/emulator': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
