import { beforeAll, describe, expect, it } from 'vitest';
import { judgeFace } from '../../contract/face-quality.ts';
import { faceTestCases } from '../../scripts/fixtures/face-cases.ts';
import { detectFaces, loadFaceDetector } from '../emulator/face-detector.ts';
import { inspectPicture } from '../emulator/image-check.ts';

// The emulator's face check on the fixed subset of the evaluation (scripts/fixtures/face-cases.ts):
// unseen portraits and variants made from them, each with the verdicts a person would give.
const cases = faceTestCases();

beforeAll(async () => {
  await loadFaceDetector();
}, 30_000);

describe('the emulator judges portraits it was never tuned on as a person would', () => {
  it('has the fixed subset: 5 portraits in 8 variants, and 5 pictures without a face', () => {
    expect(cases.filter((c) => !c.kind.startsWith('no-face'))).toHaveLength(40);
    expect(cases.filter((c) => c.kind.startsWith('no-face'))).toHaveLength(5);
  });

  it.each(cases.map((c) => [c.id, c.expected.join(' or '), c] as const))('%s → %s', async (_id, _expected, c) => {
    const verdict = judgeFace(await detectFaces(await inspectPicture(await c.make())));
    expect(c.expected).toContain(verdict.ok ? 'ok' : verdict.status);
  });
});
