import { useId, useState } from 'react';
import type { DragEvent } from 'react';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { loadImagePipeline } from '../lib/picture.ts';
import type { Picture } from '../lib/picture.ts';

import type { PrepareImageErrorCode } from '../lib/prepare-image.ts';

/** Drag and drop or the file picker; the photo is checked and prepared before anything is sent. */
export function UploadPicker({ onPicture, label }: { onPicture: (picture: Picture) => void; label?: string }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const take = async (file: File | undefined) => {
    if (file === undefined) return;
    setBusy(true);
    setError(null);
    announce(t('register.upload.preparing'));
    try {
      const { prepareImageFile, PrepareImageError } = await loadImagePipeline();
      try {
        const picture = await prepareImageFile(file);
        announce(t('register.upload.prepared'));
        onPicture(picture);
      } catch (failure) {
        const code: PrepareImageErrorCode = failure instanceof PrepareImageError ? failure.code : 'unreadable';
        // Only `too_small` names a size, and its error always carries the picture's own.
        const size = failure instanceof PrepareImageError ? failure.size : undefined;
        const message = t(`register.upload.errors.${code}`, { width: size?.width, height: size?.height });
        setError(message);
        announce(message);
      }
    } finally {
      setBusy(false);
    }
  };

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void take(event.dataTransfer.files[0]);
  };

  return (
    <div
      className={`dropzone${dragging ? ' dragging' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={drop}
      data-testid="dropzone"
    >
      <p>
        {t('register.upload.drop')} {t('register.upload.or')}{' '}
      </p>
      <label htmlFor={`${id}-file`} className="button">
        {label ?? t('register.upload.choose')}
      </label>
      <input
        id={`${id}-file`}
        className="visually-hidden-input"
        type="file"
        accept="image/jpeg,image/png"
        disabled={busy}
        aria-describedby={`${id}-hint${error === null ? '' : ` ${id}-error`}`}
        onChange={(event) => {
          void take(event.target.files?.[0]);
          // The same file chosen again after an error must be read again.
          event.target.value = '';
        }}
      />
      <p id={`${id}-hint`} className="hint">
        {t('register.upload.hint')}
      </p>
      {busy && <p role="status">{t('register.upload.preparing')}</p>}
      {error !== null && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
