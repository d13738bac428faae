import { commands } from 'vitest/browser';
import { describe, expect, it } from 'vitest';
import type { BrowserFaceCase } from '../../test/face-cases.ts';
import { judgePicture } from './face-detector.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** The fixed subset of the face-quality evaluation, written to disk and judged by the emulator (vitest.config.ts). */
    faceCases: () => Promise<BrowserFaceCase[]>;
  }
}

// The browser's face check on the fixed subset of the evaluation (scripts/fixtures/face-cases.ts):
// the verdict a person would give, and the very verdict the emulator gives the same bytes.
const cases = await commands.faceCases();

describe('the browser judges portraits it was never tuned on as a person would, and as the emulator does', () => {
  it('has the whole subset', () => {
    expect(cases).toHaveLength(45);
  });

  it.each(cases.map((c) => [c.id, c.expected.join(' or '), c] as const))(
    '%s → %s',
    async (_id, _expected, c) => {
      const blob = await (await fetch(c.url)).blob();
      // As the preview checks an uploaded photo: the browser's own decoder, at the picture's size.
      const bitmap = await createImageBitmap(blob);
      try {
        const { verdict } = await judgePicture(bitmap, bitmap.width, bitmap.height);
        const got = verdict.ok ? 'ok' : verdict.status;
        expect(c.expected).toContain(got);
        expect(got).toBe(c.node);
      } finally {
        bitmap.close();
      }
    },
    60_000,
  );
});
