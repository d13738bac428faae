// `npm run bench`: every benchmark of the project; prints the results as markdown.
// `npm run bench -- --write` also replaces the matching sections of docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAuditExport } from './audit-export.ts';
import { benchBulk } from './bulk.ts';
import { benchDetectionSize } from './detection-size.ts';
import { benchEmulator } from './emulator.ts';
import { benchFaceDetection } from './face-detection.ts';
import { benchFaceMatch } from './face-match.ts';
import { benchFaceSearch } from './face-search.ts';
import { benchFaceQuality } from './face-quality.ts';
import { benchImagePipeline } from './image-pipeline.ts';
import { benchFirstPageJs } from './first-page-js.ts';
import { benchLighthouse } from './lighthouse.ts';
import { benchLoad } from './load.ts';
import { benchMemory } from './memory.ts';
import { benchStores } from './stores.ts';
import { machine } from './machine.ts';

const suites: Record<string, () => Promise<string>> = {
  emulator: benchEmulator,
  'image-pipeline': benchImagePipeline,
  'first-page-js': benchFirstPageJs,
  lighthouse: benchLighthouse,
  'face-detection': benchFaceDetection,
  'face-quality': benchFaceQuality,
  'face-match': benchFaceMatch,
  'face-search': benchFaceSearch,
  memory: benchMemory,
  stores: benchStores,
  'audit-export': benchAuditExport,
  bulk: benchBulk,
  'detection-size': benchDetectionSize,
  load: benchLoad,
};

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const write = process.argv.includes('--write');
const file = join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`bench: ${name}…`);
  const section = `Measured on ${machine()}.\n\n${await run()}`;
  console.log(`\n## ${name}\n\n${section}\n`);
  if (write) {
    const start = `<!-- bench:${name}:start -->`;
    const end = `<!-- bench:${name}:end -->`;
    const doc = readFileSync(file, 'utf8');
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${start} … ${end} section`);
    writeFileSync(file, `${doc.slice(0, from + start.length)}\n${section}\n${doc.slice(to)}`);
  }
}
