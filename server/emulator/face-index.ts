/*
 * Duplicate faces (issue 13): on each registration, the registered faces under *other* CPFs that
 * resemble the new one. A plain scan over every registered descriptor, held in memory, unit length,
 * so a similarity is one dot product. Chosen from `npm run bench -- face-search` (decision 009):
 * at 100,000 descriptors a scan takes ~85 ms, less than one face check, with exact answers; an
 * approximate index would add a native dependency to save time nobody waits for.
 */
import { DUPLICATE_RATIO, similarityRatio } from './face-match.ts';
import type { FaceDescriptor } from './face-match.ts';

/** One registered face, as the index holds it besides its descriptor. */
export interface IndexedFace {
  registrationKey: string;
  document: string;
}

/** A face under another CPF at or above the threshold. */
export interface SimilarFace extends IndexedFace {
  similarityRatio: number;
}

/** At most this many other CPFs are named on a registration: the most similar. */
export const MAX_DUPLICATES = 5;

/** The cosine of DUPLICATE_RATIO: the least similarity a duplicate has (inverse of similarityRatio). */
function minimumCosine(ratio: number): number {
  // similarityRatio rounds: ratio r is reached from (r − 0.5) upwards.
  return 0.5 + (0.5 * (ratio - 0.5)) / 100;
}

/** The descriptor scaled to length 1; undefined for an empty or all-zero one, which matches nothing. */
function unitLength(descriptor: FaceDescriptor): Float32Array | undefined {
  let norm = 0;
  for (const value of descriptor) norm += value * value;
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const scale = 1 / Math.sqrt(norm);
  return descriptor.map((value) => value * scale);
}

/**
 * The dot product of `probe` with `vectors[offset…offset + length)`: the scan's whole cost, so four
 * sums at a time (half the time of a plain loop on V8, measured by the face-search bench).
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- every index is below `length`, which both arrays hold */
function dotProduct(probe: Float32Array, vectors: Float32Array, offset: number, length: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    const o = offset + i;
    d0 += probe[i]! * vectors[o]!;
    d1 += probe[i + 1]! * vectors[o + 1]!;
    d2 += probe[i + 2]! * vectors[o + 2]!;
    d3 += probe[i + 3]! * vectors[o + 3]!;
  }
  for (; i < length; i += 1) d0 += probe[i]! * vectors[offset + i]!;
  return d0 + d1 + d2 + d3;
}
/* eslint-enable @typescript-eslint/no-non-null-assertion */

export class FaceIndex {
  readonly #dimensions: number;
  #vectors: Float32Array;
  readonly #faces: IndexedFace[] = [];

  constructor(dimensions: number, capacity = 1024) {
    this.#dimensions = dimensions;
    this.#vectors = new Float32Array(dimensions * capacity);
  }

  get size(): number {
    return this.#faces.length;
  }

  /** The bytes the descriptors take (capacity included: it doubles as faces are added). */
  get descriptorBytes(): number {
    return this.#vectors.byteLength;
  }

  /** Adds a registered face; a descriptor of another length or all zeros is left out (it can match nothing). */
  add(face: IndexedFace, descriptor: FaceDescriptor): void {
    if (descriptor.length !== this.#dimensions) return;
    const unit = unitLength(descriptor);
    if (unit === undefined) return;
    const row = this.#faces.length;
    if ((row + 1) * this.#dimensions > this.#vectors.length) {
      const grown = new Float32Array(this.#vectors.length * 2);
      grown.set(this.#vectors);
      this.#vectors = grown;
    }
    this.#vectors.set(unit, row * this.#dimensions);
    this.#faces.push(face);
  }

  /**
   * The faces registered under other documents than `document` with a similarity_ratio of at least
   * `minRatio`: each other document once (its most similar registration), most similar first, then
   * newest first; at most `limit`.
   */
  similarFaces(descriptor: FaceDescriptor, document: string, minRatio = DUPLICATE_RATIO, limit = MAX_DUPLICATES): SimilarFace[] {
    if (descriptor.length !== this.#dimensions) return [];
    const probe = unitLength(descriptor);
    if (probe === undefined) return [];
    const floor = minimumCosine(minRatio);
    const dims = this.#dimensions;
    const vectors = this.#vectors;
    const best = new Map<string, { face: IndexedFace; row: number; cosine: number }>();
    for (let row = 0; row < this.#faces.length; row += 1) {
      const dot = dotProduct(probe, vectors, row * dims, dims);
      if (dot < floor) continue;
      const face = this.#faces[row];
      if (face === undefined || face.document === document) continue;
      const known = best.get(face.document);
      // Later rows are newer registrations: on a tie the newer one is named.
      if (known === undefined || dot >= known.cosine) best.set(face.document, { face, row, cosine: dot });
    }
    return [...best.values()]
      .map(({ face, row, cosine }) => ({ face, row, ratio: similarityRatio(cosine) }))
      .filter(({ ratio }) => ratio >= minRatio)
      .sort((a, b) => b.ratio - a.ratio || b.row - a.row)
      .slice(0, limit)
      .map(({ face, ratio }) => ({ ...face, similarityRatio: ratio }));
  }
}
