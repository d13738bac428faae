import { describe, expect, it } from 'vitest';
import { FaceIndex, MAX_DUPLICATES } from './face-index.ts';
import { DUPLICATE_RATIO, PASS_RATIO, similarityRatio } from './face-match.ts';

const DIMS = 8;

/** A unit vector along axis `axis`, tilted towards axis `axis + 1` so its cosine with the axis is `cosine`. */
function near(axis: number, cosine: number): Float32Array {
  const v = new Float32Array(DIMS);
  v[axis] = cosine;
  v[(axis + 1) % DIMS] = Math.sqrt(1 - cosine * cosine);
  return v;
}

describe('FaceIndex', () => {
  it('calls a duplicate a face that would pass a validation as that customer (decision 009)', () => {
    expect(DUPLICATE_RATIO).toBe(PASS_RATIO);
  });

  it('names faces of other documents at or above the threshold, most similar first, one per document', () => {
    const index = new FaceIndex(DIMS, 1);
    index.add({ registrationKey: 'same-doc', document: 'A' }, near(0, 1));
    index.add({ registrationKey: 'b-old', document: 'B' }, near(0, 0.85));
    index.add({ registrationKey: 'b-new', document: 'B' }, near(0, 0.95));
    index.add({ registrationKey: 'c', document: 'C' }, near(0, 0.9));
    index.add({ registrationKey: 'far', document: 'D' }, near(3, 1));
    const found = index.similarFaces(near(0, 1), 'A');
    expect(found.map((f) => f.registrationKey)).toEqual(['b-new', 'c']);
    expect(found[0]?.similarityRatio).toBe(similarityRatio(0.95));
    expect(index.size).toBe(5);
  });

  it('draws the line at the ratio the answer shows, not at the raw cosine', () => {
    const index = new FaceIndex(DIMS);
    // The cosines just below and at the one that rounds to DUPLICATE_RATIO.
    const atThreshold = 0.5 + (0.5 * (DUPLICATE_RATIO - 0.5)) / 100 + 1e-6;
    const below = 0.5 + (0.5 * (DUPLICATE_RATIO - 0.5)) / 100 - 1e-4;
    index.add({ registrationKey: 'at', document: 'B' }, near(0, atThreshold));
    index.add({ registrationKey: 'below', document: 'C' }, near(0, below));
    expect(index.similarFaces(near(0, 1), 'A').map((f) => [f.registrationKey, f.similarityRatio])).toEqual([['at', DUPLICATE_RATIO]]);
  });

  it('names at most MAX_DUPLICATES, the newest on ties, and ignores scale and malformed descriptors', () => {
    const index = new FaceIndex(DIMS);
    for (let i = 0; i < MAX_DUPLICATES + 3; i += 1) {
      index.add(
        { registrationKey: `k${String(i)}`, document: `doc${String(i)}` },
        near(0, 1).map((x) => x * (i + 1)),
      );
    }
    index.add({ registrationKey: 'zeros', document: 'Z' }, new Float32Array(DIMS));
    index.add({ registrationKey: 'short', document: 'S' }, new Float32Array(DIMS - 1).fill(1));
    const found = index.similarFaces(near(0, 1), 'A');
    expect(found).toHaveLength(MAX_DUPLICATES);
    expect(found[0]).toMatchObject({ registrationKey: `k${String(MAX_DUPLICATES + 2)}`, similarityRatio: 100 });
    expect(index.size).toBe(MAX_DUPLICATES + 3);
    expect(index.similarFaces(new Float32Array(DIMS), 'A')).toEqual([]);
  });
});
