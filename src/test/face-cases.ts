/**
 * One case of the face-quality subset (scripts/fixtures/face-cases.ts) as a browser test gets it
 * from `commands.faceCases()` (vitest.config.ts): where to fetch its bytes, the verdicts a person
 * would give, and the emulator's own verdict on the same bytes.
 */
export interface BrowserFaceCase {
  id: string;
  expected: readonly string[];
  url: string;
  /** The verdict of the emulator's detector (Node) on the same bytes: the browser's must be the same. */
  node: string;
}
