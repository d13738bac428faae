import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE_PX } from '../../contract/image.ts';
import { Problem } from '../lib/problem.ts';
import type { NewImage } from './store.ts';

/** A picture that decoded cleanly: what face checks receive. */
export interface DecodedPicture {
  content: Buffer;
  mediaType: NewImage['mediaType'];
  width: number;
  height: number;
}

/**
 * Where face checks plug in (issue: capture quality). Throw a Problem with
 * `image_status` to refuse the picture, as QI Tech answers `image_quality`; resolve to accept.
 */
export type FaceCheck = (picture: DecodedPicture) => Promise<void>;

export const acceptEveryFace: FaceCheck = () => Promise.resolve();

const MEDIA_TYPES = { jpeg: 'image/jpeg', png: 'image/png' } as const;

function isAccepted(format: string | undefined): format is keyof typeof MEDIA_TYPES {
  return format === 'jpeg' || format === 'png';
}

const UNREADABLE = 'The picture could not be read: it is not a JPEG or PNG file. Send a photo saved as JPEG or PNG.';
const DAMAGED =
  'The picture is damaged or incomplete (was the file cut short while copying or uploading?). Take or export the photo again and send the new file.';

/**
 * Judges a picture by its content, never by a name or a claim: JPEG or PNG, big enough for a
 * face check, small enough to decode safely, and whole (every byte decodes without a warning).
 */
export async function inspectPicture(content: Buffer): Promise<DecodedPicture> {
  let metadata: Metadata;
  try {
    metadata = await sharp(content, { limitInputPixels: false }).metadata();
  } catch (error) {
    // sharp names a broken header "corrupt header"; anything else it cannot identify is no image.
    throw new Problem(
      400,
      'invalid_image',
      error instanceof Error && /corrupt|premature|truncat/i.test(error.message) ? DAMAGED : UNREADABLE,
    );
  }
  if (!isAccepted(metadata.format)) {
    throw new Problem(
      400,
      'unsupported_image_format',
      `The picture is ${metadata.format.toUpperCase()}; only JPEG and PNG are accepted. Save or export it as JPEG and send it again.`,
    );
  }
  const { width, height } = metadata;
  if (width < MIN_IMAGE_SIDE_PX || height < MIN_IMAGE_SIDE_PX) {
    throw new Problem(
      400,
      'image_too_small',
      `The picture is ${String(width)}x${String(height)} pixels; both sides must be at least ${String(MIN_IMAGE_SIDE_PX)} pixels for the face to be checked. Use the camera's full resolution or a larger photo.`,
    );
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new Problem(
      400,
      'image_too_large',
      `The picture is ${String(width)}x${String(height)} pixels; at most ${String(MAX_IMAGE_PIXELS / 1_000_000)} megapixels are accepted. Reduce its resolution and send it again.`,
    );
  }
  try {
    // A whole decode is the only sure test of a complete file. Colour profiles are irrelevant to
    // that test and cost more than the decode itself, so they are ignored; a JPEG is decoded
    // at reduced scale (every coefficient is still read, which is what finds truncation).
    await sharp(content, { failOn: 'warning', ignoreIcc: true, limitInputPixels: MAX_IMAGE_PIXELS })
      .resize({ width: Math.max(1, Math.floor(width / 8)), fastShrinkOnLoad: true })
      .raw()
      .toBuffer();
  } catch {
    throw new Problem(400, 'invalid_image', DAMAGED);
  }
  return { content, mediaType: MEDIA_TYPES[metadata.format], width, height };
}
