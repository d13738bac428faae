import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_FIXTURE_VERDICTS } from '../../../fixtures/verdicts.ts';
import type { FaceStatus } from '../../../contract/face-quality.ts';
import { fixture } from '../../test/fixtures.ts';
import { detectFaces, judgePicture, loadFaceDetector } from './face-detector.ts';

/** A fixture decoded as the browser decodes a chosen file. */
async function decoded(name: string): Promise<ImageBitmap> {
  return createImageBitmap(await fixture(name));
}

async function verdictOf(source: ImageBitmap | HTMLCanvasElement | ImageData): Promise<'ok' | FaceStatus> {
  const { verdict } = await judgePicture(source, source.width, source.height);
  return verdict.ok ? 'ok' : verdict.status;
}

/** The e2e fake camera's frame (scripts/fixtures/camera-video.ts): face-single-centered covering 640x480, cropped around its centre. */
async function cameraFrame(): Promise<HTMLCanvasElement> {
  const picture = await decoded('face-single-centered.jpg');
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [640, 480];
  const scale = Math.max(640 / picture.width, 480 / picture.height);
  const [sw, sh] = [640 / scale, 480 / scale];
  canvas.getContext('2d')?.drawImage(picture, (picture.width - sw) / 2, (picture.height - sh) / 2, sw, sh, 0, 0, 640, 480);
  picture.close();
  return canvas;
}

// Models load once for this file (one detector per page).
beforeAll(async () => {
  await loadFaceDetector();
}, 60_000);

describe('face checks in the browser give the emulator’s verdicts (server/test/face-quality.test.ts)', () => {
  it.each(FACE_FIXTURE_VERDICTS)('%s → %s', async (name, expected) => {
    const picture = await decoded(name);
    try {
      expect(await verdictOf(picture)).toBe(expected);
    } finally {
      picture.close();
    }
  });

  it("passes the e2e fake camera's frame: a 640x480 canvas of the cover crop (4% from the top edge)", async () => {
    const frame = await cameraFrame();
    const { verdict, detection } = await judgePicture(frame, 640, 480);
    expect(verdict).toMatchObject({ ok: true });
    expect(detection.faces[0]?.box.y).toBeGreaterThan(0.02 * 480);
  });

  it('measures as the emulator does in Node: mesh box within 3 px, same angles, eyes, light and sharpness', async () => {
    // server/emulator/face-detector.ts on face-single-centered.jpg (human 3.3.6, wasm, Node 20).
    const node = {
      box: { x: 95, y: 109, width: 236, height: 286 },
      yaw: -0.0237,
      pitch: 0.0331,
      eyes: { left: 0.324, right: 0.303 },
      luminance: 149.7,
      sharpness: 819.5,
    };
    const picture = await decoded('face-single-centered.jpg');
    const detection = await detectFaces(picture, picture.width, picture.height);
    picture.close();
    expect(detection).toMatchObject({ width: 500, height: 560 });
    expect(detection.faces).toHaveLength(1);
    const [face] = detection.faces;
    if (face === undefined) throw new Error('no face');
    for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(face.box[key] - node.box[key])).toBeLessThanOrEqual(3);
    // 0.05 rad ≈ 3°, against thresholds of 20°.
    expect(Math.abs(face.yaw - node.yaw)).toBeLessThan(0.05);
    expect(Math.abs(face.pitch - node.pitch)).toBeLessThan(0.05);
    expect(Math.abs(face.eyes.left - node.eyes.left)).toBeLessThan(0.05);
    expect(Math.abs(face.eyes.right - node.eyes.right)).toBeLessThan(0.05);
    // JPEG decoders differ by a few levels per pixel: luma within 2%, sharpness within 10%.
    expect(Math.abs(face.luminance - node.luminance)).toBeLessThan(3);
    expect(Math.abs(face.sharpness - node.sharpness) / node.sharpness).toBeLessThan(0.1);
  });

  it('judges pixels (ImageData) and a bitmap of the same picture alike', async () => {
    const frame = await cameraFrame();
    const pixels = frame.getContext('2d')?.getImageData(0, 0, 640, 480);
    if (pixels === undefined) throw new Error('no 2D context');
    const [fromCanvas, fromPixels] = [await detectFaces(frame, 640, 480), await detectFaces(pixels, 640, 480)];
    expect(fromPixels).toEqual(fromCanvas);
  });

  it('reduces a picture larger than 1280 px for detection and gives the box in its own pixels', async () => {
    const frame = await cameraFrame();
    const large = document.createElement('canvas');
    [large.width, large.height] = [1920, 1440];
    large.getContext('2d')?.drawImage(frame, 0, 0, 1920, 1440);
    const [small, big] = [await detectFaces(frame, 640, 480), await detectFaces(large, 1920, 1440)];
    const [a, b] = [small.faces[0]?.box, big.faces[0]?.box];
    if (a === undefined || b === undefined) throw new Error('no face');
    for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(b[key] / 3 - a[key])).toBeLessThanOrEqual(3);
    expect((await judgePicture(large, 1920, 1440)).verdict).toMatchObject({ ok: true });
  });

  it('gives concurrent checks the answers they get alone (checks run one at a time), and leaks no tensors', async () => {
    const human = await loadFaceDetector();
    const tensors = (human.tf as { memory(): { numTensors: number } }).memory().numTensors;
    const names = ['faces-two.jpg', 'face-single-centered.jpg', 'no-face-coffee.png', 'face-too-small.jpg', 'face-at-edge.jpg'];
    const pictures = await Promise.all(names.map(decoded));
    const verdicts = await Promise.all(pictures.map(verdictOf));
    pictures.forEach((picture) => picture.close());
    expect(verdicts).toEqual(['multiple_faces', 'ok', 'no_face', 'face_too_small', 'not_center']);
    expect((human.tf as { memory(): { numTensors: number } }).memory().numTensors).toBe(tensors);
  });

  it('refuses to check a source without pixels', async () => {
    await expect(detectFaces(new ImageData(4, 4), 0, 0)).rejects.toThrow(RangeError);
    await expect(detectFaces(new ImageData(4, 4), 8, 8)).rejects.toThrow(RangeError);
  });
});
