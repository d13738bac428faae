import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE_PX } from '../../contract/image.ts';
import { Problem } from '../lib/problem.ts';
import type { NewImage } from './store.ts';

/** A picture that decoded cleanly: what face checks receive. */
export interface DecodedPicture {
  content: Buffer;
  mediaType: NewImage['mediaType'];
  width: number;
  height: number;
  /** The decoded pixels, interleaved, `channels` per pixel, EXIF orientation not applied. */
  pixels: Buffer;
  channels: number;
}

/**
 * Where face checks plug in (issue: capture quality). Throw a Problem with
 * `image_status` to refuse the picture, as QI Tech answers `image_quality`; resolve to accept.
 */
export type FaceCheck = (picture: DecodedPicture) => Promise<void>;

export const acceptEveryFace: FaceCheck = () => Promise.resolve();

const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function mediaTypeOf(content: Buffer): NewImage['mediaType'] | undefined {
  if (content.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) return 'image/jpeg';
  if (content.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'image/png';
  return undefined;
}

const UNREADABLE = 'The picture could not be read: it is not a JPEG or PNG file. Send a photo saved as JPEG or PNG.';
const DAMAGED =
  'The picture is damaged or incomplete (was the file cut short while copying or uploading?). Take or export the photo again and send the new file.';

/** Explains a refusal on the slow path only: the header is read again to name the format or the size. */
async function explain(content: Buffer, mediaType: NewImage['mediaType'] | undefined): Promise<Problem> {
  let metadata: Metadata;
  try {
    metadata = await sharp(content, { limitInputPixels: false }).metadata();
  } catch {
    return new Problem(400, 'invalid_image', mediaType === undefined ? UNREADABLE : DAMAGED);
  }
  if (mediaType === undefined) {
    return new Problem(
      400,
      'unsupported_image_format',
      `The picture is ${metadata.format.toUpperCase()}; only JPEG and PNG are accepted. Save or export it as JPEG and send it again.`,
    );
  }
  if (metadata.width * metadata.height > MAX_IMAGE_PIXELS) {
    return new Problem(
      400,
      'image_too_large',
      `The picture is ${String(metadata.width)}x${String(metadata.height)} pixels; at most ${String(MAX_IMAGE_PIXELS / 1_000_000)} megapixels are accepted. Reduce its resolution and send it again.`,
    );
  }
  return new Problem(400, 'invalid_image', DAMAGED);
}

/**
 * Judges a picture by its content, never by a name or a claim: JPEG or PNG by its signature,
 * whole (every byte decodes without a warning, which is what finds a truncated or corrupt file),
 * not a decompression bomb (the pixel count is checked from the header before decoding), and
 * big enough for a face check.
 */
export async function inspectPicture(content: Buffer): Promise<DecodedPicture> {
  const mediaType = mediaTypeOf(content);
  if (mediaType === undefined) throw await explain(content, mediaType);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // One decode answers everything: colour profiles are irrelevant to these checks and cost
    // more than the decode itself, so they are ignored.
    decoded = await sharp(content, { failOn: 'warning', ignoreIcc: true, limitInputPixels: MAX_IMAGE_PIXELS })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw await explain(content, mediaType);
  }
  const { width, height, channels } = decoded.info;
  if (width < MIN_IMAGE_SIDE_PX || height < MIN_IMAGE_SIDE_PX) {
    throw new Problem(
      400,
      'image_too_small',
      `The picture is ${String(width)}x${String(height)} pixels; both sides must be at least ${String(MIN_IMAGE_SIDE_PX)} pixels for the face to be checked. Use the camera's full resolution or a larger photo.`,
    );
  }
  return { content, mediaType, width, height, pixels: decoded.data, channels };
}
