import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium where it is installed (this project's CI: `apt-get install chromium`);
 * undefined elsewhere, so Playwright uses its own browser. Used by Playwright, Vitest's browser
 * mode and the benchmarks alike.
 */
export const chromiumExecutable: string | undefined = existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined;

/** Flags every Chromium of the tests starts with: no sandbox as root, and no network of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
