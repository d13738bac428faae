import { useEffect, useId, useRef, useState } from 'react';
import { offeredCrop } from '../../../../contract/face-quality.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { formatBytes, useTranslation } from '../../../lib/i18n/i18n.ts';
import { loadImagePipeline } from '../lib/picture.ts';
import type { Picture } from '../lib/picture.ts';
import { refusalReasonKey } from '../lib/picture-check.ts';
import type { PictureCheck, PictureOrigin } from '../lib/picture-check.ts';

/**
 * Exactly what will be sent, drawn on a canvas from the encoded JPEG itself (no data: or blob:
 * address of the face is ever made), checked with the emulator's face rules, the face box drawn
 * and the reason given in words; a face only too small in a large photo can be cropped around.
 */
export function PicturePreview({
  picture,
  origin,
  onDiscard,
  discardLabel,
  onCheck,
  onReplace,
}: {
  picture: Picture;
  origin: PictureOrigin;
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
  const report = useRef(onCheck);
  // Read when the check ends: a new picture, not a change of origin, is what starts a check.
  const from = useRef(origin);
  useEffect(() => {
    report.current = onCheck;
    from.current = origin;
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
        const { verdict } = await judgePicture(bitmap, bitmap.width, bitmap.height);
        result = {
          state: 'done',
          status: verdict.ok ? 'ok' : verdict.status,
          boxes: verdict.faces.map((face) => face.box),
          warnings: verdict.warnings,
          crop: offeredCrop(verdict, bitmap.width, bitmap.height),
        };
      } catch {
        result = { state: 'unavailable' };
      }
      bitmap.close();
      if (isCancelled()) return;
      if (result.state === 'done' && context !== null) {
        // Every face counted: the main one solid, the others dashed, so staff see what was counted.
        context.lineWidth = Math.max(3, target.width / 200);
        context.strokeStyle = result.status === 'ok' ? '#1e6b35' : '#ffbf47';
        result.boxes.forEach((box, index) => {
          context.setLineDash(index === 0 ? [] : [context.lineWidth * 3, context.lineWidth * 2]);
          context.strokeRect(box.x, box.y, box.width, box.height);
        });
        context.setLineDash([]);
      }
      setCheck(result);
      report.current(result);
      if (result.state === 'done') {
        const warnings = result.warnings.map((warning) => t(`register.check.warning.${warning}`));
        announce(
          [
            result.status === 'ok'
              ? t('register.check.passed')
              : t('register.check.refused', { reason: t(refusalReasonKey(result.status, from.current)) }),
            ...warnings,
          ].join(' '),
        );
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [picture, announce, t]);

  const crop = check.state === 'done' ? check.crop : undefined;
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
              : `⚠ ${t('register.check.refused', { reason: t(refusalReasonKey(check.status, origin)) })}`}
      </p>
      {check.state === 'done' && check.warnings.length > 0 && (
        <div className="advice" data-testid="picture-warnings">
          <p>{t('register.check.warning.heading')}</p>
          <ul>
            {check.warnings.map((warning) => (
              <li key={warning}>{t(`register.check.warning.${warning}`)}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions">
        {crop !== undefined && (
          <button type="button" className="button" onClick={() => void cropIt()}>
            {t(check.state === 'done' && check.status === 'multiple_faces' ? 'register.check.cropMain' : 'register.check.crop')}
          </button>
        )}
        <button type="button" className="button secondary" onClick={onDiscard}>
          {discardLabel}
        </button>
      </div>
    </figure>
  );
}
