/*
 * 1:1 face matching for POST /face_recognition/validation (issue 13): human's `faceres`
 * descriptor of a face (1024 numbers), stored as a Float32 BLOB, and the similarity of two of
 * them. The score, its 0–100 mapping and the pass threshold were chosen from measurement:
 * `npm run bench -- face-match` (docs/benchmarks.md) and docs/decisions/008-face-match-threshold.md.
 */

import { endianness } from 'node:os';

/** human's faceres descriptor of one face. */
export type FaceDescriptor = Float32Array;

/** How many numbers faceres gives a face. */
export const DESCRIPTOR_LENGTH = 1024;

const LITTLE_ENDIAN = endianness() === 'LE';

/** The descriptor as stored: its Float32 values, little-endian, 4 bytes each (4 KB for faceres). */
export function descriptorToBlob(descriptor: FaceDescriptor): Buffer {
  const blob = Buffer.alloc(descriptor.length * 4);
  descriptor.forEach((value, i) => blob.writeFloatLE(value, i * 4));
  return blob;
}

/** A stored descriptor back; undefined for a missing or malformed BLOB. */
export function descriptorFromBlob(blob: Buffer | null | undefined): FaceDescriptor | undefined {
  if (blob === null || blob === undefined || blob.length === 0 || blob.length % 4 !== 0) return undefined;
  if (LITTLE_ENDIAN) {
    // One copy of the bytes (a Float32Array needs 4-byte alignment, which a Buffer's slice may lack).
    const descriptor = new Float32Array(blob.length / 4);
    new Uint8Array(descriptor.buffer).set(blob);
    return descriptor;
  }
  const descriptor = new Float32Array(blob.length / 4);
  for (let i = 0; i < descriptor.length; i += 1) descriptor[i] = blob.readFloatLE(i * 4);
  return descriptor;
}

/** Cosine similarity of two descriptors, −1…1; NaN when their lengths differ or one is all zeros. */
export function cosineSimilarity(a: FaceDescriptor, b: FaceDescriptor): number {
  if (a.length !== b.length || a.length === 0) return NaN;
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? NaN : dot / Math.sqrt(aa * bb);
}

/**
 * The cosine mapped to 0 (`SIMILARITY_FLOOR`, about the impostors' upper percentiles) … 100 (1,
 * the same picture), linear, rounded, clamped: QI Tech documents `similarity_ratio` as an
 * integer 0–100 and nothing of its scale. See decision 008.
 */
export const SIMILARITY_FLOOR = 0.5;
/** `similarity_ratio` at or above which a validation passes (decision 008). */
export const PASS_RATIO = 60;
/**
 * `similarity_ratio` at or above which a face registered under another CPF is named as a duplicate
 * (decision 009): the same as PASS_RATIO (face-index.test.ts holds them equal), so a duplicate is a
 * face that would validate as that other customer.
 */
export const DUPLICATE_RATIO = 60;

export function similarityRatio(cosine: number): number {
  if (!Number.isFinite(cosine)) return 0;
  const ratio = Math.round((100 * (cosine - SIMILARITY_FLOOR)) / (1 - SIMILARITY_FLOOR));
  return Math.min(100, Math.max(0, ratio));
}

/** The ratio and the verdict of two descriptors. */
export function compareFaces(a: FaceDescriptor, b: FaceDescriptor): { similarity_ratio: number; validation_result: 'pass' | 'fail' } {
  const similarity_ratio = similarityRatio(cosineSimilarity(a, b));
  return { similarity_ratio, validation_result: similarity_ratio >= PASS_RATIO ? 'pass' : 'fail' };
}
