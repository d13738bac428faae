import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import sharp from 'sharp';
import type { BrowserCommand } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, chromiumExecutable } from './scripts/chromium.ts';
import { makeCoveredEyes, makeDominantFaceScene } from './scripts/fixtures/face-scenes.ts';
import { makeLargePhoto } from './scripts/fixtures/large-photo.ts';
import { TEST_CONSOLE_PORT } from './src/test/console-server.ts';
import type { BrowserFaceCase } from './src/test/face-cases.ts';
import { faceAssets } from './vite.config.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'images');
// Made at set-up rather than committed (the 12 MP photo is ~5 MB); tmp/ is git-ignored.
const generated = join(import.meta.dirname, 'tmp', 'test-images');

/** Pictures the browser tests need that the committed fixtures do not hold, made once with sharp. */
const makers: Record<string, (out: string) => Promise<unknown>> = {
  'large-photo.jpg': makeLargePhoto,
  'two-faces-one-dominant.jpg': makeDominantFaceScene,
  'covered-eyes.jpg': makeCoveredEyes,
  // Quadrants green | red over blue, stored turned a quarter left and tagged "rotate 90° clockwise"
  // (EXIF orientation 6), as a phone held upright stores a portrait.
  'orientation-6.jpg': async (out) => {
    const [width, height] = [300, 400];
    const quadrants = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y += 1)
      for (let x = 0; x < width; x += 1) {
        const [r, g, b] = y >= height / 2 ? [0, 0, 255] : x < width / 2 ? [0, 255, 0] : [255, 0, 0];
        quadrants.set([r, g, b], (y * width + x) * 3);
      }
    await sharp(quadrants, { raw: { width, height, channels: 3 } })
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toFile(out);
  },
  'face.gif': (out) => sharp(join(fixtures, 'face-single-centered.jpg')).gif().toFile(out),
  'face.webp': (out) => sharp(join(fixtures, 'face-single-centered.jpg')).webp().toFile(out),
};

/**
 * `commands.imageFixture(name)` in a browser test: a URL the test can fetch for a committed
 * fixture (fixtures/images) or one of `makers`, generated on first use.
 */
const imageFixture: BrowserCommand<[name: string]> = async (_context, name) => {
  if (basename(name) !== name) throw new Error(`image fixture names are file names: ${name}`);
  const maker = makers[name];
  let path = join(fixtures, name);
  if (maker) {
    path = join(generated, name);
    if (!existsSync(path)) {
      mkdirSync(generated, { recursive: true });
      await maker(path);
    }
  }
  if (!existsSync(path)) throw new Error(`no image fixture named ${name}`);
  return `/@fs${path}`;
};

/**
 * `commands.faceCases()`: the fixed subset of the face-quality evaluation
 * (scripts/fixtures/face-cases.ts), each written once under tmp/ and judged by the emulator's
 * detector, so that a browser test can judge the very same bytes and compare.
 */
const faceCases: BrowserCommand = async (): Promise<BrowserFaceCase[]> => {
  const [{ faceTestCases }, { detectFaces }, { inspectPicture }, { judgeFace }] = await Promise.all([
    import('./scripts/fixtures/face-cases.ts'),
    import('./server/emulator/face-detector.ts'),
    import('./server/emulator/image-check.ts'),
    import('./contract/face-quality.ts'),
  ]);
  const dir = join(generated, 'face-cases');
  mkdirSync(dir, { recursive: true });
  const out: BrowserFaceCase[] = [];
  for (const c of faceTestCases()) {
    const bytes = await c.make();
    const path = join(dir, `${c.id.replaceAll('/', '__')}.${c.format === 'png' ? 'png' : 'jpg'}`);
    writeFileSync(path, bytes);
    const verdict = judgeFace(await detectFaces(await inspectPicture(bytes)));
    out.push({ id: c.id, expected: c.expected, url: `/@fs${path}`, node: verdict.ok ? 'ok' : verdict.status });
  }
  return out;
};

export default defineConfig({
  test: {
    // CI also writes a JSON report, which .ci/run reads to fail a run in which no test executed.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts', 'contract/**/*.test.ts'],
          // Several instances on one database: PostgreSQL's alone (server-pg).
          exclude: ['server/test/postgres/**'],
          globalSetup: ['server/test/global-setup.ts'],
          // A DATABASE_URL of the shell never reaches the tests, nor the processes they start.
          env: { DATABASE_URL: '' },
          // The SIGKILL test starts real processes; the rest are fast.
          testTimeout: 30_000,
        },
      },
      {
        // The same server tests with the console's data in PostgreSQL (DATABASE_URL), each test in a
        // schema of its own (server/test/helper.ts); skipped, loudly, when no server answers.
        test: {
          name: 'server-pg',
          environment: 'node',
          include: ['server/test/**/*.test.ts'],
          // What does not touch the console's database: the face detector's own tests, the SQLite
          // file's durability and DATA_DIR's permissions, the compiled build.
          exclude: [
            'server/test/face-cases.test.ts',
            'server/test/face-quality.test.ts',
            'server/test/durability.test.ts',
            'server/test/deployment.test.ts',
            'server/test/production-build.test.ts',
          ],
          globalSetup: ['server/test/global-setup.ts', 'server/test/postgres-global-setup.ts'],
          setupFiles: ['server/test/postgres-setup.ts'],
          env: { DATABASE_URL: '' },
          testTimeout: 30_000,
        },
      },
      {
        // faceAssets: the face detector's models and wasm at the addresses the build gives them.
        plugins: [react(), faceAssets()],
        // The SPA calls /api on its own origin: here, the real console server of src/test/console-server.ts.
        // changeOrigin false: the console server compares Origin with Host to refuse cross-site writes.
        server: { proxy: { '/api': { target: `http://127.0.0.1:${String(TEST_CONSOLE_PORT)}`, changeOrigin: false } } },
        // One React for the app and Testing Library, pre-bundled together.
        resolve: { dedupe: ['react', 'react-dom'] },
        optimizeDeps: {
          include: [
            'react',
            'react-dom',
            'react-dom/client',
            'react/jsx-dev-runtime',
            '@testing-library/react',
            '@testing-library/user-event',
          ],
          // Already one ES module (2 MB, tfjs bundled in): served as it is, not pre-bundled again.
          exclude: ['@vladmandic/human'],
        },
        test: {
          globalSetup: ['src/test/console-server.ts'],
          setupFiles: ['src/test/setup.ts'],
          // The SPA's tests run in real Chromium: canvas, createImageBitmap and EXIF handling are the browser's own.
          name: 'browser',
          include: ['src/**/*.test.{ts,tsx}'],
          // The first test that needs the 12 MP photo waits ~3 s for sharp to make it.
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            // A failure's screenshot would land in src/ beside the test; the assertion says enough.
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                ...(chromiumExecutable === undefined ? {} : { executablePath: chromiumExecutable }),
                args: [...CHROMIUM_ARGS],
              },
            }),
            instances: [{ browser: 'chromium' }],
            commands: { imageFixture, faceCases },
          },
        },
      },
    ],
  },
});
