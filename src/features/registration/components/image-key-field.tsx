import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { uploadImage } from '../../../api/registrations.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { useEnvironment } from '../../../lib/environment.tsx';
import { UploadPicker } from './upload-picker.tsx';

/**
 * An image key from QI Tech's SDK, typed or pasted; where data is synthetic, one can be obtained
 * here by sending a photo to `/image` (QA's way to exercise the key path without a phone), for
 * whoever may send one (`offerUpload`: the `register` capability; support validates, never uploads).
 */
export function ImageKeyField({
  field,
  error,
  onKey,
  offerUpload = true,
}: {
  field: UseFormRegisterReturn<'image_key'>;
  error: string | undefined;
  onKey: (key: string) => void;
  offerUpload?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const announce = useAnnounce();
  const environment = useEnvironment();
  const id = useId();
  const upload = useMutation({
    ...uploadImage(environment.name),
    onSuccess: (answer) => {
      onKey(answer.image_key);
      announce(
        t('register.key.obtained', {
          width: answer.width_px,
          height: answer.height_px,
          date: formatDateTime(new Date(answer.created_at), i18n.language),
        }),
      );
    },
  });

  return (
    <div className="stack">
      <Field id={`${id}-key`} label={t('register.key.label')} hint={t('register.key.hint')} error={error}>
        {(control) => (
          <input
            {...control}
            {...field}
            className="mono"
            spellCheck={false}
            autoComplete="off"
            placeholder="3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c"
          />
        )}
      </Field>
      {environment.synthetic && offerUpload && (
        <fieldset className="subtle">
          <legend>{t('register.key.obtainLegend')}</legend>
          <UploadPicker label={t('register.key.obtain')} onPicture={(picture) => upload.mutate(picture.base64)} />
          {upload.isPending && <p role="status">{t('register.key.obtaining')}</p>}
          {upload.isSuccess && (
            <p className="success-text">
              <span aria-hidden="true">✓ </span>
              {t('register.key.obtained', {
                width: upload.data.width_px,
                height: upload.data.height_px,
                date: formatDateTime(new Date(upload.data.created_at), i18n.language),
              })}
            </p>
          )}
          {upload.isError && <ApiErrorMessage error={upload.error} />}
        </fieldset>
      )}
    </div>
  );
}
