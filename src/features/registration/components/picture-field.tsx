import { Suspense, lazy, useCallback, useId, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import type { PictureSource } from '../api/registration-form.ts';
import type { Picture } from '../lib/picture.ts';
import type { PictureCheck, PictureOrigin } from '../lib/picture-check.ts';

// Each loaded when it is first shown: none is on the first page's path.
const WebcamCapture = lazy(() => import('./webcam-capture.tsx'));
const PicturePreview = lazy(() => import('./picture-preview.tsx').then((module) => ({ default: module.PicturePreview })));
const UploadPicker = lazy(() => import('./upload-picker.tsx').then((module) => ({ default: module.UploadPicker })));

interface PictureState {
  picture: Picture | null;
  /** A new number for each picture: its preview (and check) starts afresh. */
  serial: number;
  check: PictureCheck;
  /** Outside production: QA sends a picture the check refused, to exercise the API's own refusal. */
  sendAnyway: boolean;
  /** A submit was refused because the check refused the picture and nothing said to send it anyway. */
  blocked: boolean;
  /** A submit was refused because there was no picture. */
  missing: boolean;
  cameraOn: boolean;
}

/** What a submit may send from the picture field. */
export type PictureVerdict =
  { ready: true; picture: Picture; override: FaceStatus | null } | { ready: false; reason: 'missing' | 'blocked' };

/**
 * The picture field's state: the picture, its check, and the camera. The page asks it at submit
 * (`verdict`) and tells it what happened (a registration, a refusal by the API).
 */
export function usePictureField() {
  const [state, setState] = useState<PictureState>({
    picture: null,
    serial: 0,
    check: { state: 'checking' },
    sendAnyway: false,
    blocked: false,
    missing: false,
    cameraOn: false,
  });
  const groupRef = useRef<HTMLDivElement>(null);

  const choose = useCallback((picture: Picture) => {
    setState((current) => ({
      ...current,
      picture,
      serial: current.serial + 1,
      check: { state: 'checking' },
      sendAnyway: false,
      blocked: false,
      missing: false,
    }));
  }, []);

  /**
   * `synthetic`: the environment holds test data only, where the "send anyway" box is the
   * confirmation of a refused picture; elsewhere the page asks for one, naming the reason.
   */
  const verdict = (synthetic: boolean): PictureVerdict => {
    const { picture, check, sendAnyway } = state;
    if (picture === null) {
      setState((current) => ({ ...current, missing: true }));
      groupRef.current?.focus();
      return { ready: false, reason: 'missing' };
    }
    // A picture the rules refuse is likely refused by QI Tech too, after the customer has left; but
    // the browser's check can be wrong, and a customer who cannot be registered is stuck. So it may
    // still be sent, never silently, and the server writes the override to the audit trail.
    if (check.state === 'done' && check.status !== 'ok') {
      if (synthetic && !sendAnyway) {
        setState((current) => ({ ...current, blocked: true }));
        return { ready: false, reason: 'blocked' };
      }
      return { ready: true, picture, override: check.status };
    }
    return { ready: true, picture, override: null };
  };

  return {
    state,
    groupRef,
    choose,
    verdict,
    setCheck: (check: PictureCheck) => setState((current) => ({ ...current, check })),
    setSendAnyway: (sendAnyway: boolean) =>
      // Ticked, the box is the answer to "cannot be sent": the refusal to send is over.
      setState((current) => ({ ...current, sendAnyway, blocked: sendAnyway ? false : current.blocked })),
    discard: () => setState((current) => ({ ...current, picture: null })),
    /** A submit without a picture that the form's own rules refused too: said at the same time. */
    markMissing: () => setState((current) => (current.picture === null ? { ...current, missing: true } : current)),
    setCameraOn: (cameraOn: boolean) => setState((current) => ({ ...current, cameraOn })),
    /**
     * The picture is dropped the moment it is registered: nothing of the face stays in the page.
     * The camera stays on (or comes on) for the next customer when it was the source.
     */
    registered: (source: PictureSource) =>
      setState((current) => ({ ...current, picture: null, blocked: false, missing: false, cameraOn: source === 'webcam' })),
    /** After the API refused the picture: another one is taken or chosen, focus on the field. */
    replace: (source: PictureSource) => {
      flushSync(() => setState((current) => ({ ...current, picture: null, cameraOn: current.cameraOn || source === 'webcam' })));
      groupRef.current?.focus();
    },
  };
}

export type PictureField = ReturnType<typeof usePictureField>;

/**
 * Where the picture comes from and what it looks like: the camera (with its live check and
 * automatic capture), or a chosen photo; then the preview of exactly what will be sent, its check,
 * and, outside production, the box to send a refused one anyway.
 */
export function PictureFieldView({
  field,
  source,
  synthetic,
  autoCapture,
  onPicture,
  onCheck,
  onDiscard,
}: {
  field: PictureField;
  source: Exclude<PictureSource, 'key'>;
  synthetic: boolean;
  /** False while the camera waits for the next customer's CPF: the previous customer may still be in view. */
  autoCapture: boolean;
  onPicture: (picture: Picture) => void;
  onCheck: (check: PictureCheck) => void;
  onDiscard: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const { picture, serial, check, sendAnyway, blocked, missing, cameraOn } = field.state;
  const { groupRef } = field;
  const origin: PictureOrigin = source === 'webcam' ? 'camera' : 'photo';

  return (
    <div
      className="picture-field"
      role="group"
      aria-labelledby={`${id}-label`}
      ref={groupRef}
      tabIndex={-1}
      aria-describedby={missing && picture === null ? `${id}-missing` : undefined}
    >
      <h2 id={`${id}-label`} className="visually-hidden">
        {t('register.picture.label')}
      </h2>
      <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
        {picture !== null ? (
          <PicturePreview
            key={serial}
            picture={picture}
            origin={origin}
            // From the camera, discarding means taking another: the camera is still on.
            discardLabel={source === 'webcam' ? t('register.webcam.retake') : t('register.preview.discard')}
            onDiscard={() => {
              field.discard();
              onDiscard();
            }}
            onCheck={(next) => {
              field.setCheck(next);
              onCheck(next);
            }}
            onReplace={onPicture}
          />
        ) : source === 'webcam' ? (
          cameraOn ? (
            <Suspense fallback={<p role="status">{t('register.webcam.starting')}</p>}>
              <WebcamCapture onPicture={onPicture} onStop={() => field.setCameraOn(false)} autoCapture={autoCapture} />
            </Suspense>
          ) : (
            <div className="stack">
              <p>{t('register.webcam.explain')}</p>
              <button type="button" className="button" onClick={() => field.setCameraOn(true)}>
                {t('register.webcam.start')}
              </button>
            </div>
          )
        ) : (
          <UploadPicker onPicture={onPicture} />
        )}
      </Suspense>
      {picture !== null && check.state === 'done' && check.status !== 'ok' && synthetic && (
        <label className="checkbox">
          <input type="checkbox" checked={sendAnyway} onChange={(event) => field.setSendAnyway(event.target.checked)} />
          {t('register.check.sendAnyway')}
        </label>
      )}
      {blocked && picture !== null && (
        <p className="field-error" role="alert">
          {t('register.check.blocked')}
        </p>
      )}
      {missing && picture === null && (
        <p id={`${id}-missing`} className="field-error" role="alert">
          {t('register.missingPicture')}
        </p>
      )}
    </div>
  );
}
