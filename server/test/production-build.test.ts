import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fixtureBase64, tempDir } from './helper.ts';
import { freePort } from './process.ts';

/*
 * The production path (docs/deployment.md, "Deploying"): `npm run build` compiles the server to plain
 * JavaScript; the deployment installs production dependencies only (`npm ci --omit=dev`) and runs
 * `npm run start:prod`. Here: the same compilation into a folder of its own, then the compiled
 * server started by plain node, with a resolve hook that refuses every devDependency, and no
 * NODE_OPTIONS (no tsx).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const DEV = Object.keys(pkg.devDependencies);
const BUILTIN = new Set(builtinModules);

/** A bare specifier's package: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module specifier in a compiled file: static and dynamic imports, re-exports, require and require.resolve. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
    /^\s*import\s*(['"])([^'"\n]+)\1/gm,
    /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
    /\brequire(?:\.resolve)?\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[2] ?? '');
  return found;
}

describe('the production build', () => {
  it('keeps browser-only packages and tsx out of the runtime dependencies', () => {
    for (const name of [
      'react',
      'react-dom',
      '@tanstack/react-query',
      'react-hook-form',
      '@hookform/resolvers',
      'react-webcam',
      'wouter',
      'tsx',
      'vite',
      'typescript',
    ]) {
      expect(Object.keys(pkg.dependencies), name).not.toContain(name);
    }
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.server.json');
    expect(pkg.scripts['start:prod']).toBe('node dist-server/server/server.js');
    expect(pkg.scripts.start).toMatch(/^npm run build && /);
  });

  it('compiles the server to JavaScript that imports no .ts file and no devDependency, and serves with production dependencies only', async () => {
    // Inside the package (tmp/ is git-ignored), so that package.json's "type": "module" and
    // node_modules apply, as they do to dist-server/.
    const outDir = join(ROOT, 'tmp', `server-build-${String(process.pid)}`);
    rmSync(outDir, { recursive: true, force: true });
    onTestFinished(() => {
      rmSync(outDir, { recursive: true, force: true });
    });
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.server.json', '--outDir', outDir],
      {
        cwd: ROOT,
      },
    );

    const files = jsFiles(outDir);
    expect(files.map((f) => relative(outDir, f))).toEqual(
      expect.arrayContaining([
        'server/server.js',
        'server/cli/user.js',
        'server/emulator/standalone.js',
        'server/emulator/face-detector-worker.js',
      ]),
    );
    const wrong: string[] = [];
    const packages = new Set<string>();
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) packages.add(packageOf(specifier));
        const where = `${relative(outDir, file)}: ${specifier}`;
        if (/\.tsx?$/.test(specifier)) wrong.push(`${where} (a TypeScript file)`);
        else if (specifier.startsWith('.')) continue;
        else if (specifier.startsWith('node:') || BUILTIN.has(specifier)) continue;
        else if (!(packageOf(specifier) in pkg.dependencies)) wrong.push(`${where} (not a runtime dependency)`);
      }
    }
    expect(wrong).toEqual([]);
    // The scan saw the imports (it would pass vacuously otherwise).
    expect([...packages]).toEqual(
      expect.arrayContaining(['fastify', 'better-sqlite3', 'postgres', 'sharp', '@vladmandic/human', 'zod', 'node:fs']),
    );

    // A resolve hook that fails any import of a devDependency, as `npm ci --omit=dev` would.
    const hooks = join(outDir, 'deny-dev-hooks.mjs');
    writeFileSync(
      hooks,
      `const DEV = new Set(${JSON.stringify(DEV)});
export async function resolve(specifier, context, next) {
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  if (DEV.has(name) && !context.parentURL?.includes('/node_modules/')) throw new Error('devDependency imported at run time: ' + specifier);
  return next(specifier, context);
}\n`,
    );
    const register = join(outDir, 'deny-dev.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);

    const port = await freePort();
    const dataDir = tempDir();
    // Two detection workers whatever the machine: the compiled worker file is what is checked.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      FACE_CHECK_WORKERS: '2',
    };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--import', register, join(outDir, 'server', 'server.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const base = `http://127.0.0.1:${String(port)}`;
    let environments: Response | undefined;
    for (const deadline = Date.now() + 20_000; environments === undefined;) {
      if (child.exitCode !== null) throw new Error(`the compiled server exited with ${String(child.exitCode)}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the compiled server did not listen within 20 s:\n${output}`);
      environments = await fetch(`${base}/api/environments`).catch(() => undefined);
      if (environments === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(environments.status).toBe(401);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(output).toContain('Create the first administrator');

    // The emulator's face check runs on the compiled worker threads (face-detector-worker.js):
    // a face is accepted, a cat refused with QI Tech's image_quality.
    const judge = (name: string) =>
      fetch(`${base}/emulator/face_recognition/image`, {
        method: 'POST',
        headers: { authorization: readFileSync(join(dataDir, 'emulator.key'), 'utf8').trim(), 'content-type': 'application/json' },
        body: JSON.stringify({ image: fixtureBase64(name) }),
      });
    const [face, cat] = await Promise.all([judge('face-single-centered.jpg'), judge('no-face-cat.png')]);
    expect(face.status, output).toBe(201);
    expect(await face.json()).toHaveProperty('image_key');
    expect(cat.status, output).toBe(400);
    expect(await cat.json()).toMatchObject({ title: 'image_quality', image_status: 'no_face' });
  }, 60_000);
});
