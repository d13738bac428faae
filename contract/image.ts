/** Image limits shared by the SPA (what it prepares), the console server and the emulator (what they accept). */

/**
 * QI Tech documents "3 MB at most" without saying which megabyte; 3,000,000 bytes is the stricter
 * reading, so a picture the emulator accepts is never refused upstream for its size.
 */
export const MAX_IMAGE_BYTES = 3_000_000;

/** Base64 length of MAX_IMAGE_BYTES: four characters for every three bytes. */
export const MAX_IMAGE_BASE64_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;

/** Smallest side a face check can work with (QI Tech documents no minimum; this is the emulator's choice). */
export const MIN_IMAGE_SIDE_PX = 200;

/** Largest picture decoded, in pixels: far above a 12 MP photo, far below a decompression bomb. */
export const MAX_IMAGE_PIXELS = 50_000_000;

// Searching for one bad character is ~5x faster than matching the whole string against the alphabet.
const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/=]/;

export type Base64Problem = 'empty' | 'data_url' | 'whitespace' | 'alphabet' | 'length';

/** Why a string is not strict (RFC 4648, padded, one line) base64; null when it is. */
export function base64Problem(value: string): Base64Problem | null {
  if (value.length === 0) return 'empty';
  if (OUTSIDE_ALPHABET.test(value)) {
    if (value.startsWith('data:')) return 'data_url';
    if (/\s/.test(value)) return 'whitespace';
    return 'alphabet';
  }
  // "=" pads the end only: one or two of them, last.
  const padding = value.indexOf('=');
  if (padding !== -1 && (padding < value.length - 2 || !value.endsWith('='))) return 'alphabet';
  if (value.length % 4 !== 0) return 'length';
  return null;
}

/** Decoded size of a strict base64 string, without decoding it. */
export function base64DecodedBytes(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

export const BASE64_MESSAGES: Record<Base64Problem, string> = {
  empty: 'image is empty. Send the picture as base64.',
  data_url: 'image starts with a "data:" header. Send only the base64 that follows "base64,".',
  whitespace: 'image contains spaces or line breaks. Send the base64 on one line, without whitespace.',
  alphabet: 'image is not base64: it has characters outside A-Z, a-z, 0-9, "+" and "/" (URL-safe "-" and "_" are not accepted).',
  length: 'image is not valid base64: its length must be a multiple of 4 (is padding "=" missing, or was it cut short?).',
};
