import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../test/fixtures.ts';
import { MAX_IMAGE_BASE64_CHARS, MAX_IMAGE_BYTES, MIN_IMAGE_SIDE_PX, base64Problem } from '../../../../contract/image.ts';
import { MAX_LONGEST_SIDE, PrepareImageError, prepareFrame, prepareImageFile } from './prepare-image.ts';

/** A file as the picker hands it over: its name and MIME type are the person's system's claim. */
async function pickedFile(fixtureName: string, name: string, type: string): Promise<File> {
  return new File([await fixture(fixtureName)], name, { type });
}

type Rgb = [number, number, number];

/** The colour at a point of a picture, given as fractions of its width and height. */
async function colourAt(picture: Blob, x: number, y: number): Promise<Rgb> {
  const bitmap = await createImageBitmap(picture);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D context');
  context.drawImage(bitmap, 0, 0);
  const [r = 0, g = 0, b = 0] = context.getImageData(Math.floor(bitmap.width * x), Math.floor(bitmap.height * y), 1, 1).data;
  bitmap.close();
  return [r, g, b];
}

/** A colour name for clearly saturated test colours, so that JPEG's small shifts do not matter. */
function named([r, g, b]: Rgb): string {
  const high = (v: number) => v > 180;
  const low = (v: number) => v < 80;
  if (high(r) && high(g) && high(b)) return 'white';
  if (low(r) && low(g) && low(b)) return 'black';
  if (high(r) && low(g) && low(b)) return 'red';
  if (low(r) && high(g) && low(b)) return 'green';
  if (low(r) && low(g) && high(b)) return 'blue';
  return `rgb(${String(r)}, ${String(g)}, ${String(b)})`;
}

/** A canvas painted in vertical bands of the given colours, left to right. */
function bands(width: number, height: number, colours: string[]): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D context');
  colours.forEach((colour, i) => {
    context.fillStyle = colour;
    context.fillRect(Math.round((i * width) / colours.length), 0, Math.ceil(width / colours.length), height);
  });
  return canvas;
}

async function png(width: number, height: number): Promise<Blob> {
  return bands(width, height, ['#0a0', '#a00']).convertToBlob({ type: 'image/png' });
}

async function decodedSize(picture: Blob): Promise<[number, number]> {
  const bitmap = await createImageBitmap(picture);
  const size: [number, number] = [bitmap.width, bitmap.height];
  bitmap.close();
  return size;
}

/**
 * Width and height as a JPEG stores them, before any EXIF rotation (Chromium's createImageBitmap
 * applies EXIF orientation even when told 'none'): read from the start-of-frame segment.
 */
async function storedSize(jpeg: Blob): Promise<[number, number]> {
  const view = new DataView(await jpeg.arrayBuffer());
  let offset = 2;
  while (offset + 9 < view.byteLength) {
    const marker = view.getUint16(offset);
    // SOF0-SOF2: baseline, extended, progressive.
    if (marker >= 0xffc0 && marker <= 0xffc2) return [view.getUint16(offset + 7), view.getUint16(offset + 5)];
    offset += 2 + view.getUint16(offset + 2);
  }
  throw new Error('no start-of-frame segment');
}

function refusal(code: PrepareImageError['code']) {
  return expect.objectContaining({ name: 'PrepareImageError', code }) as unknown;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('prepareImageFile', () => {
  it('sends a sideways-stored photo upright, as its EXIF orientation says', async () => {
    // Stored 400x300 with the picture turned a quarter left, tagged orientation 6.
    const stored = await fixture('orientation-6.jpg');
    expect(await storedSize(stored)).toEqual([400, 300]);

    const prepared = await prepareImageFile(stored);

    expect([prepared.width, prepared.height]).toEqual([300, 400]);
    expect(await decodedSize(prepared.blob)).toEqual([300, 400]);
    expect(named(await colourAt(prepared.blob, 0.25, 0.25))).toBe('green');
    expect(named(await colourAt(prepared.blob, 0.75, 0.25))).toBe('red');
    expect(named(await colourAt(prepared.blob, 0.25, 0.75))).toBe('blue');
    expect(named(await colourAt(prepared.blob, 0.75, 0.75))).toBe('blue');
  });

  it(`downscales a 12 MP phone photo to ${String(MAX_LONGEST_SIDE)} px on its longest side, under ${String(MAX_IMAGE_BYTES)} bytes`, async () => {
    const photo = await pickedFile('large-photo.jpg', 'IMG_0001.JPG', 'image/jpeg');
    expect(photo.size).toBeGreaterThan(MAX_IMAGE_BYTES);

    const prepared = await prepareImageFile(photo);

    expect([prepared.width, prepared.height]).toEqual([1280, 960]);
    expect(await decodedSize(prepared.blob)).toEqual([1280, 960]);
    expect(prepared.bytes).toBe(prepared.blob.size);
    expect(prepared.bytes).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
    expect(prepared.base64.length).toBeLessThanOrEqual(MAX_IMAGE_BASE64_CHARS);
    expect(prepared.blob.type).toBe('image/jpeg');
  });

  it('lowers quality, then size, until the JPEG fits the ceiling', async () => {
    const photo = await fixture('large-photo.jpg');
    const maxBytes = 60_000;

    const prepared = await prepareImageFile(photo, { maxBytes });

    expect(prepared.bytes).toBeLessThanOrEqual(maxBytes);
    // Noise this strong does not fit 60 KB at 1280 px even at the lowest quality: the sides shrank.
    expect(prepared.width).toBeLessThan(1280);
    expect(prepared.width / prepared.height).toBeCloseTo(4 / 3, 1);
    expect(Math.min(prepared.width, prepared.height)).toBeGreaterThanOrEqual(MIN_IMAGE_SIDE_PX);
    await expect(prepareImageFile(photo, { maxBytes: 2_000 })).rejects.toEqual(refusal('too_large'));
  });

  it('never enlarges a photo already small enough, and sends a PNG as JPEG', async () => {
    const jpeg = await prepareImageFile(await fixture('face-single-centered.jpg'));
    expect([jpeg.width, jpeg.height]).toEqual([500, 560]);

    const fromPng = await prepareImageFile(await fixture('face-single-small-image.png'));
    expect([fromPng.width, fromPng.height]).toEqual([220, 260]);
    expect(fromPng.blob.type).toBe('image/jpeg');
    expect([...new Uint8Array(await fromPng.blob.slice(0, 3).arrayBuffer())]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('gives plain base64, without a data: header, that decodes to the JPEG sent', async () => {
    const prepared = await prepareImageFile(await fixture('face-single-centered.jpg'));

    expect(prepared.base64.startsWith('data:')).toBe(false);
    // The contract's own check, the one the server applies.
    expect(base64Problem(prepared.base64)).toBeNull();
    const decoded = Uint8Array.from(atob(prepared.base64), (c) => c.charCodeAt(0));
    expect(decoded.length).toBe(prepared.bytes);
    expect(decoded).toEqual(new Uint8Array(await prepared.blob.arrayBuffer()));
    expect([...decoded.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...decoded.subarray(-2)]).toEqual([0xff, 0xd9]);
  });

  it('judges the type by the first bytes, not by the name or MIME type', async () => {
    await expect(prepareImageFile(await pickedFile('not-an-image.jpg', 'photo.jpg', 'image/jpeg'))).rejects.toEqual(
      refusal('unsupported_type'),
    );
    await expect(prepareImageFile(await pickedFile('face.gif', 'photo.jpg', 'image/jpeg'))).rejects.toEqual(refusal('unsupported_type'));
    await expect(prepareImageFile(await pickedFile('face.webp', 'photo.png', 'image/png'))).rejects.toEqual(refusal('unsupported_type'));
    await expect(prepareImageFile(new File([], 'empty.jpg', { type: 'image/jpeg' }))).rejects.toEqual(refusal('unsupported_type'));

    const jpegNamedText = await pickedFile('face-single-centered.jpg', 'notes.txt', 'text/plain');
    await expect(prepareImageFile(jpegNamedText)).resolves.toMatchObject({ width: 500, height: 560 });
  });

  it('refuses a file that starts like a picture but is damaged', async () => {
    // The first 20,000 bytes of a JPEG: sending what decodes of it would send half a face.
    await expect(prepareImageFile(await fixture('truncated.jpg'))).rejects.toEqual(refusal('unreadable'));
    const garbage = new Uint8Array(4096).map((_, i) => (i * 37) % 251);
    const fakePng = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), garbage]);
    await expect(prepareImageFile(fakePng)).rejects.toEqual(refusal('unreadable'));
  });

  it(`refuses a picture under ${String(MIN_IMAGE_SIDE_PX)} px on either side`, async () => {
    await expect(prepareImageFile(await fixture('face-tiny-24px.jpg'))).rejects.toEqual(refusal('too_small'));
    await expect(prepareImageFile(await png(MIN_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX - 1))).rejects.toEqual(refusal('too_small'));
    await expect(prepareImageFile(await png(MIN_IMAGE_SIDE_PX - 1, 400))).rejects.toEqual(refusal('too_small'));
    // The refusal names the picture's own size, for the message to show it.
    await expect(prepareImageFile(await png(150, 90))).rejects.toMatchObject({ code: 'too_small', size: { width: 150, height: 90 } });
    await expect(prepareImageFile(await png(MIN_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX))).resolves.toMatchObject({
      width: MIN_IMAGE_SIDE_PX,
      height: MIN_IMAGE_SIDE_PX,
    });
  });

  it('puts a transparent PNG on white, not black', async () => {
    const canvas = new OffscreenCanvas(300, 300);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D context');
    context.fillStyle = '#00f';
    context.fillRect(100, 100, 100, 100);
    const prepared = await prepareImageFile(await canvas.convertToBlob({ type: 'image/png' }));

    expect(named(await colourAt(prepared.blob, 0.1, 0.1))).toBe('white');
    expect(named(await colourAt(prepared.blob, 0.5, 0.5))).toBe('blue');
  });

  it('leaves no trace of the face in storage, object URLs or the console', async () => {
    const createObjectURL = vi.spyOn(URL, 'createObjectURL');
    const logs = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));

    await prepareImageFile(await fixture('face-single-centered.jpg'));
    await prepareFrame(bands(640, 480, ['#0a0', '#a00']), 640, 480);

    expect(createObjectURL).not.toHaveBeenCalled();
    for (const log of logs) expect(log).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(await indexedDB.databases()).toEqual([]);
    expect(await caches.keys()).toEqual([]);
  });
});

describe('prepareFrame', () => {
  it('sends the camera picture unmirrored, as the camera saw it', async () => {
    const frame = bands(640, 480, ['#0c0', '#c00']);

    const prepared = await prepareFrame(frame, 640, 480);

    expect([prepared.width, prepared.height]).toEqual([640, 480]);
    expect(named(await colourAt(prepared.blob, 0.1, 0.5))).toBe('green');
    expect(named(await colourAt(prepared.blob, 0.9, 0.5))).toBe('red');
    expect(prepared.base64.startsWith('data:')).toBe(false);
    expect(base64Problem(prepared.base64)).toBeNull();
  });

  it('captures a mirrored video preview unmirrored', async () => {
    // A camera stand-in: a live stream of green | red, shown the way the capture screen shows it.
    const camera = document.createElement('canvas');
    [camera.width, camera.height] = [640, 480];
    const context = camera.getContext('2d');
    if (!context) throw new Error('no 2D context');
    context.drawImage(bands(640, 480, ['#0c0', '#c00']), 0, 0);
    const stream = camera.captureStream();
    const video = document.createElement('video');
    video.style.transform = 'scaleX(-1)';
    video.muted = true;
    video.srcObject = stream;
    document.body.append(video);
    try {
      await video.play();

      const prepared = await prepareFrame(video, video.videoWidth, video.videoHeight);

      expect([prepared.width, prepared.height]).toEqual([640, 480]);
      expect(named(await colourAt(prepared.blob, 0.1, 0.5))).toBe('green');
      expect(named(await colourAt(prepared.blob, 0.9, 0.5))).toBe('red');
    } finally {
      for (const track of stream.getTracks()) track.stop();
      video.remove();
    }
  });

  it(`downscales a full-HD frame to ${String(MAX_LONGEST_SIDE)} px on its longest side`, async () => {
    const prepared = await prepareFrame(bands(1920, 1080, ['#0c0', '#c00', '#00c']), 1920, 1080);

    expect([prepared.width, prepared.height]).toEqual([1280, 720]);
    expect(await decodedSize(prepared.blob)).toEqual([1280, 720]);
    expect(named(await colourAt(prepared.blob, 0.1, 0.5))).toBe('green');
    expect(named(await colourAt(prepared.blob, 0.9, 0.5))).toBe('blue');
  });

  it(`keeps pure noise, JPEG's worst case, under ${String(MAX_IMAGE_BYTES)} bytes at full size`, async () => {
    const noise = new OffscreenCanvas(MAX_LONGEST_SIDE, MAX_LONGEST_SIDE);
    const context = noise.getContext('2d');
    if (!context) throw new Error('no 2D context');
    const pixels = context.createImageData(noise.width, noise.height);
    // getRandomValues fills at most 65,536 bytes a call.
    for (let i = 0; i < pixels.data.length; i += 65_536) crypto.getRandomValues(pixels.data.subarray(i, i + 65_536));
    for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
    context.putImageData(pixels, 0, 0);

    const prepared = await prepareFrame(noise, noise.width, noise.height);

    expect(prepared.bytes).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
    expect([prepared.width, prepared.height]).toEqual([MAX_LONGEST_SIDE, MAX_LONGEST_SIDE]);
  });

  it('refuses a frame the camera has not delivered yet, or one too small', async () => {
    await expect(prepareFrame(new OffscreenCanvas(1, 1), 0, 0)).rejects.toEqual(refusal('unreadable'));
    await expect(prepareFrame(bands(160, 120, ['#0c0']), 160, 120)).rejects.toEqual(refusal('too_small'));
  });
});
