import type { CropBox, FaceBox, FaceStatus, FaceWarning } from '../../../../contract/face-quality.ts';

/*
 * What the console's face check said of a picture, apart from the preview that runs it: the
 * preview is loaded only once there is a picture, the words for a refusal are needed before.
 */

export type PictureCheck =
  | { state: 'checking' }
  | { state: 'unavailable' }
  | {
      state: 'done';
      status: FaceStatus | 'ok';
      /** Every face counted, the main one first. */
      boxes: FaceBox[];
      /** Advisory: QI Tech's rules it gives no status for (mouth, expression, eyes); never blocking. */
      warnings: FaceWarning[];
      /** The crop offered: around a face only too small, or the main face of several (contract/face-quality.ts). */
      crop: CropBox | undefined;
    };

/** Where the picture came from: the camera's hints speak of its oval, a chosen photo has none. */
export type PictureOrigin = 'camera' | 'photo';

/** The words for a refusal, the same in the preview and in the confirmation that names it. */
export function refusalReasonKey(status: FaceStatus, origin: PictureOrigin) {
  return origin === 'photo' && status === 'no_face' ? 'register.check.noFaceInPhoto' : (`register.webcam.guidance.${status}` as const);
}
