import { describe, expect, it } from 'vitest';
import {
  FACE_STATUSES,
  FACE_STATUS_DESCRIPTIONS,
  FACE_THRESHOLDS as T,
  cropAroundFace,
  judgeFace,
  mainFaceDominates,
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
    mouth: { gap: 0.02, lift: 0.05 },
    eyeShade: 0.6,
    ...overrides,
  };
}

const detection = (...faces: DetectedFace[]): FaceDetection => ({ width: W, height: H, faces });
const status = (d: FaceDetection) => {
  const verdict = judgeFace(d);
  return verdict.ok ? 'ok' : verdict.status;
};

describe('judgeFace', () => {
  it('passes a good face, and says which face it judged', () => {
    const good = face();
    expect(judgeFace(detection(good))).toEqual({ ok: true, faces: [good], warnings: [] });
  });

  it('no_face: nothing, or only candidates the detector or the mesh doubts', () => {
    expect(status(detection())).toBe('no_face');
    expect(status(detection(face({ meshScore: T.minMeshScore - 0.01 })))).toBe('no_face');
    expect(status(detection(face({ detectorScore: T.minDetectorScore - 0.01 })))).toBe('no_face');
    expect(status(detection(face({ detectorScore: T.minDetectorScore, meshScore: T.minMeshScore })))).toBe('ok');
  });

  it('no_face: a blob the detector scores 0.34 is nothing, however sure the mesh is', () => {
    expect(status(detection(face({ detectorScore: 0.34, meshScore: 1 })))).toBe('no_face');
  });

  it('multiple_faces: two confident faces of a similar size; a doubtful second one does not count', () => {
    const other = face({ box: { x: 10, y: 10, width: 200, height: 200 } });
    expect(status(detection(face(), other))).toBe('multiple_faces');
    expect(status(detection(face(), { ...other, meshScore: 0.04 }))).toBe('ok');
    expect(status(detection(face(), { ...other, detectorScore: T.minDetectorScore - 0.01 }))).toBe('ok');
  });

  it('counts overlapping detections of one face once', () => {
    const main = face();
    const sliver = face({ detectorScore: 0.8, box: { x: 550, y: 300, width: 200, height: 400 } });
    const verdict = judgeFace(detection(sliver, main));
    expect(verdict.ok).toBe(true);
    expect(verdict.faces).toEqual([main]);
    // Less than the overlap threshold inside the main face: a face of its own.
    const beside = face({ box: { x: 690, y: 300, width: 200, height: 400 } });
    expect(status(detection(main, beside))).toBe('multiple_faces');
  });

  it('ignores a second detection far less confident or far smaller than the main face', () => {
    const main = face({ detectorScore: 0.9 });
    const box = { x: 20, y: 20, width: 200, height: 200 };
    expect(status(detection(main, face({ box, detectorScore: 0.9 * T.minSecondaryScoreRatio - 0.01 })))).toBe('ok');
    expect(status(detection(main, face({ box, detectorScore: 0.9 * T.minSecondaryScoreRatio + 0.01 })))).toBe('multiple_faces');
    const side = Math.sqrt(400 * 400 * T.minSecondaryAreaRatio);
    expect(status(detection(main, face({ box: { ...box, width: side - 1, height: side - 1 } })))).toBe('ok');
    expect(status(detection(main, face({ box: { ...box, width: side + 1, height: side + 1 } })))).toBe('multiple_faces');
  });

  it('the main face is the largest; it dominates others of at most half its area', () => {
    const main = face();
    const half = face({ box: { x: 20, y: 20, width: 200, height: 400 } });
    const verdict = judgeFace(detection(half, main));
    expect(verdict.faces[0]).toBe(main);
    expect(mainFaceDominates(verdict.faces)).toBe(true);
    const almost = face({ box: { x: 20, y: 20, width: 300, height: 400 } });
    expect(mainFaceDominates(judgeFace(detection(almost, main)).faces)).toBe(false);
    expect(mainFaceDominates([main])).toBe(false);
  });

  it('warns of an open mouth, a smile and covered eyes, and never refuses for them', () => {
    const wide = face({ mouth: { gap: T.maxMouthGap + 0.01, lift: T.maxMouthLift + 0.01 }, eyeShade: T.minEyeShade - 0.01 });
    expect(judgeFace(detection(wide))).toMatchObject({ ok: true, warnings: ['mouth_open', 'not_neutral', 'eyes_covered'] });
    const edge = face({ mouth: { gap: T.maxMouthGap, lift: T.maxMouthLift }, eyeShade: T.minEyeShade });
    expect(judgeFace(detection(edge)).warnings).toEqual([]);
    // Unknown measures warn of nothing; a refused face keeps its warnings.
    expect(judgeFace(detection(face({ mouth: { gap: NaN, lift: NaN }, eyeShade: NaN }))).warnings).toEqual([]);
    expect(judgeFace(detection({ ...wide, luminance: 5 }))).toMatchObject({
      ok: false,
      status: 'too_dark',
      warnings: ['mouth_open', 'not_neutral', 'eyes_covered'],
    });
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
      box: { x: -5, y: 0, width: 200, height: 200 },
      yaw: rad(40),
      eyes: { left: 0, right: 0 },
      luminance: 5,
      sharpness: 1,
    });
    expect(status(detection(everythingWrong, face()))).toBe('multiple_faces');
    expect(status(detection(everythingWrong))).toBe('not_center');
    expect(status(detection({ ...everythingWrong, box: { x: 100, y: 100, width: 100, height: 100 } }))).toBe('face_too_small');
    expect(status(detection({ ...everythingWrong, box: face().box }))).toBe('not_frontal');
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0 }))).toBe('too_dark');
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0, luminance: 100 }))).toBe('blurry');
    // The eyes last: in a dark or blurred picture the lids cannot be measured.
    expect(status(detection({ ...everythingWrong, box: face().box, yaw: 0, luminance: 100, sharpness: 500 }))).toBe('eyes_closed');
  });

  it('gives every status a sentence a person can act on', () => {
    for (const s of FACE_STATUSES) expect(FACE_STATUS_DESCRIPTIONS[s].length).toBeGreaterThan(30);
    const verdict = judgeFace(detection());
    expect(verdict).toEqual({ ok: false, status: 'no_face', description: FACE_STATUS_DESCRIPTIONS.no_face, faces: [], warnings: [] });
  });
});

describe('cropAroundFace', () => {
  it('a 3:4 crop centred on the face, the face about 30% of it, inside the picture', () => {
    const crop = cropAroundFace({ x: 900, y: 400, width: 300, height: 360 }, 2000, 1500);
    expect(crop).toBeDefined();
    if (crop === undefined) return;
    expect(crop.width / crop.height).toBeCloseTo(3 / 4, 2);
    expect((300 * 360) / (crop.width * crop.height)).toBeCloseTo(0.3, 1);
    expect(crop.x + crop.width / 2).toBeCloseTo(1050, 0);
    // Near an edge: moved inside, never past it.
    const edge = cropAroundFace({ x: 10, y: 10, width: 300, height: 360 }, 2000, 1500);
    expect(edge).toMatchObject({ x: 0, y: 0 });
  });

  it('keeps a small face with more room rather than giving up: at least 200 px a side, the face still well over 15%', () => {
    const crop = cropAroundFace({ x: 500, y: 300, width: 100, height: 125 }, 1200, 900);
    expect(crop).toMatchObject({ width: 200 });
    if (crop === undefined) return;
    expect(crop.height).toBeGreaterThanOrEqual(200);
    expect((100 * 125) / (crop.width * crop.height)).toBeGreaterThan(T.minFaceArea * 1.2);
  });

  it('offers nothing that would be refused again: a face too small for any crop, a picture too small, another face inside', () => {
    expect(cropAroundFace({ x: 500, y: 300, width: 40, height: 50 }, 1200, 900)).toBeUndefined();
    expect(cropAroundFace({ x: 20, y: 20, width: 100, height: 125 }, 180, 400)).toBeUndefined();
    const main = { x: 300, y: 300, width: 300, height: 360 };
    expect(cropAroundFace(main, 2000, 1500, [{ x: 650, y: 400, width: 100, height: 120 }])).toBeUndefined();
    expect(cropAroundFace(main, 2000, 1500, [{ x: 1500, y: 400, width: 100, height: 120 }])).toBeDefined();
  });
});
