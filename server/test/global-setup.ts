import { existsSync } from 'node:fs';
import { build } from 'vite';

/** The static-serving tests need the real build; `npm test` makes it first, a lone `vitest` here. */
export default async function setup() {
  if (!existsSync('dist/index.html')) await build({ logLevel: 'warn' });
}
