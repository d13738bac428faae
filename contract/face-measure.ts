/**
 * Measuring a face, shared by the Node detector (server/emulator/face-detector.ts) and the SPA's
 * (src/lib/face/face-detector.ts): human's settings for both, and the arithmetic that turns
 * human's output and the pixels it saw into a `DetectedFace` for the rules of face-quality.ts —
 * mesh box, eye openness, mouth, eye shade, the face region's light and sharpness. Plain data in
 * and out: no Node or DOM APIs, so both sides measure alike.
 */

import { DETECTOR_MIN_CONFIDENCE } from './face-quality.ts';
import type { DetectedFace, FaceBox } from './face-quality.ts';

/** A mesh point `[x, y, z?]` as human gives it (its type allows missing coordinates). */
type Point = readonly (number | undefined)[];

/** The bounding box of human's `face.mesh` points (`[x, y, z]` in pixels), unclamped. */
export function meshBoundingBox(mesh: readonly Point[]): FaceBox {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x = NaN, y = NaN] of mesh) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const gap = (mesh: readonly Point[], a: number, b: number) => Math.abs((mesh[a]?.[1] ?? NaN) - (mesh[b]?.[1] ?? NaN));

/**
 * Eye openness from the 468-point face mesh, as human's own blink gesture measures it: the gap
 * between the lids over the height of the eye socket (left: 374/386 over 443/450; right: 145/159
 * over 223/230). NaN for a mesh without those points (counts as open: NaN < t is false).
 */
export function eyeOpenness(mesh: readonly Point[]): { left: number; right: number } {
  if (mesh.length < 468) return { left: NaN, right: NaN };
  return { left: gap(mesh, 374, 386) / gap(mesh, 443, 450), right: gap(mesh, 145, 159) / gap(mesh, 223, 230) };
}

const point = (mesh: readonly Point[], i: number): [number, number] => [mesh[i]?.[0] ?? NaN, mesh[i]?.[1] ?? NaN];

/**
 * The mouth from the 468-point face mesh, both over the mouth's width (corners 61 and 291):
 * `gap`, the distance between the inner lips (13, 14), about 0 when closed; `lift`, how far the
 * lips' middle lies below the line through the corners (positive: corners raised, a smile),
 * measured across that line so that a tilted head reads the same. NaN without those points.
 */
export function mouthMeasures(mesh: readonly Point[]): { gap: number; lift: number } {
  if (mesh.length < 468) return { gap: NaN, lift: NaN };
  const [lx, ly] = point(mesh, 61);
  const [rx, ry] = point(mesh, 291);
  const [ux, uy] = point(mesh, 13);
  const [dx, dy] = point(mesh, 14);
  const width = Math.hypot(rx - lx, ry - ly);
  const [mx, my] = [(ux + dx) / 2 - lx, (uy + dy) / 2 - ly];
  // (−(ry − ly), rx − lx) is the corners' line turned a quarter: "down" in the picture for an upright face.
  const below = (mx * -(ry - ly) + my * (rx - lx)) / width;
  return { gap: Math.hypot(dx - ux, dy - uy) / width, lift: below / width };
}

/** The mesh's eye contours (MediaPipe indices): the person's right eye, then left. */
const EYE_CONTOURS = [
  [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
  [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466],
] as const;

/** A box clamped to a width x height picture, in whole pixels (right and bottom exclusive). */
function clampedRegion(box: FaceBox, width: number, height: number) {
  return {
    left: Math.max(0, Math.floor(box.x)),
    top: Math.max(0, Math.floor(box.y)),
    right: Math.min(width, Math.ceil(box.x + box.width)),
    bottom: Math.min(height, Math.ceil(box.y + box.height)),
  };
}

/** Rec. 601 luma of the pixel at index `i` of interleaved 8-bit pixels (RGB(A), or grey for 1–2 channels). */
const lumaAt = (pixels: ArrayLike<number>, i: number, channels: number) =>
  channels >= 3 ? 0.299 * (pixels[i] ?? 0) + 0.587 * (pixels[i + 1] ?? 0) + 0.114 * (pixels[i + 2] ?? 0) : (pixels[i] ?? 0);

/** Sum and count of the luma of a box of interleaved 8-bit pixels, clamped to the picture. */
function lumaSum(pixels: ArrayLike<number>, width: number, height: number, channels: number, box: FaceBox): { sum: number; count: number } {
  const { left, top, right, bottom } = clampedRegion(box, width, height);
  let sum = 0;
  let count = 0;
  for (let y = top; y < bottom; y += 1) {
    for (let x = left, i = (y * width + left) * channels; x < right; x += 1, i += channels) {
      sum += lumaAt(pixels, i, channels);
      count += 1;
    }
  }
  return { sum, count };
}

/**
 * How dark the eyes are against the face: the mean luma of both eyes' contour boxes (in the
 * mesh's pixels) over `faceLuminance`. Open, uncovered eyes keep some skin, white and iris; dark
 * glasses or a hand over them read far lower. NaN without a mesh.
 */
function eyeShade(
  mesh: readonly Point[],
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  faceLuminance: number,
): number {
  if (mesh.length < 468 || !(faceLuminance > 0)) return NaN;
  let sum = 0;
  let count = 0;
  for (const contour of EYE_CONTOURS) {
    const region = lumaSum(pixels, width, height, channels, meshBoundingBox(contour.map((i) => mesh[i] ?? [])));
    sum += region.sum;
    count += region.count;
  }
  return count === 0 ? NaN : sum / count / faceLuminance;
}

/** Width the face region is reduced to (at most) before the Laplacian, so that sharpness does not depend on resolution. */
const SHARPNESS_REGION_WIDTH = 200;

/**
 * Mean luma and sharpness of a face's region, from interleaved 8-bit pixels (`channels` 3 or 4:
 * RGB or RGBA, alpha ignored; 1 or 2: grey). The box is clamped to the picture. Luma is Rec. 601
 * (0.299 R + 0.587 G + 0.114 B); sharpness is the variance of the 4-neighbour Laplacian of the
 * luma after binning it by the smallest whole factor that makes it at most 200 px wide (never
 * enlarged: an enlarged face reads blurred). Plain loops: a 500 px face costs ~2 ms.
 */
export function faceRegionStats(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  box: FaceBox,
): { luminance: number; sharpness: number } {
  const { left, top, right, bottom } = clampedRegion(box, width, height);
  const regionWidth = right - left;
  const regionHeight = bottom - top;
  if (regionWidth <= 0 || regionHeight <= 0) return { luminance: NaN, sharpness: NaN };

  const factor = Math.max(1, Math.ceil(regionWidth / SHARPNESS_REGION_WIDTH));
  const w = Math.floor(regionWidth / factor);
  const h = Math.floor(regionHeight / factor);
  const binned = new Float64Array(w * h);
  let sum = 0;
  for (let y = top; y < bottom; y += 1) {
    const by = Math.floor((y - top) / factor);
    let i = (y * width + left) * channels;
    for (let x = left; x < right; x += 1, i += channels) {
      const luma = lumaAt(pixels, i, channels);
      sum += luma;
      const bx = Math.floor((x - left) / factor);
      if (bx < w && by < h) binned[by * w + bx] = (binned[by * w + bx] ?? 0) + luma;
    }
  }
  const luminance = sum / (regionWidth * regionHeight);

  let n = 0;
  let s = 0;
  let s2 = 0;
  const scale = 1 / (factor * factor);
  for (let y = 1; y < h - 1; y += 1) {
    for (let x = 1; x < w - 1; x += 1) {
      const i = y * w + x;
      const at = (k: number) => binned[k] ?? 0;
      const v = (at(i - w) + at(i + w) + at(i - 1) + at(i + 1) - 4 * at(i)) * scale;
      n += 1;
      s += v;
      s2 += v * v;
    }
  }
  const mean = n === 0 ? 0 : s / n;
  return { luminance, sharpness: n === 0 ? NaN : s2 / n - mean * mean };
}

/**
 * @vladmandic/human's settings for these checks, the same in the emulator (Node) and the browser;
 * each adds only where its models and wasm files live. See docs/face-detection-notes.md.
 */
export const FACE_DETECTOR_SETTINGS = {
  backend: 'wasm',
  debug: false,
  warmup: 'none',
  // Never reuse a previous input's result, for video frames too: human's frame cache saves ~25 ms
  // a frame but can miss a second face stepping in for up to 2.5 s.
  cacheSensitivity: 0,
  // Its temporal filter costs ~35 ms a frame through software WebGL and alters the pixels.
  filter: { enabled: false },
  gesture: { enabled: false },
  face: {
    enabled: true,
    // maxDetected defaults to 1: multiple_faces would never fire.
    detector: { rotation: false, maxDetected: 5, minConfidence: DETECTOR_MIN_CONFIDENCE },
    mesh: { enabled: true },
    // The mesh gives the eye measure; iris would add 2.4 MB and 15–20 ms a frame.
    iris: { enabled: false },
    attention: { enabled: false },
    emotion: { enabled: false },
    description: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  segmentation: { enabled: false },
} as const;

/** The part of one of human's face results that the checks read (both builds share the shape). */
export interface HumanFaceLike {
  mesh: readonly Point[];
  boxScore: number;
  faceScore: number;
  rotation?: { angle: { yaw: number; pitch: number } } | null | undefined;
}

/**
 * One face as the rules read it, the same arithmetic in the emulator and the browser. `pixels`
 * are the ones the detector saw (the mesh's coordinates): the angles, eyes, mouth, and the light
 * and sharpness of the face region are measured there; the mesh box is then scaled by `scale` to
 * the picture's own pixels (1 unless the detector saw a copy reduced to 1280 px).
 */
export function measureFace(
  face: HumanFaceLike,
  scale: number,
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
): DetectedFace {
  const box = meshBoundingBox(face.mesh);
  const angle = face.rotation?.angle;
  const region = faceRegionStats(pixels, width, height, channels, box);
  return {
    detectorScore: face.boxScore,
    meshScore: face.faceScore,
    box: { x: box.x * scale, y: box.y * scale, width: box.width * scale, height: box.height * scale },
    yaw: angle?.yaw ?? NaN,
    pitch: angle?.pitch ?? NaN,
    eyes: eyeOpenness(face.mesh),
    ...region,
    mouth: mouthMeasures(face.mesh),
    eyeShade: eyeShade(face.mesh, pixels, width, height, channels, region.luminance),
  };
}
