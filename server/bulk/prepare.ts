import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE_PX } from '../../contract/image.ts';
import type { CheckOutcome } from './store.ts';

/*
 * A bulk row's photo as QI Tech will receive it, made as the desk's browser makes it
 * (src/features/registration/lib/prepare-image.ts): JPEG or PNG by its first bytes, turned upright
 * by its EXIF orientation, reduced to 1280 px on its longest side (never enlarged), flattened on
 * white, and encoded as JPEG at the first quality that fits in MAX_IMAGE_BYTES (the sides shrink
 * by a fifth when even the lowest does not).
 */

const MAX_LONGEST_SIDE = 1280;
const JPEG_QUALITIES = [90, 80, 70, 60, 50] as const;
const SHRINK_FACTOR = 0.8;

const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Problem = Extract<CheckOutcome, { status: 'problem' }>;

const problem = (kind: Problem['problem'], description: string): Problem => ({ status: 'problem', problem: kind, description });

const UNREADABLE = problem(
  'unreadable_image',
  'The photo could not be decoded: the file is damaged or incomplete. Export or copy the photo again and upload the new file.',
);

/** The prepared JPEG, or the row's problem. */
export async function preparePhoto(content: Buffer, maxBytes = MAX_IMAGE_BYTES): Promise<Buffer | Problem> {
  const isJpeg = content.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE);
  const isPng = content.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
  let metadata: Metadata;
  try {
    metadata = await sharp(content, { limitInputPixels: false }).metadata();
  } catch {
    return isJpeg || isPng
      ? UNREADABLE
      : problem('unsupported_image', 'The file is not a JPEG or PNG picture. Save or export the photo as JPEG and upload it again.');
  }
  if (!isJpeg && !isPng) {
    return problem(
      'unsupported_image',
      `The photo is ${metadata.format.toUpperCase()}; only JPEG and PNG are accepted. Save or export it as JPEG and upload it again.`,
    );
  }
  const { width, height } = metadata;
  if (width * height > MAX_IMAGE_PIXELS) {
    return problem(
      'image_too_large',
      `The photo is ${String(width)}x${String(height)} pixels; at most ${String(MAX_IMAGE_PIXELS / 1_000_000)} megapixels are accepted. Reduce its resolution and upload it again.`,
    );
  }
  // EXIF orientations 5–8 turn the picture a quarter: its upright sides are swapped.
  const [uprightWidth, uprightHeight] = (metadata.orientation ?? 1) >= 5 ? [height, width] : [width, height];
  const scale = Math.min(1, MAX_LONGEST_SIDE / Math.max(uprightWidth, uprightHeight));
  let targetWidth = Math.round(uprightWidth * scale);
  let targetHeight = Math.round(uprightHeight * scale);
  if (Math.min(targetWidth, targetHeight) < MIN_IMAGE_SIDE_PX) {
    return problem(
      'image_too_small',
      `The photo is ${String(uprightWidth)}x${String(uprightHeight)} pixels; both sides must be at least ${String(MIN_IMAGE_SIDE_PX)} pixels (after reduction to ${String(MAX_LONGEST_SIDE)} px) for the face to be checked. Use a larger photo.`,
    );
  }
  for (;;) {
    let pixels: { data: Buffer; info: OutputInfo };
    try {
      // One whole decode (a truncated or corrupt file fails on its warning), kept reduced.
      pixels = await sharp(content, { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS })
        .rotate()
        .resize({ width: targetWidth, height: targetHeight, fit: 'fill' })
        .flatten({ background: '#ffffff' })
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch {
      return UNREADABLE;
    }
    const { data, info } = pixels;
    for (const quality of JPEG_QUALITIES) {
      const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .jpeg({ quality })
        .toBuffer();
      if (jpeg.length <= maxBytes) return jpeg;
    }
    targetWidth = Math.round(targetWidth * SHRINK_FACTOR);
    targetHeight = Math.round(targetHeight * SHRINK_FACTOR);
    if (Math.min(targetWidth, targetHeight) < MIN_IMAGE_SIDE_PX) {
      return problem('image_too_large', 'The photo cannot be made small enough to send. Use a plainer or smaller photo.');
    }
  }
}
