/**
 * Capture quality: one set of rules turning a face detection into a verdict, used by the SPA
 * (before sending) and by the emulator (refusing what QI Tech refuses) alike. Plain data in,
 * plain data out: no Node or DOM APIs, so the browser and Node judge a picture the same way.
 *
 * The detection itself is made elsewhere (@vladmandic/human, face detector + mesh, iris off):
 * `server/emulator/face-detector.ts` in Node, the SPA in Chromium. The helpers at the end
 * (`meshBoundingBox`, `eyeOpenness`, `faceRegionStats`) turn human's output and the picture's
 * pixels into a `FaceDetection`, so both sides measure with the same arithmetic.
 *
 * Thresholds and their margins come from the spike of docs/face-detection-notes.md (human 3.3.6,
 * tfjs 4.22.0, wasm backend) and docs/decisions/004-face-checks-in-the-emulator.md.
 */

/** The `image_status` values of a refused picture (`image_quality`), in the order they are judged. */
export const FACE_STATUSES = [
  'no_face',
  'multiple_faces',
  'not_center',
  'face_too_small',
  'not_frontal',
  'eyes_closed',
  'too_dark',
  'blurry',
] as const;

export type FaceStatus = (typeof FACE_STATUSES)[number];

/** A face's bounding box in pixels of the picture; unclamped (a face cut by an edge reaches outside). */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  /** Face detector (blazeface) confidence, 0–1 (human's `boxScore`). */
  detectorScore: number;
  /** Face mesh confidence, 0–1 (human's `faceScore`): what tells a face from a cat. */
  meshScore: number;
  /** Bounding box of the face mesh's points (not human's `face.box`, which is enlarged and clamped). */
  box: FaceBox;
  /** Head rotation in radians (human's `rotation.angle`): left/right, up/down. */
  yaw: number;
  pitch: number;
  /** Lid gap over eye-socket height per eye (see `eyeOpenness`); about 0.25–0.45 when open. */
  eyes: { left: number; right: number };
  /** Mean luma (Rec. 601, 0–255) of the face region (see `faceRegionStats`). */
  luminance: number;
  /** Variance of the Laplacian of the face region's luma, reduced to at most 200 px wide (see `faceRegionStats`). */
  sharpness: number;
}

/** What a detector saw in one picture, as it was sent (the pixels of the file, no EXIF rotation). */
export interface FaceDetection {
  width: number;
  height: number;
  faces: DetectedFace[];
}

export type FaceVerdict = { ok: true } | { ok: false; status: FaceStatus; description: string };

/**
 * Every threshold of the rules, in one place. "Measured" figures are from the spike (Node, wasm;
 * Chromium agreed within 0.3 points on geometry): fixtures/images, the e2e camera crop (640x480
 * cover crop of face-single-centered), and synthetic variants (blurred, darkened, rescaled).
 */
export const FACE_THRESHOLDS = {
  /**
   * A face counts only when the detector scores it ≥ 0.2 AND the mesh confirms it ≥ 0.2.
   * Measured: real faces 0.64–0.96 (detector) and 1.00 (mesh); the best non-face candidates were
   * a cat at 0.83 (detector) but 0.01 (mesh) and a coffee cup at 0.46 / 0.04. The mesh does the
   * separating: margin ×5 below a face's 1.00 and ×5 above the best non-face's 0.04.
   */
  minDetectorScore: 0.2,
  minMeshScore: 0.2,
  /**
   * not_center: the mesh box must lie inside the picture, at least this fraction of the picture's
   * side from every edge (QI Tech: "The face is too close to image edges"). Measured: face-at-edge
   * −10% (cut: refused); the e2e camera crop 4.2–4.4% from the top (must pass: margin 2.2
   * points); other passing pictures ≥ 17%. There is no rule on the offset from the centre: face-too-small sits
   * 26% above the centre and is refused for its size.
   */
  minEdgeMargin: 0.02,
  /**
   * face_too_small: the unclamped mesh box's area over the picture's area (QI Tech: "the face at
   * least 15% of the picture"). Measured: the shared camera video 16.6%, the 12 MP photo 17.0%
   * (it has bars beside the portrait) and face-single-small-image 17.4% must pass: the tightest
   * margins (1.6 points); face-single-centered 24.1%, the e2e camera crop 38%; refused:
   * face-too-small 6.5%, each face of faces-two 3.7%.
   */
  minFaceArea: 0.15,
  /**
   * not_frontal: |yaw| and |pitch| at most this many degrees. Measured on passing pictures:
   * at most 8.6° (pitch of the small-image fixture 7.5°). No turned-face fixture: 20° is the
   * usual limit for a frontal document photo, with a margin of 11° over the fixtures.
   */
  maxYawDegrees: 20,
  maxPitchDegrees: 20,
  /**
   * eyes_closed: only when BOTH eyes' openness is below this. Measured on open eyes: 0.24–0.47
   * on every fixture and variant of an accepted size (0.20 on a 150 px picture, refused earlier
   * as too small). No closed-eye fixture: human's own blink cut-off (0.2) would be within 0.04 of
   * open eyes, so 0.15 (margin 0.09) refuses only lids nearly shut on both sides.
   */
  minEyeOpenness: 0.15,
  /**
   * too_dark: mean luma of the face region below this. Measured: passing faces 105–158; the
   * centred portrait darkened ×0.35 reads 52 (dim but usable: passes, margin 12), ×0.25 reads 37
   * and ×0.15 reads 22 (refused).
   */
  minLuminance: 40,
  /**
   * blurry: sharpness below this (`faceRegionStats`). Measured: fixtures with a face 217–826, the
   * camera crop 633–642, the 12 MP photo reduced to 1280x960 642; the lowest passing pictures are
   * the small-image fixture enlarged ×2 and ×4 (sharp, but interpolated): 67 and 58 (margin 18).
   * Gaussian blur of the centred portrait: σ1 333, σ1.5 148, σ2 75 (pass), σ3 27, σ6 4 (refused,
   * margin 13); of the small-image fixture: σ2 16 (refused). Only clearly blurred faces are refused.
   */
  minSharpness: 40,
} as const;

/** English sentences a person can act on; the SPA shows its own words by status. */
export const FACE_STATUS_DESCRIPTIONS: Record<FaceStatus, string> = {
  no_face: 'No face was found in the picture. Take a photo of the customer’s face, facing the camera.',
  multiple_faces: 'More than one face was found in the picture. Take a photo with only the customer in it.',
  not_center:
    'The face is too close to the edges of the picture or cut by them. Centre the face so that all of it, with some space around it, is in the picture.',
  face_too_small:
    'The face is too small in the picture: it must take at least 15% of it. Move the camera closer to the customer or crop the photo around the face.',
  not_frontal: 'The face is not facing the camera. Ask the customer to look straight at the camera, head level.',
  eyes_closed: 'The eyes are closed. Ask the customer to keep the eyes open and take the photo again.',
  too_dark: 'The face is too dark. Add light in front of the customer, or avoid a bright window behind them, and take the photo again.',
  blurry: 'The picture is blurred. Hold the camera still, let it focus on the face, and take the photo again.',
};

const refuse = (status: FaceStatus): FaceVerdict => ({ ok: false, status, description: FACE_STATUS_DESCRIPTIONS[status] });

const degrees = (radians: number) => (Math.abs(radians) * 180) / Math.PI;

/** Whether a detected face counts as a face (both the detector and the mesh are confident). */
export function isConfidentFace(face: DetectedFace, t = FACE_THRESHOLDS): boolean {
  return face.detectorScore >= t.minDetectorScore && face.meshScore >= t.minMeshScore;
}

/**
 * The verdict on a detection: the first rule broken, in the order of FACE_STATUSES
 * (no_face → multiple_faces → not_center → face_too_small → not_frontal → eyes_closed →
 * too_dark → blurry), or ok.
 */
export function judgeFace(detection: FaceDetection, t = FACE_THRESHOLDS): FaceVerdict {
  const faces = detection.faces.filter((face) => isConfidentFace(face, t));
  const [face] = faces;
  if (face === undefined) return refuse('no_face');
  if (faces.length > 1) return refuse('multiple_faces');

  const { width, height } = detection;
  const { box } = face;
  const margin = Math.min(box.x / width, box.y / height, (width - box.x - box.width) / width, (height - box.y - box.height) / height);
  if (!(margin >= t.minEdgeMargin)) return refuse('not_center');
  if (!((box.width * box.height) / (width * height) >= t.minFaceArea)) return refuse('face_too_small');
  if (!(degrees(face.yaw) <= t.maxYawDegrees && degrees(face.pitch) <= t.maxPitchDegrees)) return refuse('not_frontal');
  if (face.eyes.left < t.minEyeOpenness && face.eyes.right < t.minEyeOpenness) return refuse('eyes_closed');
  if (!(face.luminance >= t.minLuminance)) return refuse('too_dark');
  if (!(face.sharpness >= t.minSharpness)) return refuse('blurry');
  return { ok: true };
}

/* ---------- measuring: shared by the Node detector and the SPA ---------- */

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

/** Width the face region is reduced to (at most) before the Laplacian, so that sharpness does not depend on resolution. */
export const SHARPNESS_REGION_WIDTH = 200;

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
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const right = Math.min(width, Math.ceil(box.x + box.width));
  const bottom = Math.min(height, Math.ceil(box.y + box.height));
  const regionWidth = right - left;
  const regionHeight = bottom - top;
  if (regionWidth <= 0 || regionHeight <= 0) return { luminance: NaN, sharpness: NaN };

  const factor = Math.max(1, Math.ceil(regionWidth / SHARPNESS_REGION_WIDTH));
  const w = Math.floor(regionWidth / factor);
  const h = Math.floor(regionHeight / factor);
  const binned = new Float64Array(w * h);
  const colour = channels >= 3;
  let sum = 0;
  for (let y = top; y < bottom; y += 1) {
    const by = Math.floor((y - top) / factor);
    let i = (y * width + left) * channels;
    for (let x = left; x < right; x += 1, i += channels) {
      const luma = colour ? 0.299 * (pixels[i] ?? 0) + 0.587 * (pixels[i + 1] ?? 0) + 0.114 * (pixels[i + 2] ?? 0) : (pixels[i] ?? 0);
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
    detector: { rotation: false, maxDetected: 5, minConfidence: FACE_THRESHOLDS.minDetectorScore },
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
 * One face as the rules read it, the same arithmetic in the emulator and the browser: the mesh
 * box (scaled back when the detector saw a reduced copy), angles, eyes, and the light and
 * sharpness of the face region in the full-size pixels.
 */
export function measureFace(
  face: HumanFaceLike,
  scale: number,
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
): DetectedFace {
  const raw = meshBoundingBox(face.mesh);
  const box = { x: raw.x * scale, y: raw.y * scale, width: raw.width * scale, height: raw.height * scale };
  const angle = face.rotation?.angle;
  return {
    detectorScore: face.boxScore,
    meshScore: face.faceScore,
    box,
    yaw: angle?.yaw ?? NaN,
    pitch: angle?.pitch ?? NaN,
    eyes: eyeOpenness(face.mesh),
    ...faceRegionStats(pixels, width, height, channels, box),
  };
}
