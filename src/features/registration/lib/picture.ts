/** A picture ready to send: what the image pipeline produces (plain base64, never a data: prefix). */
export interface Picture {
  base64: string;
  blob: Blob;
  width: number;
  height: number;
  bytes: number;
}

/** The image pipeline is loaded only when a photo is chosen or captured: it is not on the first page's path. */
export const loadImagePipeline = () => import('./prepare-image.ts');
