import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

/**
 * Writes a .br (quality 11) and a .gz (level 9) beside every text file of the build, once, at
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

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    // Hashed file names under assets/: the server caches them for a year (server/plugins/app/spa.ts).
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    // `npm run dev`: Vite serves the SPA with hot reload and sends the API to `npm start`'s server.
    proxy: { '/api': 'http://127.0.0.1:8080', '/emulator': 'http://127.0.0.1:8080' },
  },
});
