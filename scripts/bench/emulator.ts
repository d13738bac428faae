import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../../server/config.ts';
import { detectFaces, loadFaceDetector } from '../../server/emulator/face-detector.ts';
import { inspectPicture } from '../../server/emulator/image-check.ts';
import { READ_SAMPLE } from '../../server/lib/logging.ts';
import { exited, freePort, startProcess } from '../../server/test/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CPF = '529.982.247-25';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, connections: number, body?: string, headers: Record<string, string> = {}): Promise<Figures> {
  const options = {
    url,
    connections,
    duration: SECONDS,
    headers,
    ...(body === undefined ? {} : { method: 'POST' as const, body, headers: { ...headers, 'content-type': 'application/json' } }),
  };
  const result = await autocannon(options);
  const bad = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: bad };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1] ?? 0;

const DETECTIONS = 30;

/**
 * Detection time per picture as the emulator's face check spends it (face-detector.ts, in this
 * process): the detector, the mesh and the face region's light and sharpness, on the decoded
 * picture, after the models are loaded and one warm-up call.
 */
async function detectionTimes(picture: Buffer): Promise<{ load: number; median: number; p99: number }> {
  const start = performance.now();
  await loadFaceDetector();
  const load = performance.now() - start;
  const decoded = await inspectPicture(picture);
  await detectFaces(decoded);
  const times: number[] = [];
  for (let i = 0; i < DETECTIONS; i += 1) {
    const t = performance.now();
    await detectFaces(decoded);
    times.push(performance.now() - t);
  }
  return { load, median: median(times), p99: p99(times) };
}

/**
 * Emulator and bare route, loaded in alternation for ROUNDS rounds after a warm-up of each, so
 * that drift of a shared 2-core machine (the load generator runs on it too) hits both alike.
 * Each figure is the median of its rounds.
 */
async function compare(
  emulatorUrl: string,
  bareUrl: string,
  connections: number,
  body?: string,
  headers: Record<string, string> = {},
): Promise<[Figures, Figures]> {
  const runs: [Figures[], Figures[]] = [[], []];
  for (const url of [emulatorUrl, bareUrl])
    await autocannon({
      url,
      connections,
      duration: 2,
      headers,
      ...(body === undefined ? {} : { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } }),
    });
  for (let round = 0; round < ROUNDS; round += 1) {
    runs[0].push(await load(emulatorUrl, connections, body, headers));
    runs[1].push(await load(bareUrl, connections, body, headers));
  }
  const summarise = (figures: Figures[]): Figures => ({
    rps: median(figures.map((f) => f.rps)),
    p50: median(figures.map((f) => f.p50)),
    p99: median(figures.map((f) => f.p99)),
    errors: figures.reduce((sum, f) => sum + f.errors, 0),
  });
  return [summarise(runs[0]), summarise(runs[1])];
}

function row(name: string, connections: number, emulator: Figures, bare: Figures, target: string): string {
  const ratio = emulator.rps / bare.rps;
  return `| ${name} | ${String(connections)} | ${emulator.rps.toFixed(0)} | ${emulator.p50.toFixed(1)} / ${emulator.p99.toFixed(1)} | ${bare.rps.toFixed(0)} | ${bare.p50.toFixed(1)} / ${bare.p99.toFixed(1)} | **${ratio.toFixed(2)}×** | ${target} |`;
}

/**
 * The look-up by CPF as `npm run emulator` serves it at LOG_LEVEL=info, request lines and all,
 * against the same look-up in the bench's process (at warn: no request lines): what the request
 * log costs. On the bench's database (SQLite's WAL lets two processes share it).
 */
async function compareLogged(dataDir: string, inProcessUrl: string): Promise<[Figures, Figures]> {
  const port = await freePort();
  const standalone = await startProcess(
    'server/emulator/standalone.ts',
    { DATA_DIR: dataDir, EMULATOR_PORT: String(port), LOG_LEVEL: 'info' },
    port,
  );
  try {
    return await compare(`http://127.0.0.1:${String(port)}${new URL(inProcessUrl).pathname}`, inProcessUrl, 50);
  } finally {
    standalone.kill('SIGTERM');
    await exited(standalone);
  }
}

/**
 * The look-up by CPF through the console as `npm start` serves it (its /emulator prefix, behind
 * the console's own hooks: security headers, request log, body deadline) against the same look-up
 * from `npm run emulator`, both in their own process at LOG_LEVEL=warn on the bench's database,
 * both asking for the same EMULATOR_API_KEY.
 */
async function compareConsolePrefix(dataDir: string, path: string): Promise<[Figures, Figures]> {
  const key = `bench-emulator-key-${String(process.pid)}`;
  const [consolePort, emulatorPort] = [await freePort(), await freePort()];
  const settings = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', EMULATOR_API_KEY: key };
  const consoleServer = await startProcess('server/server.ts', { ...settings, PORT: String(consolePort), HOST: '127.0.0.1' }, consolePort);
  const standalone = await startProcess(
    'server/emulator/standalone.ts',
    { ...settings, EMULATOR_PORT: String(emulatorPort) },
    emulatorPort,
  );
  try {
    return await compare(
      `http://127.0.0.1:${String(consolePort)}/emulator${path}`,
      `http://127.0.0.1:${String(emulatorPort)}${path}`,
      50,
      undefined,
      { authorization: key },
    );
  } finally {
    for (const child of [consoleServer, standalone]) child.kill('SIGTERM');
    await Promise.all([exited(consoleServer), exited(standalone)]);
  }
}

/** Loads the emulator and bare Fastify in one process, one after the other, and returns a markdown table. */
export async function benchEmulator(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-'));
  const port = await freePort();
  const server = await startProcess('scripts/bench/emulator-server.ts', { DATA_DIR: dataDir, PORT: String(port) }, port);
  const base = `http://127.0.0.1:${String(port)}`;
  try {
    const picture = readFileSync(join(ROOT, 'fixtures', 'images', 'face-single-centered.jpg'));
    const body = JSON.stringify({ document_number: CPF, image: picture.toString('base64') });
    const seeded = await fetch(`${base}/face_recognition/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (seeded.status !== 201) throw new Error(`seeding failed: ${String(seeded.status)} ${await seeded.text()}`);

    const byDocument = `${base}/face_recognition/registration/document_number/${CPF}`;
    const [getEmulator, getBare] = await compare(byDocument, `${base}/bare/registration/document_number/${CPF}`, 50);
    const [getLogged, getInProcess] = await compareLogged(dataDir, byDocument);
    const [getViaConsole, getStandalone] = await compareConsolePrefix(dataDir, new URL(byDocument).pathname);
    const [postEmulator, postBare] = await compare(`${base}/face_recognition/registration`, `${base}/bare/registration`, 1, body);
    const [postEmulator4, postBare4] = await compare(`${base}/face_recognition/registration`, `${base}/bare/registration`, 4, body);
    const [postNoCheck, postBareNoCheck] = await compare(
      `${base}/no-face-check/face_recognition/registration`,
      `${base}/bare/registration`,
      1,
      body,
    );
    for (const [name, figures] of Object.entries({
      getEmulator,
      getBare,
      getLogged,
      getInProcess,
      getViaConsole,
      getStandalone,
      postEmulator,
      postBare,
      postEmulator4,
      postBare4,
      postNoCheck,
      postBareNoCheck,
    })) {
      if (figures.errors > 0) throw new Error(`${name}: ${String(figures.errors)} requests failed`);
    }
    // Alone, after the load: the emulator's process is idle by now.
    const detection = await detectionTimes(picture);
    const kb = (body.length / 1024).toFixed(0);
    return [
      `Each line: the emulator and a bare Fastify route in the same process on loopback, loaded by autocannon in alternation, ${String(ROUNDS)} rounds of ${String(SECONDS)} s each after a 2 s warm-up; each figure is the median of its rounds. Latency in ms (autocannon's resolution is 1 ms).`,
      `POST bodies: face-single-centered.jpg (500x560, ${(picture.length / 1024).toFixed(0)} KB) as base64 (${kb} KB of JSON); the emulator runs its face check (EMULATOR_FACE_CHECK=on, the default) on ${String(loadConfig(process.env).faceCheckWorkers)} worker threads (FACE_CHECK_WORKERS, its default here), each picture's detection with its faceres descriptor; the bare route parses the JSON and decodes the base64.`,
      '',
      '| request | connections | emulator req/s | emulator p50 / p99 | bare req/s | bare p50 / p99 | ratio | target |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      row('GET by document', 50, getEmulator, getBare, `≥ 0.85× (issue 17; ${getEmulator.rps / getBare.rps >= 0.85 ? 'met' : 'missed'})`),
      row('POST registration', 1, postEmulator, postBare, `p99 ≤ 250 ms (${postEmulator.p99 <= 250 ? 'met' : 'missed'})`),
      row('POST registration', 4, postEmulator4, postBare4, `≥ 50 req/s (issue 17; ${postEmulator4.rps >= 50 ? 'met' : 'missed'})`),
      row(
        'POST registration, face check off',
        1,
        postNoCheck,
        postBareNoCheck,
        `≥ 0.5× (foundation issue; ${postNoCheck.rps / postBareNoCheck.rps >= 0.5 ? 'met' : 'missed'})`,
      ),
      '',
      `GET by document, a separate process at LOG_LEVEL=info vs in process: \`npm run emulator\` (its own process on the same database, its log read through a pipe, successful GETs logged one in ${String(READ_SAMPLE)} per route) against the emulator above (at warn), 50 connections, in alternation as above: **${getLogged.rps.toFixed(0)} against ${getInProcess.rps.toFixed(0)} req/s, ${(getLogged.rps / getInProcess.rps).toFixed(2)}×** (p50 / p99 ${getLogged.p50.toFixed(1)} / ${getLogged.p99.toFixed(1)} ms against ${getInProcess.p50.toFixed(1)} / ${getInProcess.p99.toFixed(1)} ms).`,
      '',
      `GET by document through the console (\`npm start\`'s server, its \`/emulator\` prefix) against \`npm run emulator\`, each in its own process at LOG_LEVEL=warn on the same database, 50 connections, in alternation as above: **${getViaConsole.rps.toFixed(0)} against ${getStandalone.rps.toFixed(0)} req/s, ${(getViaConsole.rps / getStandalone.rps).toFixed(2)}×** (p50 / p99 ${getViaConsole.p50.toFixed(1)} / ${getViaConsole.p99.toFixed(1)} ms against ${getStandalone.p50.toFixed(1)} / ${getStandalone.p99.toFixed(1)} ms). The console's prefix answers behind its own hooks (security headers, request log, body deadline); until issue 17 it also made a session per request and rebuilt its security headers each time (about 0.4× measured the same way before).`,
      '',
      `Face detection per picture in the emulator's code (in the bench's own thread, no pool: the same picture, ${String(DETECTIONS)} calls after one warm-up, one at a time; detection, measures and the faceres descriptor): **median ${detection.median.toFixed(0)} ms, p99 ${detection.p99.toFixed(0)} ms**. Loading the models (once per process, on the first picture): ${detection.load.toFixed(0)} ms.`,
    ].join('\n');
  } finally {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
