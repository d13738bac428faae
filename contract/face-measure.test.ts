import { describe, expect, it } from 'vitest';
import { eyeOpenness, faceRegionStats, meshBoundingBox, mouthMeasures } from './face-measure.ts';
import { FACE_THRESHOLDS as T } from './face-quality.ts';

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

  it("mouthMeasures: the lips' gap and the corners' lift over the mouth's width, the same on a tilted head", () => {
    expect(mouthMeasures([[0, 0, 0]])).toEqual({ gap: NaN, lift: NaN });
    const mesh = Array.from({ length: 468 }, () => [0, 0, 0]);
    // Corners at y 100, lips' middle 10 px lower (a smile), lips 5 px apart, mouth 100 px wide.
    Object.assign(mesh, { 61: [0, 100, 0], 291: [100, 100, 0], 13: [50, 107.5, 0], 14: [50, 112.5, 0] });
    const upright = mouthMeasures(mesh);
    expect(upright.gap).toBeCloseTo(0.05);
    expect(upright.lift).toBeCloseTo(0.1);
    // The same mouth turned 30°.
    const turn = (x: number, y: number) => [x * Math.cos(0.5236) - y * Math.sin(0.5236), x * Math.sin(0.5236) + y * Math.cos(0.5236), 0];
    for (const i of [61, 291, 13, 14]) {
      const [x = 0, y = 0] = mesh[i] ?? [];
      mesh[i] = turn(x, y);
    }
    const tilted = mouthMeasures(mesh);
    expect(tilted.gap).toBeCloseTo(0.05);
    expect(tilted.lift).toBeCloseTo(0.1);
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
