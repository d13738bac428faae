// `npm run bench -- memory`: what a burst of large pictures costs the console's memory, without a
// login (issue 11). The console server runs in a child process as `npm run serve` runs it (its own
// data folder and port, the emulator's face check on); after one face check its RSS is the
// baseline; then 32 PNGs of 7000x7000 (a portrait on a flat canvas: a few hundred KB each, 49 MP
// decoded) go to /emulator/face_recognition/image at once, and the child's RSS is sampled from
// /proc every 50 ms until every answer is in. Loopback only.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { exited, freePort, startProcess } from '../../server/test/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PORTRAIT = join(ROOT, 'fixtures', 'images', 'face-single-centered.jpg');
const REQUESTS = 32;
const SIDE = 7000;
const SAMPLE_MS = 50;
/** Peak RSS over the baseline the burst may cost (issue 11). */
const TARGET_MB = 300;
const API_KEY = 'bench-memory-emulator-key';

interface Burst {
  name: string;
  make(): Promise<Buffer>;
}

/** The portrait, 1000 px tall, on a flat 7000x7000 canvas: compresses well, decodes to 49 MP. */
const canvas = async () =>
  sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#d8d4cc' } }).composite([
    { input: await sharp(PORTRAIT).resize({ height: 1000 }).png().toBuffer(), gravity: 'centre' },
  ]);

const BURSTS: readonly Burst[] = [
  { name: 'PNG (palette)', make: async () => (await canvas()).png({ compressionLevel: 9, palette: true, dither: 0 }).toBuffer() },
  // libjpeg holds a progressive JPEG's whole coefficient buffer while decoding it (~150 MB at 49 MP).
  { name: 'progressive JPEG', make: async () => (await canvas()).jpeg({ quality: 90, progressive: true }).toBuffer() },
];

/** A process's resident memory (VmRSS) and its high-water mark (VmHWM), in MB. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

async function post(url: string, image: string): Promise<{ status: number; title?: string; retryAfter?: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: API_KEY },
    body: JSON.stringify({ image }),
  });
  const body = (await response.json()) as { title?: string };
  return {
    status: response.status,
    ...(body.title === undefined ? {} : { title: body.title }),
    retryAfter: response.headers.get('retry-after'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  bytes: number;
  baseline: number;
  peak: number;
  hwm: number;
  after: number;
  seconds: number;
  counts: Map<string, number>;
  retryAfter: string[];
}

/** One burst against a fresh console server. */
async function measure(picture: Buffer): Promise<Figures> {
  const image = picture.toString('base64');
  const dataDir = mkdtempSync(join(tmpdir(), 'frc-bench-memory-'));
  const port = await freePort();
  const child = await startProcess(
    'server/server.ts',
    { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, EMULATOR_FACE_CHECK: 'on', EMULATOR_API_KEY: API_KEY, LOG_LEVEL: 'warn' },
    port,
  );
  const url = `http://127.0.0.1:${String(port)}/emulator/face_recognition/image`;
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('the console server has no pid');
    // One face check first: the detector and its models are loaded, as on a server in use.
    const first = await post(url, readFileSync(PORTRAIT).toString('base64'));
    if (first.status !== 201) throw new Error(`the first face check answered ${String(first.status)} ${first.title ?? ''}`);
    await sleep(1000);
    const baseline = memoryOf(pid).rss;

    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(pid).rss);
    }, SAMPLE_MS);
    const start = performance.now();
    let answers: Awaited<ReturnType<typeof post>>[];
    try {
      answers = await Promise.all(Array.from({ length: REQUESTS }, () => post(url, image)));
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, memoryOf(pid).rss);
    await sleep(1000);
    const { rss: after, hwm } = memoryOf(pid);

    const counts = new Map<string, number>();
    for (const answer of answers) {
      const key = `${String(answer.status)}${answer.title === undefined ? '' : ` ${answer.title}`}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const retryAfter = [...new Set(answers.filter((a) => a.status === 503).map((a) => a.retryAfter ?? '(none)'))];
    return { bytes: picture.length, baseline, peak, hwm, after, seconds, counts, retryAfter };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchMemory(): Promise<string> {
  const rows: string[] = [];
  const retryAfter = new Set<string>();
  for (const burst of BURSTS) {
    const f = await measure(await burst.make());
    const over = f.peak - f.baseline;
    for (const value of f.retryAfter) retryAfter.add(value);
    const answers = [...f.counts.entries()]
      .sort()
      .map(([k, n]) => `${String(n)}× ${k}`)
      .join(', ');
    rows.push(
      `| ${burst.name}, ${(f.bytes / 1024).toFixed(0)} KB | ${f.baseline.toFixed(0)} MB | ${f.peak.toFixed(0)} MB | **+${over.toFixed(0)} MB** (${over <= TARGET_MB ? 'met' : 'missed'}) | ${f.hwm.toFixed(0)} MB | ${f.after.toFixed(0)} MB | ${answers} | ${f.seconds.toFixed(1)} s |`,
    );
  }
  return [
    `The console server (\`server/server.ts\`, as \`npm run serve\` runs it, EMULATOR_FACE_CHECK=on) in a child process, a fresh one for each line; its RSS (VmRSS from /proc, every ${String(SAMPLE_MS)} ms) after one face check of face-single-centered.jpg is the baseline. Then ${String(REQUESTS)} POST /emulator/face_recognition/image at once, each a ${String(SIDE)}x${String(SIDE)} picture (${((SIDE * SIDE) / 1e6).toFixed(0)} MP decoded): the portrait 1000 px tall on a flat canvas. Target: peak ≤ +${String(TARGET_MB)} MB over the baseline.`,
    '',
    '| pictures | baseline RSS | peak RSS | peak over baseline | VmHWM (whole life) | RSS 1 s after | answers | time for all |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(retryAfter.size > 0 ? ['', `503 answers carry \`Retry-After: ${[...retryAfter].join(', ')}\`.`] : []),
  ].join('\n');
}
