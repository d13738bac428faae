// `npm run bench -- face-search`: duplicate-face search as the emulator's base grows (issue 13,
// decision 009). Synthetic faceres-sized descriptors (1024 numbers: a shared mean plus noise, so
// that two of them have the cosine of two different real people, ~0.4) are written straight into
// an emulator database of N registrations; then, through EmulatorStore as the emulator uses it:
// the first registration after a start (which loads every descriptor into the index), following
// registrations (a scan of all N, the inserts, the fsync), each with a planted near-duplicate of a
// stored face that must be found, and the scan alone.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { generateCpf } from '../../contract/cpf.ts';
import { FaceIndex } from '../../server/emulator/face-index.ts';
import { DESCRIPTOR_LENGTH, DUPLICATE_RATIO } from '../../server/emulator/face-match.ts';
import { SqliteEmulatorStore } from '../../server/emulator/sqlite-store.ts';

const SIZES = (process.env.BENCH_FACE_SEARCH_SIZES ?? '1000,10000,30000,100000').split(',').map(Number);
const REGISTRATIONS = 20;

/** A seeded generator (mulberry32), so every run measures the same base. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(13);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const MEAN = Float32Array.from({ length: DESCRIPTOR_LENGTH }, gaussian);

/** A different person's descriptor: the mean plus as much noise again (pairwise cosine ~0.4–0.5). */
function person(): Float32Array {
  return MEAN.map((m) => m + 1.2 * gaussian());
}

/** Another picture of the same person: cosine ~0.95 with `face`. */
function samePerson(face: Float32Array): Float32Array {
  return face.map((x) => x + 0.3 * gaussian());
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? NaN;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

interface Line {
  n: number;
  fileMb: number;
  loadMs: number;
  firstMs: number;
  indexMb: number;
  registerMedian: number;
  registerP95: number;
  scanMedian: number;
  found: number;
}

/** An emulator database of n registrations with synthetic descriptors; returns a few of the stored faces. */
function seed(file: string, n: number, keep: number): Float32Array[] {
  void new SqliteEmulatorStore(file).close(); // creates and migrates
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const image = db.prepare(
    `INSERT INTO images (image_key, content, media_type, file_size, width_px, height_px, created_at, face_descriptor)
     VALUES (?, x'00', 'image/jpeg', 1, 640, 480, ?, ?)`,
  );
  const registration = db.prepare(
    'INSERT INTO registrations (registration_key, document_number, image_key, created_at, compared) VALUES (?, ?, ?, ?, 1)',
  );
  const kept: Float32Array[] = [];
  const now = new Date().toISOString();
  db.transaction(() => {
    for (let i = 0; i < n; i += 1) {
      const face = person();
      if (i % Math.max(1, Math.floor(n / keep)) === 0 && kept.length < keep) kept.push(face);
      const imageKey = crypto.randomUUID();
      // Little-endian Float32, as descriptorToBlob writes it (every machine this runs on is little-endian).
      image.run(imageKey, now, Buffer.from(face.buffer, face.byteOffset, face.byteLength));
      registration.run(crypto.randomUUID(), generateCpf(rand), imageKey, now);
    }
  })();
  db.close();
  return kept;
}

async function measure(n: number): Promise<Line> {
  const dir = mkdtempSync(join(tmpdir(), 'frc-face-search-'));
  try {
    const file = join(dir, 'emulator.sqlite');
    const kept = seed(file, n, REGISTRATIONS + 1);
    const fileMb = statSync(file).size / 2 ** 20;
    const store = new SqliteEmulatorStore(file);
    const picture = (descriptor: Float32Array) => ({
      content: Buffer.from([0]),
      mediaType: 'image/jpeg' as const,
      width: 640,
      height: 480,
      descriptor,
    });
    let started = performance.now();
    await store.loadFaceIndex();
    const loadMs = performance.now() - started;
    const indexMb = store.faceIndexSize().bytes / 2 ** 20;
    started = performance.now();
    const first = await store.registerWithImage(generateCpf(rand), picture(samePerson(kept[0] ?? person())));
    const firstMs = performance.now() - started;
    let found = first.duplicate_faces?.length === 1 ? 1 : 0;
    const times: number[] = [];
    for (let i = 1; i <= REGISTRATIONS; i += 1) {
      started = performance.now();
      const answer = await store.registerWithImage(generateCpf(rand), picture(samePerson(kept[i] ?? person())));
      times.push(performance.now() - started);
      if (answer.duplicate_faces?.length === 1) found += 1;
    }
    await store.close();

    // The scan alone, on an index of the same size.
    const index = new FaceIndex(DESCRIPTOR_LENGTH, n);
    for (let i = 0; i < n; i += 1) index.add({ registrationKey: String(i), document: String(i) }, person());
    const scans: number[] = [];
    for (let i = 0; i < REGISTRATIONS; i += 1) {
      started = performance.now();
      index.similarFaces(person(), 'probe', DUPLICATE_RATIO);
      scans.push(performance.now() - started);
    }
    return {
      n,
      fileMb,
      loadMs,
      firstMs,
      indexMb,
      registerMedian: median(times),
      registerP95: p95(times),
      scanMedian: median(scans),
      found,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchFaceSearch(): Promise<string> {
  const lines: Line[] = [];
  for (const n of SIZES) {
    console.error(`  face-search: ${String(n)} descriptors…`);
    lines.push(await measure(n));
  }
  const rows = lines.map(
    (l) =>
      `| ${l.n.toLocaleString('en')} | ${l.fileMb.toFixed(0)} MB | ${ms(l.loadMs)} | ${l.indexMb.toFixed(0)} MB | ${ms(l.firstMs)} | ${ms(l.registerMedian)} | ${ms(l.registerP95)} | ${ms(l.scanMedian)} | ${String(l.found)} of ${String(REGISTRATIONS + 1)} |`,
  );
  return [
    `Synthetic descriptors (${String(DESCRIPTOR_LENGTH)} Float32, a shared mean plus noise: two of them have a cosine of ~0.4, as two different people's faceres descriptors do), written into an emulator database of N registrations. Then through \`EmulatorStore\` as the emulator calls it (the face check's time not included: ~150 ms a picture, decision 008): at start the emulator loads every stored descriptor into the in-memory index, in the background, a thousand at a time; then the first registration and each following one scans all N, stores the registration and its duplicates, and waits for the fsync. Each registered face is a noisy copy (cosine ~0.95) of one stored face, which must be named as its duplicate (ratio ≥ ${String(DUPLICATE_RATIO)}). "Scan alone": \`FaceIndex.similarFaces\` on an index of N.`,
    '',
    '| descriptors stored (N) | database file | loading the index at start (background) | index memory | first registration | registration, median | registration, p95 | scan alone, median | planted duplicates found |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
