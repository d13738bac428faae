// Sums the JSON reports of Vitest and Playwright and fails when no test ran, or when one failed
// or was skipped. Prints the plain "N passed, N failed" line that CI readers look for.
import { readFileSync } from 'node:fs';

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}
interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
}

const [vitestFile, playwrightFile] = process.argv.slice(2);
if (vitestFile === undefined || playwrightFile === undefined) throw new Error('usage: count-tests VITEST_JSON PLAYWRIGHT_JSON');

const vitest = JSON.parse(readFileSync(vitestFile, 'utf8')) as VitestReport;
const playwright = JSON.parse(readFileSync(playwrightFile, 'utf8')) as PlaywrightReport;
const pw = playwright.stats;

console.log(`vitest: ${String(vitest.numPassedTests)} passed, ${String(vitest.numFailedTests)} failed of ${String(vitest.numTotalTests)}`);
console.log(
  `playwright: ${String(pw.expected)} passed, ${String(pw.unexpected)} failed, ${String(pw.flaky)} flaky, ${String(pw.skipped)} skipped`,
);

const passed = vitest.numPassedTests + pw.expected + pw.flaky;
const failed = vitest.numFailedTests + pw.unexpected;
const skipped = vitest.numPendingTests + vitest.numTodoTests + pw.skipped;
console.log(`${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped`);

if (vitest.numTotalTests === 0 || pw.expected + pw.flaky + pw.unexpected === 0) {
  console.error('A test runner ran no test: failing the build.');
  process.exit(1);
}
if (failed > 0 || skipped > 0) process.exit(1);
