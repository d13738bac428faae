import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { PICTURE_SOURCES } from '../api/registration-form.ts';
import type { PictureSource } from '../api/registration-form.ts';

/**
 * Where the picture comes from: camera, photo or image key, as one row of radio buttons (the
 * register and the validate pages). The choices speak for themselves on screen; the group keeps
 * its name for screen readers.
 */
export function PictureSourcePicker({
  name,
  value,
  onChange,
  disabled,
}: {
  name: string;
  value: PictureSource;
  onChange: (source: PictureSource) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className="sources compact">
      <legend className="visually-hidden">{t('register.source.legend')}</legend>
      <div className="segmented">
        {PICTURE_SOURCES.map((source) => (
          <label key={source} className={value === source ? 'selected' : undefined}>
            <input
              type="radio"
              name={name}
              value={source}
              checked={value === source}
              onChange={() => onChange(source)}
              disabled={disabled}
            />
            {t(`register.source.${source}`)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
