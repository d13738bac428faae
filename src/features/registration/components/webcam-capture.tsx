import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import Webcam from 'react-webcam';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { loadImagePipeline } from '../lib/picture.ts';
import { useFaceGuidance } from './use-face-guidance.ts';
import type { Picture } from '../lib/picture.ts';

/** Which camera this desk uses: the device id only, never a picture. */
const CAMERA_KEY = 'frc.cameraId';

type CameraProblem = 'denied' | 'noCamera' | 'inUse' | 'insecure' | 'other';

function problemOf(error: unknown): { problem: CameraProblem; name: string } {
  const name = error instanceof DOMException || error instanceof Error ? error.name : String(error);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return { problem: 'denied', name };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return { problem: 'noCamera', name };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return { problem: 'inUse', name };
    default:
      return { problem: 'other', name };
  }
}

function storedCamera(): string | undefined {
  try {
    return localStorage.getItem(CAMERA_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live camera (lazy-loaded with react-webcam): mirrored preview, as a mirror is what people
 * expect to see, but the captured pixels are the camera's own, unmirrored.
 */
export default function WebcamCapture({
  onPicture,
  onStop,
  autoCapture = true,
}: {
  onPicture: (picture: Picture) => void;
  onStop: () => void;
  /** False: the face is checked and shown, but the picture is taken only by the button. */
  autoCapture?: boolean;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const webcam = useRef<Webcam>(null);
  const speaking = useRef(autoCapture);
  useEffect(() => {
    speaking.current = autoCapture;
  });
  const [attempt, setAttempt] = useState(0);
  const [ready, setReady] = useState(false);
  const [capturing, setCapturing] = useState(false);
  const [failure, setFailure] = useState<{ problem: CameraProblem; name: string } | null>(() =>
    typeof navigator.mediaDevices === 'undefined' ? { problem: 'insecure', name: 'insecure' } : null,
  );
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState<string | undefined>(storedCamera);

  const onUserMedia = useCallback(
    (stream: MediaStream) => {
      setFailure(null);
      // Capture is offered once a frame is on screen: a stream granted a moment ago may still
      // paint black, and a black picture is no face.
      const element = webcam.current?.video ?? null;
      const markReady = () => {
        setReady(true);
        // Waiting for the next customer, the camera keeps quiet: what was last read out (the
        // registration just made) is not talked over.
        if (speaking.current) announce(t('register.webcam.ready'));
      };
      if (element !== null && 'requestVideoFrameCallback' in element) element.requestVideoFrameCallback(markReady);
      else markReady();
      const active = stream.getVideoTracks()[0]?.getSettings().deviceId;
      void navigator.mediaDevices.enumerateDevices().then((devices) => {
        setCameras(devices.filter((device) => device.kind === 'videoinput' && device.deviceId !== ''));
      });
      if (active !== undefined) setDeviceId((current) => current ?? active);
    },
    [announce, t],
  );

  const onUserMediaError = useCallback(
    (error: string | DOMException) => {
      const found = problemOf(error);
      setReady(false);
      setFailure(found);
      announce(t(`register.webcam.errors.${found.problem}`, { name: found.name }));
    },
    [announce, t],
  );

  useEffect(() => {
    if (!ready && speaking.current) announce(t('register.webcam.starting'));
  }, [ready, announce, t, attempt]);

  const capture = async (automatic = false) => {
    const video = webcam.current?.video;
    if (video === null || video === undefined) return;
    setCapturing(true);
    try {
      // The stream can be granted a moment before its first frame is decoded.
      if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
        await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
      }
      const { prepareFrame } = await loadImagePipeline();
      const picture = await prepareFrame(video, video.videoWidth, video.videoHeight);
      announce(t(automatic ? 'register.webcam.guidance.autoCaptured' : 'register.webcam.captured'));
      onPicture(picture);
    } finally {
      setCapturing(false);
    }
  };

  const currentVideo = useCallback(() => webcam.current?.video, []);
  const guidance = useFaceGuidance(
    currentVideo,
    ready && !capturing,
    () => void capture(true),
    (status) => {
      if (autoCapture) announce(t(status === 'ok' ? 'register.webcam.guidance.good' : `register.webcam.guidance.${status}`));
    },
    autoCapture,
  );
  const hint =
    guidance.state === 'loading'
      ? t('register.webcam.guidance.checking')
      : guidance.state === 'unavailable'
        ? t('register.webcam.guidance.checkUnavailable')
        : guidance.status === 'ok'
          ? t('register.webcam.guidance.good')
          : t(`register.webcam.guidance.${guidance.status}`);
  const good = guidance.state === 'checked' && guidance.status === 'ok';

  const chooseCamera = (next: string) => {
    setDeviceId(next);
    setReady(false);
    try {
      localStorage.setItem(CAMERA_KEY, next);
    } catch {
      // Storage may be off: the choice then lasts for this page only.
    }
  };

  return (
    <div className="webcam">
      {failure !== null ? (
        <div className="alert error" role="alert">
          <p>{t(`register.webcam.errors.${failure.problem}`, { name: failure.name })}</p>
          {failure.problem !== 'insecure' && (
            <button
              type="button"
              className="button"
              onClick={() => {
                setFailure(null);
                setAttempt((n) => n + 1);
              }}
            >
              {t('app.retry')}
            </button>
          )}
        </div>
      ) : (
        <>
          {cameras.length > 1 && (
            <p>
              <label htmlFor={`${id}-camera`}>{t('register.webcam.select')}</label>{' '}
              <select id={`${id}-camera`} value={deviceId ?? ''} onChange={(event) => chooseCamera(event.target.value)}>
                {cameras.map((camera, index) => (
                  <option key={camera.deviceId} value={camera.deviceId}>
                    {camera.label === '' ? `${t('register.webcam.select')} ${String(index + 1)}` : camera.label}
                  </option>
                ))}
              </select>
            </p>
          )}
          <div className="webcam-stage">
            <Webcam
              key={`${String(attempt)}-${deviceId ?? 'default'}`}
              ref={webcam}
              audio={false}
              mirrored
              aria-label={t('register.webcam.previewLabel')}
              videoConstraints={{
                width: { ideal: 1280 },
                height: { ideal: 720 },
                ...(deviceId === undefined ? { facingMode: 'user' } : { deviceId: { ideal: deviceId } }),
              }}
              onUserMedia={onUserMedia}
              onUserMediaError={onUserMediaError}
            />
            <svg className="face-guide" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">
              <ellipse cx="50" cy="48" rx="19" ry="33" />
            </svg>
            {guidance.state === 'checked' && guidance.boxes.length > 0 && (
              // The preview is mirrored, so is the box drawn over it.
              <svg
                className="face-box"
                viewBox={`0 0 ${String(guidance.width)} ${String(guidance.height)}`}
                preserveAspectRatio="none"
                aria-hidden="true"
              >
                {/* Every face counted: with several, staff see which ones. */}
                {guidance.boxes.map((box, index) => (
                  <rect key={index} className={good ? 'good' : 'bad'} x={box.x} y={box.y} width={box.width} height={box.height} />
                ))}
              </svg>
            )}
          </div>
          {/* Once the live check speaks (below), the general guide would only repeat it. */}
          {!ready ? (
            <p className="hint">{t('register.webcam.starting')}</p>
          ) : (
            !autoCapture && <p className="hint">{t('register.webcam.waitingForCpf')}</p>
          )}
          {ready && (
            <p className={`guidance ${good ? 'good' : 'bad'}`} data-testid="face-guidance">
              <span aria-hidden="true">{good ? '✓ ' : '⚠ '}</span>
              {hint}
            </p>
          )}
          <div className="actions">
            <button type="button" className="button" disabled={!ready || capturing} onClick={() => void capture(false)}>
              {t('register.webcam.capture')}
            </button>
            <button type="button" className="button secondary" onClick={onStop}>
              {t('register.webcam.stop')}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
