import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/support/browsers.ts';

const port = Number(process.env.E2E_PORT ?? 8180);

export default defineConfig({
  testDir: 'e2e',
  // Makes the fixtures that are not committed: the fake camera's videos and the 12 MP photo.
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // CI also writes a JSON report, which .ci/run reads to fail a run in which no test executed.
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/playwright.json' }]] : 'list',
  outputDir: 'test-results/playwright',
  use: {
    baseURL: `http://127.0.0.1:${String(port)}`,
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        // Debian's Chromium where it exists (Playwright's own elsewhere), with a fake camera that
        // shows fixtures/images/face-single-centered.jpg, permission granted. Tests that need
        // another camera (no face, denied, none) use `cameraPage` of e2e/support/browsers.ts.
        launchOptions: chromiumLaunchOptions('face'),
      },
    },
  ],
  webServer: {
    // Exactly what a user runs: build, then the server with the emulator, on a fresh data folder.
    command: 'npm start',
    url: `http://127.0.0.1:${String(port)}/api/environments`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'frc-e2e-')),
      LOG_LEVEL: 'warn',
    },
  },
});
