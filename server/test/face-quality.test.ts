import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FACE_FIXTURE_VERDICTS } from '../../fixtures/verdicts.ts';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_STATUS_DESCRIPTIONS, judgeFace, mainFaceDominates } from '../../contract/face-quality.ts';
import type { FaceStatus } from '../../contract/face-quality.ts';
import { loadConfig } from '../config.ts';
import { detectFaces, loadFaceDetector } from '../emulator/face-detector.ts';
import { inspectPicture } from '../emulator/image-check.ts';
import { makeCoveredEyes, makeDominantFaceScene } from '../../scripts/fixtures/face-scenes.ts';
import { makeLargePhoto } from '../../scripts/fixtures/large-photo.ts';
import { CPF_A, buildTestApp, fixture, fixtureBase64, json, refusal } from './helper.ts';

const REGISTRATION = '/emulator/face_recognition/registration';
const IMAGE = '/emulator/face_recognition/image';

/** The verdict of the real detector (human, wasm) and the shared rules on a picture's bytes. */
async function verdictOf(content: Buffer): Promise<'ok' | FaceStatus> {
  const verdict = judgeFace(await detectFaces(await inspectPicture(content)));
  return verdict.ok ? 'ok' : verdict.status;
}

// The process's fetch before the detector loads (it must still be this one after).
const processFetch = globalThis.fetch;

// Models load once for this file (the detector is one per process).
beforeAll(async () => {
  await loadFaceDetector();
}, 30_000);

describe('the detector in the process (issue 11)', () => {
  it("loads human's models from disk without replacing the process's fetch", () => {
    expect(globalThis.fetch).toBe(processFetch);
  });

  it('keeps a 7000x7000 picture as at most 1280x1280 pixels, and judges it as the same picture at 1280', async () => {
    const large = await sharp(fixture('face-single-centered.jpg'))
      .resize(7000, 7000, { fit: 'contain', background: '#d8d4cc' })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const picture = await inspectPicture(large);
    expect(picture).toMatchObject({ width: 7000, height: 7000, pixels: { width: 1280, height: 1280, channels: 3 } });
    expect(picture.pixels.data.length).toBeLessThanOrEqual(1280 * 1280 * 4);

    const detection = await detectFaces(picture);
    const reduced = await detectFaces(await inspectPicture(await sharp(large).resize(1280, 1280).png().toBuffer()));
    expect(detection).toMatchObject({ width: 7000, height: 7000 });
    const [face] = detection.faces;
    const [same] = reduced.faces;
    // The box in the picture's own pixels; light and sharpness as measured at 1280.
    expect(face?.box.x).toBeCloseTo((same?.box.x ?? 0) * (7000 / 1280), 0);
    expect(face?.box.width).toBeCloseTo((same?.box.width ?? 0) * (7000 / 1280), 0);
    expect(face?.luminance).toBeCloseTo(same?.luminance ?? 0, 0);
    expect(face?.sharpness).toBeCloseTo(same?.sharpness ?? 0, -1);
    expect(judgeFace(detection)).toMatchObject({ ok: true });
  });
});

describe('face checks on every fixture (fixtures/SOURCES.md), through the real detector', () => {
  it.each(FACE_FIXTURE_VERDICTS)('%s → %s', async (name, expected) => {
    expect(await verdictOf(fixture(name))).toBe(expected);
  });

  it.each([
    ['face-tiny-24px.jpg', 'image_too_small'],
    ['not-an-image.jpg', 'invalid_image'],
    ['truncated.jpg', 'invalid_image'],
  ])('%s is refused before any face check (%s)', async (name, title) => {
    await expect(inspectPicture(fixture(name))).rejects.toMatchObject({ title });
  });

  it('counts both people of a scene where one is clearly the customer, and says that one dominates', async () => {
    const scene = await makeDominantFaceScene(join(import.meta.dirname, '..', '..', 'tmp', 'test-images', 'two-faces-one-dominant.jpg'));
    const verdict = judgeFace(await detectFaces(await inspectPicture(await readFile(scene))));
    expect(verdict).toMatchObject({ ok: false, status: 'multiple_faces' });
    expect(verdict.faces).toHaveLength(2);
    // The main face is the larger one, on the left.
    expect(verdict.faces[0]?.box.x).toBeLessThan(verdict.faces[1]?.box.x ?? 0);
    expect(mainFaceDominates(verdict.faces)).toBe(true);
  });

  it('passes a face with the eyes covered, with the advice to uncover them; a portrait with closed lips has none', async () => {
    const covered = await makeCoveredEyes(join(import.meta.dirname, '..', '..', 'tmp', 'test-images', 'covered-eyes.jpg'));
    // (The band also unsettles the mesh's lips: an open mouth may be advised too.)
    const verdict = judgeFace(await detectFaces(await inspectPicture(await readFile(covered))));
    expect(verdict.ok).toBe(true);
    expect(verdict.warnings).toContain('eyes_covered');
    const plain = judgeFace(await detectFaces(await inspectPicture(fixture('portrait-A000014.jpg'))));
    expect(plain).toMatchObject({ ok: true, warnings: [] });
  });

  it("passes the e2e fake camera's frame: a 640x480 cover crop of face-single-centered (4% from the top edge)", async () => {
    // As scripts/fixtures/camera-video.ts makes the video.
    const frame = await sharp(fixture('face-single-centered.jpg'))
      .resize(640, 480, { fit: 'cover', position: 'centre' })
      .jpeg({ quality: 92 })
      .toBuffer();
    const detection = await detectFaces(await inspectPicture(frame));
    expect(judgeFace(detection)).toMatchObject({ ok: true });
    const [face] = detection.faces;
    expect(face?.box.y).toBeGreaterThan(0.02 * 480);
  });

  it('passes the 12 MP photo once reduced to 1280x960 as the SPA sends it, and as it is', async () => {
    const large = await makeLargePhoto(join(import.meta.dirname, '..', '..', 'tmp', 'test-images', 'large-photo.jpg'));
    const reduced = await sharp(large).rotate().resize(1280, 960, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
    expect(await sharp(reduced).metadata()).toMatchObject({ width: 1280, height: 960 });
    expect(await verdictOf(reduced)).toBe('ok');
    expect(await verdictOf(await sharp(large).toBuffer())).toBe('ok');
  });

  it('refuses a clearly blurred and a very dark version of the passing portrait', async () => {
    const portrait = fixture('face-single-centered.jpg');
    expect(await verdictOf(await sharp(portrait).blur(6).png().toBuffer())).toBe('blurry');
    expect(await verdictOf(await sharp(portrait).linear(0.15, 0).png().toBuffer())).toBe('too_dark');
  });

  it('judges RGBA and grey PNGs like RGB', async () => {
    const portrait = sharp(fixture('face-single-centered.jpg'));
    expect(await verdictOf(await portrait.clone().ensureAlpha().png().toBuffer())).toBe('ok');
    expect(await verdictOf(await portrait.clone().greyscale().png().toBuffer())).toBe('ok');
  });

  it('gives concurrent detections the answers they get alone (detections run one at a time)', async () => {
    const names = ['faces-two.jpg', 'face-single-centered.jpg', 'no-face-coffee.png', 'face-too-small.jpg', 'face-at-edge.jpg'];
    const verdicts = await Promise.all([...names, ...names].map((name) => verdictOf(fixture(name))));
    expect(verdicts).toEqual([...Array(2).keys()].flatMap(() => ['multiple_faces', 'ok', 'no_face', 'face_too_small', 'not_center']));
  });
});

describe('emulator: pictures that break the face rules get 400 image_quality, as QI Tech answers', () => {
  it.each([
    ['faces-two.jpg', 'multiple_faces'],
    ['no-face-coffee.png', 'no_face'],
    ['face-at-edge.jpg', 'not_center'],
    ['face-too-small.jpg', 'face_too_small'],
  ] as const)('%s → %s on /registration and /image', async (name, status) => {
    const app = await buildTestApp();
    const image = fixtureBase64(name);
    for (const [url, payload] of [
      [REGISTRATION, { document_number: CPF_A, image }],
      [IMAGE, { image }],
    ] as const) {
      const response = await app.inject({ method: 'POST', url, payload });
      const body = refusal(response, 400, 'image_quality');
      expect(body).toEqual({ title: 'image_quality', description: FACE_STATUS_DESCRIPTIONS[status], image_status: status });
    }
    // Nothing was stored.
    expect((await app.inject({ method: 'GET', url: `${REGISTRATION}/document_number/${CPF_A}` })).statusCode).toBe(404);
  });

  it('accepts a passing picture with 201 on both', async () => {
    const app = await buildTestApp();
    const image = fixtureBase64('face-single-small-image.png');
    const registered = await app.inject({ method: 'POST', url: REGISTRATION, payload: { document_number: CPF_A, image } });
    expect(registered.statusCode).toBe(201);
    const stored = await app.inject({ method: 'POST', url: IMAGE, payload: { image } });
    expect(stored.statusCode).toBe(201);
    expect(json(stored).width_px).toBe(220);
  });

  it('the console API passes the refusal through unchanged', async () => {
    const app = await buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      payload: { document_number: CPF_A, image: fixtureBase64('faces-two.jpg') },
    });
    expect(refusal(response, 400, 'image_quality').image_status).toBe('multiple_faces');
  });

  it('EMULATOR_FACE_CHECK=off accepts every decodable picture; a wrong value stops the start', async () => {
    expect(loadConfig({}).emulatorFaceCheck).toBe(true);
    expect(loadConfig({ EMULATOR_FACE_CHECK: 'off' }).emulatorFaceCheck).toBe(false);
    expect(() => loadConfig({ EMULATOR_FACE_CHECK: 'no' })).toThrow(/EMULATOR_FACE_CHECK/);
    const app = await buildTestApp({ emulatorFaceCheck: false });
    const response = await app.inject({ method: 'POST', url: IMAGE, payload: { image: fixtureBase64('no-face-coffee.png') } });
    expect(response.statusCode).toBe(201);
  });
});
