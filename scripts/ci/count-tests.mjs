// Sums the JSON reports of Vitest and Playwright and fails when no test ran or one failed
// without failing its runner. Prints the plain "N passed, N failed" line CI readers look for.
import { readFileSync } from 'node:fs';

const [vitestFile, playwrightFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = JSON.parse(readFileSync(vitestFile, 'utf8'));
passed += vitest.numPassedTests;
failed += vitest.numFailedTests;
skipped += vitest.numPendingTests + vitest.numTodoTests;
console.log(`vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed of ${vitest.numTotalTests}`);

const playwright = JSON.parse(readFileSync(playwrightFile, 'utf8'));
const { expected, unexpected, flaky, skipped: pwSkipped } = playwright.stats;
passed += expected + flaky;
failed += unexpected;
skipped += pwSkipped;
console.log(`playwright: ${expected} passed, ${unexpected} failed, ${flaky} flaky, ${pwSkipped} skipped`);

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error('No test ran: failing the build.');
  process.exit(1);
}
if (failed > 0 || skipped > 0) process.exit(1);
