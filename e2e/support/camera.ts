// What a page gets from its camera, run inside the page (so in the origin the page was opened at):
// one frame through getUserMedia → <video> → <canvas>, the cameras it sees, the permission state.
import type { Page } from '@playwright/test';

export type CameraFrame =
  | { ok: true; width: number; height: number; /** the frame as PNG */ png: Buffer }
  | { ok: false; /** the DOMException's name: NotAllowedError, NotFoundError, … */ name: string; message: string };

// tsconfig.node.json type-checks Node code and has no DOM library; these are the few browser
// interfaces the functions below use inside the page.
interface Track {
  stop(): void;
}
interface Stream {
  getTracks(): Track[];
}
interface Video {
  muted: boolean;
  playsInline: boolean;
  srcObject: Stream | null;
  readonly videoWidth: number;
  readonly videoHeight: number;
  play(): Promise<void>;
  requestVideoFrameCallback(callback: () => void): number;
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { drawImage(image: Video, x: number, y: number): void } | null;
  toDataURL(type: string): string;
}
interface PageGlobals {
  navigator: {
    mediaDevices: {
      getUserMedia(constraints: { video: boolean }): Promise<Stream>;
      enumerateDevices(): Promise<{ kind: string }[]>;
    };
    permissions: { query(descriptor: { name: 'camera' }): Promise<{ state: 'granted' | 'denied' | 'prompt' }> };
  };
  document: { createElement(tag: 'video'): Video; createElement(tag: 'canvas'): Canvas };
}

/** Calls getUserMedia({video: true}) in `page`, draws the next frame to a canvas and stops the camera. */
export async function grabCameraFrame(page: Page): Promise<CameraFrame> {
  const result = await page.evaluate(async () => {
    const { navigator, document } = globalThis as unknown as PageGlobals;
    let stream: Stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return { ok: false as const, name, message };
    }
    try {
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      await video.play();
      // Wait for a frame to be presented, so that the canvas gets a decoded picture.
      await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext('2d');
      if (context === null) throw new Error('no 2d context');
      context.drawImage(video, 0, 0);
      return { ok: true as const, width: canvas.width, height: canvas.height, png: canvas.toDataURL('image/png').split(',')[1] ?? '' };
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });
  return result.ok ? { ...result, png: Buffer.from(result.png, 'base64') } : result;
}

/** How many cameras the page sees (`enumerateDevices`, kind `videoinput`). */
export function cameraCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const { navigator } = globalThis as unknown as PageGlobals;
    return (await navigator.mediaDevices.enumerateDevices()).filter((device) => device.kind === 'videoinput').length;
  });
}

/** The page's camera permission: `navigator.permissions.query({name: 'camera'})`. */
export function cameraPermission(page: Page): Promise<'granted' | 'denied' | 'prompt'> {
  return page.evaluate(async () => {
    const { navigator } = globalThis as unknown as PageGlobals;
    return (await navigator.permissions.query({ name: 'camera' })).state;
  });
}
