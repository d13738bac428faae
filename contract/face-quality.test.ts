import { describe, expect, it } from 'vitest';
import {
  FACE_STATUSES,
  FACE_STATUS_DESCRIPTIONS,
  FACE_THRESHOLDS as T,
  eyeOpenness,
  faceRegionStats,
  judgeFace,
  meshBoundingBox,
} from './face-quality.ts';
import type { DetectedFace, FaceDetection } from './face-quality.ts';

const W = 1000;
const H = 1000;
const rad = (degrees: number) => (degrees * Math.PI) / 180;

/** A face that passes every rule: 400x400 (16%) in the middle of a 1000x1000 picture. */
function face(overrides: Partial<DetectedFace> = {}): DetectedFace {
  return {
    detectorScore: 0.9,
    meshScore: 1,
    box: { x: 300, y: 300, width: 400, height: 400 },
    yaw: 0,
    pitch: 0,
    eyes: { left: 0.3, right: 0.3 },
    luminance: 140,
    sharpness: 500,
    ...overrides,
  };
}

const detection = (...faces: DetectedFace[]): FaceDetection => ({ width: W, height: H, faces });
const status = (d: FaceDetection) => {
  const verdict = judgeFace(d);
  return verdict.ok ? 'ok' : verdict.status;
};

describe('judgeFace', () => {
  it('passes a good face', () => {
    expect(judgeFace(detection(face()))).toEqual({ ok: true });
  });

  it('no_face: nothing, or only candidates the detector or the mesh doubts', () => {
    expect(status(detection())).toBe('no_face');
    expect(status(detection(face({ meshScore: T.minMeshScore - 0.01 })))).toBe('no_face');
    expect(status(detection(face({ detectorScore: T.minDetectorScore - 0.01 })))).toBe('no_face');
    expect(status(detection(face({ detectorScore: T.minDetectorScore, meshScore: T.minMeshScore })))).toBe('ok');
  });

  it('multiple_faces: two confident faces; a doubtful second one does not count', () => {
    const other = face({ box: { x: 10, y: 10, width: 50, height: 50 } });
    expect(status(detection(face(), other))).toBe('multiple_faces');
    expect(status(detection(face(), { ...other, meshScore: 0.04 }))).toBe('ok');
  });

  it('not_center: cut by an edge or nearer to it than the margin, on each side', () => {
    const m = T.minEdgeMargin * W;
    for (const box of [
      { x: m - 1, y: 300, width: 400, height: 400 },
      { x: 300, y: m - 1, width: 400, height: 400 },
      { x: W - 400 - m + 1, y: 300, width: 400, height: 400 },
      { x: 300, y: H - 400 - m + 1, width: 400, height: 400 },
      { x: -100, y: 300, width: 450, height: 450 },
    ]) {
      expect(status(detection(face({ box }))), JSON.stringify(box)).toBe('not_center');
    }
    expect(status(detection(face({ box: { x: m, y: m, width: 400, height: 400 } })))).toBe('ok');
    expect(status(detection(face({ box: { x: W - 400 - m, y: H - 400 - m, width: 400, height: 400 } })))).toBe('ok');
  });

  it('not_center is judged before face_too_small; far off-centre but inside is only judged on size', () => {
    expect(status(detection(face({ box: { x: -10, y: 0, width: 100, height: 100 } })))).toBe('not_center');
    expect(status(detection(face({ box: { x: 600, y: 50, width: 390 - 20, height: 420 } })))).toBe('ok');
  });

  it('face_too_small: below 15% of the picture by the mesh box', () => {
    const side = Math.sqrt(T.minFaceArea) * W; // ~387 px
    expect(status(detection(face({ box: { x: 300, y: 300, width: side, height: side } })))).toBe('ok');
    expect(status(detection(face({ box: { x: 300, y: 300, width: side - 2, height: side - 2 } })))).toBe('face_too_small');
    expect(status(detection(face({ box: { x: 300, y: 100, width: 250, height: 250 } })))).toBe('face_too_small');
  });

  it('not_frontal: |yaw| or |pitch| beyond the limit, either way', () => {
    expect(status(detection(face({ yaw: rad(T.maxYawDegrees - 0.1), pitch: rad(-T.maxPitchDegrees + 0.1) })))).toBe('ok');
    expect(status(detection(face({ yaw: rad(T.maxYawDegrees + 0.1) })))).toBe('not_frontal');
    expect(status(detection(face({ yaw: rad(-T.maxYawDegrees - 0.1) })))).toBe('not_frontal');
    expect(status(detection(face({ pitch: rad(T.maxPitchDegrees + 0.1) })))).toBe('not_frontal');
    expect(status(detection(face({ pitch: rad(-T.maxPitchDegrees - 0.1) })))).toBe('not_frontal');
    expect(status(detection(face({ yaw: NaN })))).toBe('not_frontal');
  });

  it('eyes_closed: only when both eyes are below the limit (a wink passes)', () => {
    const shut = T.minEyeOpenness - 0.01;
    expect(status(detection(face({ eyes: { left: shut, right: shut } })))).toBe('eyes_closed');
    expect(status(detection(face({ eyes: { left: shut, right: T.minEyeOpenness } })))).toBe('ok');
    expect(status(detection(face({ eyes: { left: 0.3, right: shut } })))).toBe('ok');
  });

  it('too_dark and blurry at their limits', () => {
    expect(status(detection(face({ luminance: T.minLuminance })))).toBe('ok');
    expect(status(detection(face({ luminance: T.minLuminance - 0.5 })))).toBe('too_dark');
    expect(status(detection(face({ sharpness: T.minSharpness })))).toBe('ok');
    expect(status(detection(face({ sharpness: T.minSharpness - 0.5 })))).toBe('blurry');
  });

  it('judges in the documented order', () => {
    const everythingWrong = face({
      box: { x: -5, y: 0, width: 100, height: 100 },
      yaw: rad(40),
      eyes: { left: 0, right: 0 },
      luminance: 5,
      sharpness: 1,
    });
    expect(status(detection(everythingWrong, face()))).toBe('multiple_faces');
    expect(status(detection(everythingWrong))).toBe('not_center');
    expect(status(detection({ ...everythingWrong, box: { x: 100, y: 100, width: 100, height: 100 } }))).toBe('face_too_small');
    expect(status(detection({ ...everythingWrong, box: face().box }))).toBe('not_frontal');
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0 }))).toBe('eyes_closed');
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0, eyes: face().eyes }))).toBe('too_dark');
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0, eyes: face().eyes, luminance: 100 }))).toBe('blurry');
  });

  it('gives every status a sentence a person can act on', () => {
    for (const s of FACE_STATUSES) expect(FACE_STATUS_DESCRIPTIONS[s].length).toBeGreaterThan(30);
    const verdict = judgeFace(detection());
    expect(verdict).toEqual({ ok: false, status: 'no_face', description: FACE_STATUS_DESCRIPTIONS.no_face });
  });
});

describe('measuring helpers', () => {
  it('meshBoundingBox is unclamped', () => {
    expect(
      meshBoundingBox([
        [-10, 5, 0],
        [30, 40, 1],
        [12, -3, 2],
      ]),
    ).toEqual({ x: -10, y: -3, width: 40, height: 43 });
  });

  it('eyeOpenness needs the 468-point mesh', () => {
    expect(eyeOpenness([[0, 0, 0]])).toEqual({ left: NaN, right: NaN });
    const mesh = Array.from({ length: 468 }, () => [0, 0, 0]);
    Object.assign(mesh, { 374: [0, 10, 0], 386: [0, 13, 0], 443: [0, 0, 0], 450: [0, 10, 0] });
    Object.assign(mesh, { 145: [0, 10, 0], 159: [0, 11, 0], 223: [0, 0, 0], 230: [0, 10, 0] });
    const { left, right } = eyeOpenness(mesh);
    expect(left).toBeCloseTo(0.3);
    expect(right).toBeCloseTo(0.1);
  });

  it('faceRegionStats: luma of the clamped region; a flat region has no sharpness, a checkerboard plenty', () => {
    const [w, h] = [40, 30];
    const flat = new Uint8Array(w * h * 4).fill(100);
    const stats = faceRegionStats(flat, w, h, 4, { x: -5, y: -5, width: 100, height: 100 });
    expect(stats.luminance).toBeCloseTo(100);
    expect(stats.sharpness).toBeCloseTo(0);
    const board = new Uint8Array(w * h);
    for (let i = 0; i < board.length; i += 1) board[i] = ((i % w) + Math.floor(i / w)) % 2 === 0 ? 0 : 200;
    const sharp = faceRegionStats(board, w, h, 1, { x: 0, y: 0, width: w, height: h });
    expect(sharp.luminance).toBeCloseTo(100);
    expect(sharp.sharpness).toBeGreaterThan(T.minSharpness * 100);
    expect(faceRegionStats(board, w, h, 1, { x: 50, y: 0, width: 10, height: 10 }).luminance).toBeNaN();
  });

  it('faceRegionStats bins a wide region to at most 200 px, whole factors only', () => {
    // A 1000 px wide vertical stripe pattern of period 10: binned by 5, it stays striped.
    const [w, h] = [1000, 20];
    const stripes = new Uint8Array(w * h);
    for (let i = 0; i < stripes.length; i += 1) stripes[i] = Math.floor((i % w) / 5) % 2 === 0 ? 0 : 250;
    const stats = faceRegionStats(stripes, w, h, 1, { x: 0, y: 0, width: w, height: h });
    expect(stats.luminance).toBeCloseTo(125);
    expect(stats.sharpness).toBeGreaterThan(1000);
  });
});
