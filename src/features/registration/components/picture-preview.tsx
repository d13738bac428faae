import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../../lib/i18n/i18n.ts';
import type { Picture } from './picture.ts';

/**
 * Exactly what will be sent, drawn on a canvas from the encoded JPEG itself: no data: or blob:
 * address of the face is ever made (biometric data stays out of URLs).
 */
export function PicturePreview({ picture, onDiscard, discardLabel }: { picture: Picture; onDiscard: () => void; discardLabel: string }) {
  const { t, i18n } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let cancelled = false;
    void createImageBitmap(picture.blob).then((bitmap) => {
      const target = canvas.current;
      if (!cancelled && target !== null) {
        target.width = bitmap.width;
        target.height = bitmap.height;
        target.getContext('2d')?.drawImage(bitmap, 0, 0);
      }
      bitmap.close();
    });
    return () => {
      cancelled = true;
    };
  }, [picture]);
  return (
    <figure className="preview" data-testid="picture-preview">
      <figcaption>
        <strong>{t('register.preview.heading')}</strong>
        <span data-testid="picture-details">
          {t('register.preview.details', { width: picture.width, height: picture.height, size: formatBytes(picture.bytes, i18n.language) })}
        </span>
      </figcaption>
      <canvas ref={canvas} role="img" aria-label={t('register.preview.label')} />
      <button type="button" className="button secondary" onClick={onDiscard}>
        {discardLabel}
      </button>
    </figure>
  );
}
