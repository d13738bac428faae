import { useEffect, useRef, useState } from 'react';
import type { FaceBox, FaceStatus } from '../../../../contract/face-quality.ts';

/** How long the face must stay good before the picture is taken by itself. */
const AUTO_CAPTURE_AFTER_MS = 700;
/** A new hint is read to screen readers only once the previous one has stood this long. */
const ANNOUNCE_EVERY_MS = 2000;

export type Guidance =
  | { state: 'loading' }
  | { state: 'unavailable' }
  /** `boxes`: every face counted, the main one first. */
  | { state: 'checked'; status: FaceStatus | 'ok'; boxes: FaceBox[]; width: number; height: number };

/**
 * Checks the live camera frame after frame with the same rules as the emulator, one check at a
 * time (~17 a second here), and calls `onSteady` once the face has been good for a short, steady
 * moment, if `armed` (a face good while unarmed is taken as soon as it is armed). `announce` gets
 * each new hint, at most every two seconds, so screen readers are not flooded.
 */
export function useFaceGuidance(
  currentVideo: () => HTMLVideoElement | null | undefined,
  active: boolean,
  onSteady: () => void,
  announce: (status: FaceStatus | 'ok') => void,
  armed = true,
): Guidance {
  const [guidance, setGuidance] = useState<Guidance>({ state: 'loading' });
  const steady = useRef(onSteady);
  const speak = useRef(announce);
  const isArmed = useRef(armed);
  useEffect(() => {
    steady.current = onSteady;
    speak.current = announce;
    isArmed.current = armed;
  });

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const isStopped = () => stopped;
    let goodSince: number | undefined;
    let fired = false;
    let lastAnnounced: { status: FaceStatus | 'ok' | undefined; at: number } = { status: undefined, at: 0 };
    void (async () => {
      let judge: typeof import('../../../lib/face/face-detector.ts').judgePicture;
      try {
        const detector = await import('../../../lib/face/face-detector.ts');
        await detector.loadFaceDetector();
        judge = detector.judgePicture;
      } catch {
        if (!isStopped()) setGuidance({ state: 'unavailable' });
        return;
      }
      while (!isStopped()) {
        // The element on screen now, asked every time: a camera restarted by a retake or a change of
        // camera is a new <video>.
        const video = currentVideo();
        if (video === null || video === undefined || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const { videoWidth: width, videoHeight: height } = video;
        const { verdict } = await judge(video, width, height);
        if (isStopped()) break;
        const status = verdict.ok ? 'ok' : verdict.status;
        setGuidance({ state: 'checked', status, boxes: verdict.faces.map((face) => face.box), width, height });
        const now = performance.now();
        if (status !== lastAnnounced.status && now - lastAnnounced.at >= ANNOUNCE_EVERY_MS) {
          lastAnnounced = { status, at: now };
          speak.current(status);
        }
        if (status === 'ok') {
          goodSince ??= now;
          if (!fired && isArmed.current && now - goodSince >= AUTO_CAPTURE_AFTER_MS) {
            fired = true;
            steady.current();
          }
        } else {
          goodSince = undefined;
        }
        // Let the page paint between checks.
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
    })();
    return () => {
      stopped = true;
    };
  }, [active, currentVideo]);

  return guidance;
}
