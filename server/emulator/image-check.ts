import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE_PX } from '../../contract/image.ts';
import { oneAtATime } from '../lib/one-at-a-time.ts';
import { Problem } from '../lib/problem.ts';
import type { FaceDescriptor } from './face-match.ts';
import type { NewImage } from './store.ts';

/**
 * Longest side of the pixels a decode keeps (the face detector's input size): a picture larger
 * than this is reduced in the same pass that decodes it, so that a 50 MP picture costs ~5 MB of
 * pixels rather than ~150–200 MB while it waits for its face check.
 */
const DECODED_MAX_SIDE = 1280;

/** A picture that decoded cleanly: what face checks receive. */
export interface DecodedPicture {
  content: Buffer;
  mediaType: NewImage['mediaType'];
  /** The picture's own size, as stored and answered (`width_px`, `height_px`). */
  width: number;
  height: number;
  /**
   * Its pixels, reduced at decode to at most DECODED_MAX_SIDE a side (never enlarged: a picture
   * within it keeps every pixel), interleaved, `channels` per pixel, EXIF orientation not applied.
   */
  pixels: { data: Buffer; width: number; height: number; channels: number };
}

/**
 * Where face checks plug in (issue: capture quality). Throw a Problem with
 * `image_status` to refuse the picture, as QI Tech answers `image_quality`; resolve to accept,
 * with the accepted face's descriptor (face-match.ts) when the check computed one.
 */
export type FaceCheck = (picture: DecodedPicture) => Promise<FaceDescriptor | undefined>;

/** No check and no descriptor (EMULATOR_FACE_CHECK=off): such pictures cannot be validated 1:1. */
export const acceptEveryFace: FaceCheck = () => Promise.resolve(undefined);

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

// libvips's operation cache keeps recent loads open, and an open progressive JPEG keeps libjpeg's
// whole coefficient buffer (~150 MB at 49 MP, outside the cache's 50 MB accounting): 8 of them
// held 1.2 GB after their answers. The emulator never decodes the same bytes twice: no cache.
// (sharp is used by these two files only in the server.)
sharp.cache(false);

/**
 * Runs decodes one at a time in the process. What a decode holds while it runs is not the pixels
 * it keeps but libvips's and the decoder's buffers: ~45 MB for a 49 MP PNG reduced to 1280 px,
 * ~150 MB for a 49 MP progressive JPEG (libjpeg keeps its whole coefficient buffer); four at once
 * (libuv's threads) would hold four times that. An ordinary picture decodes in ~6 ms, several
 * times faster than its detection (~150 ms with the descriptor, on FACE_CHECK_WORKERS threads):
 * decodes one at a time keep the detectors busy.
 */
const oneDecodeAtATime = oneAtATime();

/**
 * Judges a picture by its content, never by a name or a claim: JPEG or PNG by its signature,
 * whole (every byte decodes without a warning, which is what finds a truncated or corrupt file),
 * not a decompression bomb (the pixel count is checked from the header before decoding), and
 * big enough for a face check. Its pixels are kept reduced to DECODED_MAX_SIDE.
 */
export async function inspectPicture(content: Buffer): Promise<DecodedPicture> {
  const mediaType = mediaTypeOf(content);
  if (mediaType === undefined) throw await explain(content, mediaType);
  let size: Metadata;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    [size, decoded] = await oneDecodeAtATime(async () => [
      // The header's size: the decode below answers the reduced one only.
      await sharp(content).metadata(),
      // One decode answers everything. The reduction runs in the same pass, streamed: every row of
      // the picture is still decoded (a truncated or corrupt file still fails with its warning),
      // but only the reduced pixels are ever held. No shrink-on-load: libjpeg's DCT scaling would
      // give other pixels than a full decode reduced, the input detection always had. Colour
      // profiles are irrelevant to these checks and cost more than the decode itself: ignored.
      await sharp(content, { failOn: 'warning', ignoreIcc: true, limitInputPixels: MAX_IMAGE_PIXELS })
        .resize({ width: DECODED_MAX_SIDE, height: DECODED_MAX_SIDE, fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: false })
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ]);
  } catch {
    throw await explain(content, mediaType);
  }
  const { width, height } = size;
  if (width < MIN_IMAGE_SIDE_PX || height < MIN_IMAGE_SIDE_PX) {
    throw new Problem(
      400,
      'image_too_small',
      `The picture is ${String(width)}x${String(height)} pixels; both sides must be at least ${String(MIN_IMAGE_SIDE_PX)} pixels for the face to be checked. Use the camera's full resolution or a larger photo.`,
    );
  }
  const { info } = decoded;
  return {
    content,
    mediaType,
    width,
    height,
    pixels: { data: decoded.data, width: info.width, height: info.height, channels: info.channels },
  };
}
