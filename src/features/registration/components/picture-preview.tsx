import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FaceBox, FaceStatus } from '../../../../contract/face-quality.ts';
import { MIN_IMAGE_SIDE_PX } from '../../../../contract/image.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { formatBytes } from '../../../lib/i18n/i18n.ts';
import { loadImagePipeline } from './picture.ts';
import type { Picture } from './picture.ts';

export type PictureCheck =
  { state: 'checking' } | { state: 'unavailable' } | { state: 'done'; status: FaceStatus | 'ok'; box: FaceBox | undefined };

/** Share of the crop the face should fill: well above QI Tech's 15%, with room around it. */
const CROP_FACE_SHARE = 0.3;

/** A portrait crop centred on the face, inside the picture; undefined when none would be big enough. */
export function cropAround(
  box: FaceBox,
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } | undefined {
  const area = (box.width * box.height) / CROP_FACE_SHARE;
  const cropWidth = Math.min(width, Math.max(Math.sqrt((area * 3) / 4), box.width * 1.6));
  const cropHeight = Math.min(height, Math.max((cropWidth * 4) / 3, box.height * 1.6));
  if (cropWidth < MIN_IMAGE_SIDE_PX || cropHeight < MIN_IMAGE_SIDE_PX) return undefined;
  const x = Math.min(Math.max(0, box.x + box.width / 2 - cropWidth / 2), width - cropWidth);
  const y = Math.min(Math.max(0, box.y + box.height / 2 - cropHeight / 2), height - cropHeight);
  return { x: Math.round(x), y: Math.round(y), width: Math.round(cropWidth), height: Math.round(cropHeight) };
}

/**
 * Exactly what will be sent, drawn on a canvas from the encoded JPEG itself (no data: or blob:
 * address of the face is ever made), checked with the emulator's face rules, the face box drawn
 * and the reason given in words; a face only too small in a large photo can be cropped around.
 */
export function PicturePreview({
  picture,
  onDiscard,
  discardLabel,
  onCheck,
  onReplace,
}: {
  picture: Picture;
  onDiscard: () => void;
  discardLabel: string;
  onCheck: (check: PictureCheck) => void;
  onReplace: (picture: Picture) => void;
}) {
  const { t, i18n } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [check, setCheck] = useState<PictureCheck>({ state: 'checking' });
  const [crop, setCrop] = useState<ReturnType<typeof cropAround>>(undefined);
  const report = useRef(onCheck);
  useEffect(() => {
    report.current = onCheck;
  });

  useEffect(() => {
    // One preview per picture (the parent keys it), so the check starts as 'checking'.
    let cancelled = false;
    const isCancelled = () => cancelled;
    void (async () => {
      const bitmap = await createImageBitmap(picture.blob);
      const target = canvas.current;
      if (isCancelled() || target === null) {
        bitmap.close();
        return;
      }
      target.width = bitmap.width;
      target.height = bitmap.height;
      const context = target.getContext('2d');
      context?.drawImage(bitmap, 0, 0);
      let result: PictureCheck;
      try {
        const { judgePicture } = await import('../../../lib/face/face-detector.ts');
        const { verdict, detection } = await judgePicture(bitmap, bitmap.width, bitmap.height);
        result = { state: 'done', status: verdict.ok ? 'ok' : verdict.status, box: detection.faces[0]?.box };
      } catch {
        result = { state: 'unavailable' };
      }
      bitmap.close();
      if (isCancelled()) return;
      if (result.state === 'done' && result.box !== undefined && context !== null) {
        context.lineWidth = Math.max(3, target.width / 200);
        context.strokeStyle = result.status === 'ok' ? '#1e6b35' : '#ffbf47';
        context.strokeRect(result.box.x, result.box.y, result.box.width, result.box.height);
      }
      setCheck(result);
      setCrop(
        result.state === 'done' && result.status === 'face_too_small' && result.box !== undefined
          ? cropAround(result.box, picture.width, picture.height)
          : undefined,
      );
      report.current(result);
      if (result.state === 'done') {
        announce(
          result.status === 'ok'
            ? t('register.check.passed')
            : t('register.check.refused', { reason: t(`register.webcam.guidance.${result.status}`) }),
        );
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [picture, announce, t]);

  const cropIt = async () => {
    if (crop === undefined) return;
    const bitmap = await createImageBitmap(picture.blob, crop.x, crop.y, crop.width, crop.height);
    try {
      const { prepareFrame } = await loadImagePipeline();
      onReplace(await prepareFrame(bitmap, bitmap.width, bitmap.height));
      announce(t('register.check.cropped'));
    } finally {
      bitmap.close();
    }
  };

  return (
    <figure className="preview" data-testid="picture-preview" aria-describedby={`${id}-check`}>
      <figcaption>
        <strong>{t('register.preview.heading')}</strong>
        <span data-testid="picture-details">
          {t('register.preview.details', { width: picture.width, height: picture.height, size: formatBytes(picture.bytes, i18n.language) })}
        </span>
      </figcaption>
      <canvas ref={canvas} role="img" aria-label={t('register.preview.label')} />
      <p
        id={`${id}-check`}
        data-testid="picture-check"
        className={`guidance ${check.state === 'done' && check.status === 'ok' ? 'good' : 'bad'}`}
      >
        {check.state === 'checking'
          ? t('register.check.checking')
          : check.state === 'unavailable'
            ? t('register.check.unavailable')
            : check.status === 'ok'
              ? `✓ ${t('register.check.passed')}`
              : `⚠ ${t('register.check.refused', { reason: t(`register.webcam.guidance.${check.status}`) })}`}
      </p>
      <div className="actions">
        {crop !== undefined && (
          <button type="button" className="button" onClick={() => void cropIt()}>
            {t('register.check.crop')}
          </button>
        )}
        <button type="button" className="button secondary" onClick={onDiscard}>
          {discardLabel}
        </button>
      </div>
    </figure>
  );
}
