import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeFace } from '../../contract/face-quality.ts';
import { loadConfig } from '../config.ts';
import { detectFaces, detectorPoolState, detectedFaceCheck, loadFaceDetector, useDetectorWorkers } from '../emulator/face-detector.ts';
import { inspectPicture } from '../emulator/image-check.ts';
import { fixture } from './helper.ts';

// Issue 17: detections on worker threads (piscina), each with its own Human. The results must be
// the same as this thread's, whatever thread a picture lands on, with several pictures at once.
const PICTURES = ['face-single-centered.jpg', 'faces-two.jpg', 'face-too-small.jpg', 'no-face-cat.png', 'portrait-A000014.jpg'];

const picture = (name: string) => inspectPicture(fixture(name));

/** What a detection gives, in this thread (no pool started yet). */
const inThisThread = new Map<string, Awaited<ReturnType<typeof detectFaces>>>();

let release: () => Promise<void>;

beforeAll(async () => {
  await loadFaceDetector();
  for (const name of PICTURES) inThisThread.set(name, await detectFaces(await picture(name)));
  release = useDetectorWorkers(2);
}, 60_000);

afterAll(async () => {
  await release();
});

describe('the face detector pool (FACE_CHECK_WORKERS)', () => {
  it('measures every picture as this thread does, on two workers at once', async () => {
    const before = detectorPoolState().completed;
    const names = [...PICTURES, ...PICTURES];
    const results = await Promise.all(names.map(async (name) => detectFaces(await picture(name))));
    expect(detectorPoolState()).toEqual({ threads: 2, completed: before + names.length });
    results.forEach((detection, i) => {
      expect(detection).toEqual(inThisThread.get(names[i] ?? ''));
    });
    // Accepted and refused pictures alike went through the workers.
    expect(new Set(results.map((detection) => judgeFace(detection).ok))).toEqual(new Set([true, false]));
  }, 60_000);

  it("gives an accepted picture its face's descriptor, and refuses the others with QI Tech's image_quality", async () => {
    const descriptor = await detectedFaceCheck(await picture('face-single-centered.jpg'));
    expect(descriptor).toBeInstanceOf(Float32Array);
    expect(descriptor?.length).toBe(1024);
    await expect(detectedFaceCheck(await picture('no-face-cat.png'))).rejects.toMatchObject({
      title: 'image_quality',
      imageStatus: 'no_face',
    });
  }, 60_000);

  it('stops its threads when its last user gives it back, and detections go on in this thread', async () => {
    const second = useDetectorWorkers(4);
    await second();
    expect(detectorPoolState().threads).toBe(2);
    await release();
    expect(detectorPoolState()).toEqual({ threads: 0, completed: 0 });
    const detection = await detectFaces(await picture('face-single-centered.jpg'));
    expect(detection).toEqual(inThisThread.get('face-single-centered.jpg'));
    release = useDetectorWorkers(0);
  }, 60_000);
});

describe('FACE_CHECK_WORKERS', () => {
  it('defaults to the cores (1 to 4), takes 0 to 16, and stops the start with its name on anything else', () => {
    expect(loadConfig({}).faceCheckWorkers).toBeGreaterThanOrEqual(1);
    expect(loadConfig({}).faceCheckWorkers).toBeLessThanOrEqual(4);
    expect(loadConfig({ FACE_CHECK_WORKERS: '0' }).faceCheckWorkers).toBe(0);
    expect(loadConfig({ FACE_CHECK_WORKERS: '16' }).faceCheckWorkers).toBe(16);
    for (const wrong of ['17', '-1', '1.5', 'two']) {
      expect(() => loadConfig({ FACE_CHECK_WORKERS: wrong }), wrong).toThrow(/FACE_CHECK_WORKERS/);
    }
  });
});
