// Chromium for the end-to-end tests: the flags of the `chromium` project (playwright.config.ts),
// and a `test` whose `cameraPage` fixture opens a page in a Chromium of its own with another
// camera: a video without a face or of another person, camera permission denied, or no camera at all.
import { chromium, expect, request, test as base } from '@playwright/test';
import type { Browser, BrowserContext, BrowserContextOptions, LaunchOptions, Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium.ts';
import type { Role } from '../../contract/access.ts';
import { E2E_PASSWORD, e2eAccount } from './accounts.ts';
import { cameraVideos } from './fixtures.ts';
import type { PortraitId } from './fixtures.ts';

/** Flags every Chromium of the tests starts with. */
export const baseChromiumArgs = CHROMIUM_ARGS;

/**
 * - `face`: the camera shows face-single-centered.jpg (640x480), permission granted (the project's default);
 * - `no-face`: the camera shows no-face-coffee.png, permission granted;
 * - `denied`: a camera exists (the face video) but the user refuses it: getUserMedia rejects with
 *   `NotAllowedError` (every prompt is denied; `navigator.permissions.query({name: 'camera'})` says
 *   `prompt` before the first request, `denied` after);
 * - `none`: no camera at all, permission granted: getUserMedia rejects with `NotFoundError`
 *   (Chromium's fake devices with zero cameras, so a real webcam on the machine is hidden too);
 * - `two`: two fake cameras showing Chromium's generated test pattern, permission granted;
 * - `portrait-<ID>`: the camera shows one of `portraitIds` (fixtures.ts), a person the face checks
 *   were never tuned on, as a desk webcam sees them (the portrait scaled to the frame's height on a
 *   plain wall), permission granted.
 */
export type Camera = 'face' | 'no-face' | 'denied' | 'none' | 'two' | `portrait-${PortraitId}`;

const portraitVideos: Record<`portrait-${PortraitId}`, string> = {
  'portrait-A000014': cameraVideos.portraitA000014,
  'portrait-B001270': cameraVideos.portraitB001270,
  'portrait-H001053': cameraVideos.portraitH001053,
};

/** A fake camera that shows `video` (a Y4M file, looped), permission granted. */
function fakeCameraShowing(video: string): string[] {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`];
}

/** Chromium's command-line flags for a camera. */
export function cameraArgs(camera: Camera): string[] {
  switch (camera) {
    case 'face':
      return fakeCameraShowing(cameraVideos.face);
    case 'no-face':
      return fakeCameraShowing(cameraVideos.noFace);
    case 'denied':
      // No --use-fake-ui-for-media-stream: the permission prompt would be shown, and is denied.
      return ['--deny-permission-prompts', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${cameraVideos.face}`];
    case 'none':
      return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=0'];
    case 'two':
      // Chromium's own generated pictures, on two fake cameras: a desk with a second webcam.
      return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=2'];
    default:
      return fakeCameraShowing(portraitVideos[camera]);
  }
}

/** Launch options of a Chromium whose camera is `camera` (headless unless `headless` is false). */
export function chromiumLaunchOptions(camera: Camera, headless?: boolean): LaunchOptions {
  return {
    ...(chromiumExecutable === undefined ? {} : { executablePath: chromiumExecutable }),
    ...(headless === undefined ? {} : { headless }),
    args: [...baseChromiumArgs, ...cameraArgs(camera)],
  };
}

/** A Chromium of its own with `camera`; close it when done (the `cameraPage` fixture does). */
function launchWithCamera(camera: Camera, headless?: boolean): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(camera, headless));
}

/** Fails a test whose page broke the Content-Security-Policy: the console must run under it whole. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Content-Security-Policy/.test(message.text()))
      violations.push(message.text());
  });
  return violations;
}

interface CameraFixtures {
  /** Whose session the test's pages (and `request`) carry: `test.use({ role: 'support' })`. Default: registrar. */
  role: Role;
  /**
   * Opens a page in a new Chromium whose camera is `camera`, with the project's base URL, locale,
   * time zone and viewport (so `page.goto('/')` works); closed at the end of the test.
   */
  cameraPage: (camera: Camera, options?: BrowserContextOptions) => Promise<Page>;
}

/** `test` of @playwright/test with the `cameraPage` fixture. */
export const test = base.extend<CameraFixtures>({
  role: ['registrar', { option: true }],
  // Logged in through the API with the seeded account: every page and `request` starts with its session.
  storageState: async ({ role, baseURL }, use) => {
    const api = await request.newContext({ ...(baseURL === undefined ? {} : { baseURL }) });
    const login = await api.post('/api/session', { data: { name: e2eAccount(role), password: E2E_PASSWORD } });
    expect(login.status(), await login.text()).toBe(200);
    const state = await api.storageState();
    await api.dispose();
    await use(state);
  },
  page: async ({ page }, use) => {
    const violations = watchCsp(page);
    await use(page);
    expect(violations).toEqual([]);
  },
  cameraPage: async ({ baseURL, locale, timezoneId, viewport, headless, storageState }, use) => {
    const opened: { browser: Browser; context: BrowserContext }[] = [];
    const violations: string[][] = [];
    await use(async (camera, options) => {
      const browser = await launchWithCamera(camera, headless);
      const context = await browser.newContext({
        ...(baseURL === undefined ? {} : { baseURL }),
        ...(locale === undefined ? {} : { locale }),
        ...(timezoneId === undefined ? {} : { timezoneId }),
        viewport,
        ...(storageState === undefined ? {} : { storageState }),
        ...options,
      });
      opened.push({ browser, context });
      const page = await context.newPage();
      violations.push(watchCsp(page));
      return page;
    });
    for (const { browser, context } of opened) {
      await context.close();
      await browser.close();
    }
    expect(violations.flat()).toEqual([]);
  },
});

export { expect };
