// Playwright's global set-up: makes the large fixtures that are not committed (the 12 MP photo and
// the fake camera's videos) before the browsers start, since Chromium opens the video at launch.
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeCameraVideo } from '../scripts/fixtures/camera-video.ts';
import { makeLargePhoto } from '../scripts/fixtures/large-photo.ts';
import { seedAccounts } from './support/accounts.ts';
import { cameraVideoFramings, cameraVideos, cameraVideoSources, pictures } from './support/fixtures.ts';

const GENERATOR = join(import.meta.dirname, '..', 'scripts', 'fixtures', 'camera-video.ts');

/** True when `out` is missing or older than any of `inputs`. */
function stale(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return true;
  const made = statSync(out).mtimeMs;
  return inputs.some((input) => statSync(input).mtimeMs > made);
}

export default async function globalSetup(): Promise<void> {
  // The staff accounts, in the console's database (the server may already be running: SQLite is shared).
  seedAccounts();
  const jobs: Promise<unknown>[] = [];
  if (!existsSync(pictures.faceLarge12mp)) {
    // makeLargePhoto keeps any file already at its path: make it aside, so that an interrupted
    // run leaves no half-written photo behind.
    const partial = `${pictures.faceLarge12mp}.${String(process.pid)}.partial.jpg`;
    jobs.push(
      makeLargePhoto(partial).then(() => {
        renameSync(partial, pictures.faceLarge12mp);
      }),
    );
  }
  for (const name of Object.keys(cameraVideos) as (keyof typeof cameraVideos)[]) {
    const source = cameraVideoSources[name];
    if (stale(cameraVideos[name], [source, GENERATOR])) jobs.push(makeCameraVideo(source, cameraVideos[name], cameraVideoFramings[name]));
  }
  await Promise.all(jobs);
}
