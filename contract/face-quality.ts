/**
 * Capture quality: one set of rules turning a face detection into a verdict, used by the SPA
 * (before sending) and by the emulator (refusing what QI Tech refuses) alike. Plain data in,
 * plain data out: no Node or DOM APIs, so the browser and Node judge a picture the same way.
 *
 * The detection itself is made elsewhere (@vladmandic/human, face detector + mesh, iris off):
 * `server/emulator/face-detector.ts` in Node, the SPA in Chromium; `face-measure.ts` turns
 * human's output and the pixels into a `FaceDetection`, so both sides measure with the same
 * arithmetic.
 *
 * Thresholds and their margins: first from the spike of docs/face-detection-notes.md (human
 * 3.3.6, tfjs 4.22.0, wasm backend) and docs/decisions/004-face-checks-in-the-emulator.md; the
 * face counting, the confidence floors and the advisory warnings from `npm run bench --
 * face-quality` (437 portraits and variants made from them, Node and Chromium; figures in
 * docs/benchmarks.md). A check every registration passes through must not stop staff when it is
 * unsure: what it cannot tell from noise, it does not count.
 */

import { MIN_IMAGE_SIDE_PX } from './image.ts';

/** The `image_status` values of a refused picture (`image_quality`), in the order they are judged. */
export const FACE_STATUSES = [
  'no_face',
  'multiple_faces',
  'not_center',
  'face_too_small',
  'not_frontal',
  // Light and focus before the eyes: in a dark or blurred picture the lids cannot be measured
  // (blurred portraits read 0.05–0.14, "closed").
  'too_dark',
  'blurry',
  'eyes_closed',
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
  /**
   * Advisory measures (see `mouthMeasures`, `eyeShade`): the inner lips' gap and the mouth
   * corners' lift, each over the mouth's width; the eyes' luma over the face region's. NaN when
   * the mesh or the pixels do not give them (no warning then).
   */
  mouth: { gap: number; lift: number };
  eyeShade: number;
}

/** What a detector saw in one picture, as it was sent (the pixels of the file, no EXIF rotation). */
export interface FaceDetection {
  width: number;
  height: number;
  faces: DetectedFace[];
}

/**
 * QI Tech's documented rules that it gives no `image_status` for (mouth closed, neutral
 * expression, nothing covering the eyes): said to staff as advice, never refused, neither by the
 * console nor by the emulator.
 */
export const FACE_WARNINGS = ['mouth_open', 'not_neutral', 'eyes_covered'] as const;
export type FaceWarning = (typeof FACE_WARNINGS)[number];

/**
 * The verdict on a picture, with what it was judged on: `faces`, the faces counted as a person
 * would count them (the main one, the largest, first; see `countFaces`), and `warnings` on the
 * main face (only when one face is judged).
 */
export type FaceVerdict = ({ ok: true } | { ok: false; status: FaceStatus; description: string }) & {
  faces: DetectedFace[];
  warnings: FaceWarning[];
};

/**
 * Every threshold of the rules, in one place. "Measured" figures are from the spike (Node, wasm;
 * Chromium agreed within 0.3 points on geometry): fixtures/images, the e2e camera crop (640x480
 * cover crop of face-single-centered), and synthetic variants (blurred, darkened, rescaled).
 */
export const FACE_THRESHOLDS = {
  /**
   * A detection is a face only when the detector scores it ≥ 0.5 AND the mesh confirms it ≥ 0.5;
   * below, it is nothing (never a reason to refuse: a blob alone is `no_face`). Measured in
   * `npm run bench -- face-quality` (docs/benchmarks.md), the same in Node and Chromium: the
   * portraits, mirrored and JPEG q10 score ≥ 0.74 with the detector at the 1st percentile (the
   * originals 0.81–0.95) and 1.00 with the mesh, but 3 of 437 at JPEG q10 score 0.40–0.46 (then
   * `no_face`: a cost accepted); every spurious detection beside a face scored 0.20–0.29 with
   * the detector (an outside review saw up to 0.4: margin 0.1), the cat 0.83 but its mesh 0.01.
   * The detector itself reports down to 0.2 (DETECTOR_MIN_CONFIDENCE) so that the evaluation sees
   * the blobs it ignores.
   */
  minDetectorScore: 0.5,
  minMeshScore: 0.5,
  /**
   * Counting faces the way a person does (`countFaces`). Two detections are one face when the
   * smaller lies ≥ 30% inside the larger (its area). Beside the main face (the largest), another
   * counts only when its detector score is ≥ 0.6× the main face's and its area ≥ 0.1× the main
   * face's (a face under about a third of the main one's width: someone far behind, a picture on a
   * wall, a badge). Measured on the portraits set side by side: the second real face scored
   * ≥ 0.73× the first and was ≥ 0.35× its area (margins 0.13 and ×3.5); spurious detections
   * beside a face were ≤ 0.09× its area but one (0.27×, detector 0.20: under the floor anyway).
   */
  sameFaceOverlap: 0.3,
  minSecondaryScoreRatio: 0.6,
  minSecondaryAreaRatio: 0.1,
  /**
   * "Recortar no rosto principal" is offered for multiple_faces when the main face is at least
   * this many times the area of every other counted face (and a crop around it leaves them out).
   */
  dominantAreaRatio: 2,
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
  /**
   * Advisory warnings, never a refusal (QI Tech documents no `image_status` for them), measured
   * on the 437 portraits (official portraits: many smile, lips apart) and, for the eyes, on the
   * same portraits with a dark band painted over the eyes (`npm run bench -- face-quality`).
   * mouth_open: the inner lips' gap over the mouth's width above 0.2. Portraits: median 0.13,
   * 95th percentile 0.21; 33 of 437 (7.6%) warned, wide smiles showing teeth.
   */
  maxMouthGap: 0.2,
  /**
   * not_neutral: the lips' middle below the corners' line by more than 0.13 of the mouth's width
   * (corners raised: a broad smile). Portraits: median 0.09, 95th percentile 0.14; 41 of 437
   * (9.4%) warned. No neutral-only set to measure misses on: it warns of clear smiles only.
   */
  maxMouthLift: 0.13,
  /**
   * eyes_covered: the eyes' mean luma under 0.35 of the face region's. Portraits: minimum 0.33,
   * 1st percentile 0.39 (1 of 437 warned, 0.2%); with the eyes painted over: 429 of 436 (98.4%)
   * warned, 99th percentile 0.38.
   */
  minEyeShade: 0.35,
} as const;

/** The detector reports candidates down to this score so that the evaluation sees what the rules ignore. */
export const DETECTOR_MIN_CONFIDENCE = 0.2;

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

const degrees = (radians: number) => (Math.abs(radians) * 180) / Math.PI;

/** Whether a detection is a face at all (both the detector and the mesh are confident). */
function isConfidentFace(face: DetectedFace, t = FACE_THRESHOLDS): boolean {
  return face.detectorScore >= t.minDetectorScore && face.meshScore >= t.minMeshScore;
}

const area = (box: FaceBox) => Math.max(0, box.width) * Math.max(0, box.height);

/** The share of the smaller box that lies inside the larger (1: one contains the other). */
function boxOverlap(a: FaceBox, b: FaceBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const smaller = Math.min(area(a), area(b));
  return width <= 0 || height <= 0 || smaller === 0 ? 0 : (width * height) / smaller;
}

/**
 * The faces a person would count, the main one (the largest confident face) first: detections
 * the detector or the mesh doubts are nothing; one lying mostly inside a face already counted is
 * that face again; one far less confident or far smaller than the main face is ignored.
 */
function countFaces(detection: FaceDetection, t = FACE_THRESHOLDS): DetectedFace[] {
  const confident = detection.faces
    .filter((face) => isConfidentFace(face, t))
    .sort((a, b) => area(b.box) - area(a.box) || b.detectorScore - a.detectorScore);
  const [main] = confident;
  if (main === undefined) return [];
  const counted = [main];
  for (const face of confident.slice(1)) {
    if (counted.some((other) => boxOverlap(other.box, face.box) >= t.sameFaceOverlap)) continue;
    if (face.detectorScore < main.detectorScore * t.minSecondaryScoreRatio) continue;
    if (area(face.box) < area(main.box) * t.minSecondaryAreaRatio) continue;
    counted.push(face);
  }
  return counted;
}

/** The advisory warnings on one face (NaN measures warn of nothing). */
function faceWarnings(face: DetectedFace, t = FACE_THRESHOLDS): FaceWarning[] {
  const warnings: FaceWarning[] = [];
  if (face.mouth.gap > t.maxMouthGap) warnings.push('mouth_open');
  if (face.mouth.lift > t.maxMouthLift) warnings.push('not_neutral');
  if (face.eyeShade < t.minEyeShade) warnings.push('eyes_covered');
  return warnings;
}

/**
 * Whether the main face clearly dominates several counted faces: at least `dominantAreaRatio`
 * times the area of each other one. The SPA then offers to crop around it.
 */
export function mainFaceDominates(faces: readonly DetectedFace[], t = FACE_THRESHOLDS): boolean {
  const [main, ...others] = faces;
  return main !== undefined && others.length > 0 && others.every((face) => area(main.box) >= area(face.box) * t.dominantAreaRatio);
}

/** A rectangle of a picture, in whole pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Share of a crop the face should fill: well above QI Tech's 15%, with room around it. */
const CROP_FACE_SHARE = 0.3;

const intersects = (a: FaceBox, b: FaceBox) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * A 3:4 portrait crop centred on the face, inside the picture, the face about 30% of it (at
 * least MIN_IMAGE_SIDE_PX a side, so a small face is kept with more room around it); undefined
 * when the picture is too small for that, when the face would still be under 1.2× QI Tech's 15%
 * of the crop (a crop that would be refused too), or when the crop would hold any of `others`
 * (faces to leave out).
 */
export function cropAroundFace(
  box: FaceBox,
  width: number,
  height: number,
  others: readonly FaceBox[] = [],
  t = FACE_THRESHOLDS,
): CropBox | undefined {
  const cropArea = area(box) / CROP_FACE_SHARE;
  const cropWidth = Math.min(width, Math.max(Math.sqrt((cropArea * 3) / 4), box.width * 1.6, MIN_IMAGE_SIDE_PX));
  const cropHeight = Math.min(height, Math.max((cropWidth * 4) / 3, box.height * 1.6, MIN_IMAGE_SIDE_PX));
  if (cropWidth < MIN_IMAGE_SIDE_PX || cropHeight < MIN_IMAGE_SIDE_PX) return undefined;
  if (area(box) / (cropWidth * cropHeight) < t.minFaceArea * 1.2) return undefined;
  const x = Math.min(Math.max(0, box.x + box.width / 2 - cropWidth / 2), width - cropWidth);
  const y = Math.min(Math.max(0, box.y + box.height / 2 - cropHeight / 2), height - cropHeight);
  const crop = { x: Math.round(x), y: Math.round(y), width: Math.round(cropWidth), height: Math.round(cropHeight) };
  return others.some((other) => intersects(crop, other)) ? undefined : crop;
}

/**
 * The crop the console offers for a refused picture: around a face that is only too small, or
 * around the main face when it clearly dominates the others ("Recortar no rosto principal").
 */
export function offeredCrop(verdict: FaceVerdict, width: number, height: number): CropBox | undefined {
  if (verdict.ok) return undefined;
  const [main, ...others] = verdict.faces;
  if (main === undefined) return undefined;
  if (verdict.status === 'face_too_small') return cropAroundFace(main.box, width, height);
  if (verdict.status === 'multiple_faces' && mainFaceDominates(verdict.faces)) {
    return cropAroundFace(
      main.box,
      width,
      height,
      others.map((face) => face.box),
    );
  }
  return undefined;
}

/**
 * The verdict on a detection: the first rule broken, in the order of FACE_STATUSES
 * (no_face → multiple_faces → not_center → face_too_small → not_frontal → too_dark →
 * blurry → eyes_closed), or ok; with the faces counted and, for one face, the advisory warnings.
 */
export function judgeFace(detection: FaceDetection, t = FACE_THRESHOLDS): FaceVerdict {
  const faces = countFaces(detection, t);
  const refuse = (status: FaceStatus, warnings: FaceWarning[] = []): FaceVerdict => ({
    ok: false,
    status,
    description: FACE_STATUS_DESCRIPTIONS[status],
    faces,
    warnings,
  });
  const [face] = faces;
  if (face === undefined) return refuse('no_face');
  if (faces.length > 1) return refuse('multiple_faces');
  const warnings = faceWarnings(face, t);

  const { width, height } = detection;
  const { box } = face;
  const margin = Math.min(box.x / width, box.y / height, (width - box.x - box.width) / width, (height - box.y - box.height) / height);
  if (!(margin >= t.minEdgeMargin)) return refuse('not_center', warnings);
  if (!(area(box) / (width * height) >= t.minFaceArea)) return refuse('face_too_small', warnings);
  if (!(degrees(face.yaw) <= t.maxYawDegrees && degrees(face.pitch) <= t.maxPitchDegrees)) return refuse('not_frontal', warnings);
  if (!(face.luminance >= t.minLuminance)) return refuse('too_dark', warnings);
  if (!(face.sharpness >= t.minSharpness)) return refuse('blurry', warnings);
  if (face.eyes.left < t.minEyeOpenness && face.eyes.right < t.minEyeOpenness) return refuse('eyes_closed', warnings);
  return { ok: true, faces, warnings };
}
