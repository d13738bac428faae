import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/support/browsers.ts';
import { consoleDataDir } from './e2e/support/accounts.ts';
import { sso, ssoSettings } from './e2e/support/sso.ts';
import { port, upstreams } from './e2e/support/upstreams.ts';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `frc-e2e-${name}-`));
const emulator = (name: 'sandbox' | 'production') => ({
  command: 'node --import tsx server/emulator/standalone.ts',
  url: `http://127.0.0.1:${String(upstreams[name].port)}/openapi.json`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
  env: {
    EMULATOR_PORT: String(upstreams[name].port),
    EMULATOR_API_KEY: upstreams[name].key,
    HOST: '127.0.0.1',
    DATA_DIR: tmp(name),
    LOG_LEVEL: 'warn',
    // Production's QI Tech accepts what the console's own check refused (the check can be wrong):
    // a picture sent anyway after the confirmation is registered there. No test needs production to refuse one.
    ...(name === 'production' ? { EMULATOR_FACE_CHECK: 'off' } : {}),
  },
});

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
      testIgnore: /(audit|instances)\.spec\.ts$/,
      use: {
        ...devices['Desktop Chrome'],
        // Debian's Chromium where it exists (Playwright's own elsewhere), with a fake camera that
        // shows fixtures/images/face-single-centered.jpg, permission granted. Tests that need
        // another camera (no face, denied, none) use `cameraPage` of e2e/support/browsers.ts.
        launchOptions: chromiumLaunchOptions('face'),
      },
    },
    {
      // Two instances on one PostgreSQL database, as behind a load balancer: started by the spec's
      // fixture (e2e/support/instances.ts) from the build the console's server below made, on a
      // database of their own, so the trail the `audit` project reads is the console's alone.
      name: 'instances',
      testMatch: /instances\.spec\.ts$/,
      use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions('face') },
    },
    {
      // Last: an administrator reads the audit trail of everything the other tests did.
      name: 'audit',
      testMatch: /audit\.spec\.ts$/,
      dependencies: ['chromium'],
      use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions('face') },
    },
  ],
  webServer: [
    emulator('sandbox'),
    emulator('production'),
    {
      command: 'node --import tsx e2e/support/fault-proxy.ts',
      url: `http://127.0.0.1:${String(upstreams.proxy.port)}/openapi.json`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        FAULT_PROXY_PORT: String(upstreams.proxy.port),
        FAULT_PROXY_TARGET: `http://127.0.0.1:${String(upstreams.sandbox.port)}`,
        FAULT_DELAY_MS: String(upstreams.faultDelayMs),
      },
    },
    {
      // The identity provider of single sign-on (e2e/support/oidc-provider.ts), on E2E_PORT + 6.
      command: 'node --import tsx e2e/support/oidc-provider.ts',
      url: `${sso.issuer}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Exactly what a user runs: build, then the server with the emulator, on a fresh data folder;
      // with sandbox and production configured as an administrator would, pointing at the stand-ins.
      command: 'npm start',
      url: `http://127.0.0.1:${String(port)}/api/environments`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: consoleDataDir,
        LOG_LEVEL: 'warn',
        QITECH_SANDBOX_URL: `http://127.0.0.1:${String(upstreams.proxy.port)}`,
        QITECH_SANDBOX_API_KEY: upstreams.sandbox.key,
        // The sandbox's stand-in is an emulator, which offers 1:1 validation; production's stays
        // off (its emulator keeps no face descriptors), as on a console whose account has none.
        QITECH_SANDBOX_VALIDATION: 'on',
        QITECH_PRODUCTION_URL: `http://127.0.0.1:${String(upstreams.production.port)}`,
        QITECH_PRODUCTION_API_KEY: upstreams.production.key,
        QITECH_TIMEOUT_MS: String(upstreams.timeoutMs),
        // Single sign-on with the provider above, as a deployment configures it.
        ...ssoSettings,
      },
    },
  ],
});
