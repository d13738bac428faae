import { MAX_IMAGE_BYTES, MIN_IMAGE_SIDE_PX } from '../../../../contract/image.ts';
import type { Picture } from './picture.ts';

/**
 * A face check needs far fewer pixels than a phone's 12 MP: 1280 px keeps the face sharp, the
 * upload quick and the JPEG well under QI Tech's 3 MB.
 */
export const MAX_LONGEST_SIDE = 1280;

/**
 * Tried in order until the JPEG fits. 0.9 is visually lossless for a face and, in Chromium, keeps
 * even 1280x1280 pure noise near 1.4 MB; the lower steps are a safety net for browsers whose
 * encoders spend more bytes.
 */
export const JPEG_QUALITIES = [0.9, 0.8, 0.7, 0.6, 0.5] as const;

/** When even the lowest quality is too big, the sides shrink by this factor and the qualities are tried again. */
export const SHRINK_FACTOR = 0.8;

export const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export type PrepareImageErrorCode = 'unsupported_type' | 'unreadable' | 'too_small' | 'too_large';

/**
 * A picture the console will not send; `code` picks the message the person sees. `size` is the
 * picture's own size where it is the reason (`too_small`), for the message to name it.
 */
export class PrepareImageError extends Error {
  override readonly name = 'PrepareImageError';
  readonly code: PrepareImageErrorCode;
  readonly size: { width: number; height: number } | undefined;

  constructor(code: PrepareImageErrorCode, message: string, options?: ErrorOptions & { size?: { width: number; height: number } }) {
    super(message, options);
    this.code = code;
    this.size = options?.size;
  }
}

export interface PrepareImageOptions {
  /** Ceiling of the JPEG; lower than QI Tech's only to exercise the fitting in tests. */
  maxBytes?: number;
}

/**
 * A chosen photo as QI Tech will receive it. The type is judged by the first bytes, because a
 * file's name and MIME type are whatever the person's system claims.
 */
export async function prepareImageFile(file: Blob, options: PrepareImageOptions = {}): Promise<Picture> {
  let head: Uint8Array;
  try {
    head = new Uint8Array(await file.slice(0, PNG_SIGNATURE.length).arrayBuffer());
  } catch (error) {
    // A file removed or changed on disk after it was chosen cannot be read any more.
    throw new PrepareImageError('unreadable', 'The file could not be read.', { cause: error });
  }
  if (!startsWith(head, JPEG_SIGNATURE) && !startsWith(head, PNG_SIGNATURE)) {
    throw new PrepareImageError('unsupported_type', 'The file is neither a JPEG nor a PNG picture.');
  }

  let bitmap: ImageBitmap;
  try {
    // Phones store portraits sideways and say so in EXIF; the face must reach QI Tech upright.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new PrepareImageError('unreadable', 'The picture could not be decoded: the file is damaged.', { cause: error });
  }
  try {
    return await encode(bitmap, bitmap.width, bitmap.height, options.maxBytes ?? MAX_IMAGE_BYTES);
  } finally {
    bitmap.close();
  }
}

/**
 * A webcam frame as QI Tech will receive it. `width` and `height` are the frame's own size
 * (a video's `videoWidth`/`videoHeight`). The preview is mirrored with CSS only, so the pixels
 * drawn here are the camera's, unmirrored, as a face check expects.
 */
export async function prepareFrame(
  source: CanvasImageSource,
  width: number,
  height: number,
  options: PrepareImageOptions = {},
): Promise<Picture> {
  if (!(Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0)) {
    // A video that has not started yet reports 0x0.
    throw new PrepareImageError('unreadable', 'The camera has not delivered a picture yet.');
  }
  return encode(source, Math.round(width), Math.round(height), options.maxBytes ?? MAX_IMAGE_BYTES);
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}

async function encode(source: CanvasImageSource, width: number, height: number, maxBytes: number): Promise<Picture> {
  const scale = Math.min(1, MAX_LONGEST_SIDE / Math.max(width, height));
  let targetWidth = Math.round(width * scale);
  let targetHeight = Math.round(height * scale);
  // Checked after the downscale: a panorama thin enough to fall under the minimum would be refused upstream.
  if (Math.min(targetWidth, targetHeight) < MIN_IMAGE_SIDE_PX) {
    throw new PrepareImageError('too_small', `The picture is too small: each side needs at least ${String(MIN_IMAGE_SIDE_PX)} pixels.`, {
      size: { width, height },
    });
  }

  for (;;) {
    const blob = await encodeWithin(source, targetWidth, targetHeight, maxBytes);
    if (blob) {
      return { base64: await toBase64(blob), blob, width: targetWidth, height: targetHeight, bytes: blob.size };
    }
    const nextWidth = Math.round(targetWidth * SHRINK_FACTOR);
    const nextHeight = Math.round(targetHeight * SHRINK_FACTOR);
    if (Math.min(nextWidth, nextHeight) < MIN_IMAGE_SIDE_PX) {
      throw new PrepareImageError('too_large', 'The picture cannot be made small enough to send.');
    }
    targetWidth = nextWidth;
    targetHeight = nextHeight;
  }
}

/** The first JPEG of JPEG_QUALITIES at this size that fits in maxBytes, or null. */
async function encodeWithin(source: CanvasImageSource, width: number, height: number, maxBytes: number): Promise<Blob | null> {
  const canvas = new OffscreenCanvas(width, height);
  try {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    // JPEG has no transparency: a transparent PNG would otherwise come out black.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.imageSmoothingQuality = 'high';
    context.drawImage(source, 0, 0, width, height);
    for (const quality of JPEG_QUALITIES) {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      if (blob.size <= maxBytes) return blob;
    }
    return null;
  } catch (error) {
    throw new PrepareImageError('unreadable', 'The picture could not be converted to JPEG.', { cause: error });
  } finally {
    // Releases the pixel buffer now rather than at the next garbage collection.
    canvas.width = 0;
    canvas.height = 0;
  }
}

/**
 * The browser's own encoder: ~1 ms for a 200 KB JPEG where String.fromCharCode and btoa take ~10.
 * Its data URL lives only in this function; what leaves is the base64 after the comma.
 */
function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => {
      reject(new PrepareImageError('unreadable', 'The JPEG could not be read back.', { cause: reader.error }));
    };
    reader.readAsDataURL(blob);
  });
}
