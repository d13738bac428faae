import sharp from 'sharp';
import { expect, test } from './support/browsers.ts';
import { cameraCount, cameraPermission, grabCameraFrame } from './support/camera.ts';
import { cameraVideoSources } from './support/fixtures.ts';

/** Mean absolute difference per channel (0–255) between a frame and the picture its video was made from. */
async function differenceFromPicture(png: Buffer, picture: string): Promise<number> {
  const expected = await sharp(picture).rotate().resize(640, 480, { fit: 'cover', position: 'centre' }).removeAlpha().raw().toBuffer();
  const actual = await sharp(png).removeAlpha().raw().toBuffer();
  expect(actual.length).toBe(expected.length);
  let sum = 0;
  for (let i = 0; i < expected.length; i += 1) sum += Math.abs((actual[i] ?? 0) - (expected[i] ?? 0));
  return sum / expected.length;
}

test('the fake camera shows the face video, 640x480, in the app’s origin', async ({ page }, testInfo) => {
  await page.goto('/');
  const frame = await grabCameraFrame(page);
  if (!frame.ok) throw new Error(`getUserMedia failed: ${frame.name}: ${frame.message}`);
  await testInfo.attach('camera-frame', { body: frame.png, contentType: 'image/png' });
  expect([frame.width, frame.height]).toEqual([640, 480]);
  // Not blank: the picture has contrast…
  const { channels } = await sharp(frame.png).stats();
  for (const channel of channels.slice(0, 3)) expect(channel.stdev).toBeGreaterThan(20);
  // …and it is the face video (not Chromium's default green test pattern), in the right colours.
  expect(await differenceFromPicture(frame.png, cameraVideoSources.face)).toBeLessThan(6);
});

test('the no-face camera shows the coffee video', async ({ cameraPage }) => {
  const page = await cameraPage('no-face');
  await page.goto('/');
  const frame = await grabCameraFrame(page);
  if (!frame.ok) throw new Error(`getUserMedia failed: ${frame.name}: ${frame.message}`);
  expect(await differenceFromPicture(frame.png, cameraVideoSources.noFace)).toBeLessThan(6);
});

test('a denied camera permission rejects getUserMedia with NotAllowedError', async ({ cameraPage }) => {
  const page = await cameraPage('denied');
  await page.goto('/');
  // A camera exists: the refusal is the user's, not a missing device.
  expect(await cameraCount(page)).toBe(1);
  expect(await cameraPermission(page)).toBe('prompt');
  expect(await grabCameraFrame(page)).toMatchObject({ ok: false, name: 'NotAllowedError' });
  expect(await cameraPermission(page)).toBe('denied');
});

test('with no camera at all, getUserMedia rejects with NotFoundError', async ({ cameraPage }) => {
  const page = await cameraPage('none');
  await page.goto('/');
  expect(await cameraCount(page)).toBe(0);
  expect(await grabCameraFrame(page)).toMatchObject({ ok: false, name: 'NotFoundError' });
});
