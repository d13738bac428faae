import { useId, useState } from 'react';
import { Controller } from 'react-hook-form';
import type { Control } from 'react-hook-form';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import type { RegistrationForm, RegistrationFormInput } from '../api/registration-form.ts';

/**
 * The consent term, with its version, and the box that says the customer accepted it. Read to a
 * Brazilian customer: in Portuguese whatever the console's language, English only on demand, for
 * the staff member's eyes.
 */
export function ConsentField({
  control,
  message,
  busy,
  onChange,
}: {
  control: Control<RegistrationFormInput, unknown, RegistrationForm>;
  message: string | undefined;
  busy: boolean;
  onChange: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [termInEnglish, setTermInEnglish] = useState(false);
  const termLanguage = termInEnglish ? 'en' : 'pt-BR';
  return (
    <fieldset className="consent" aria-describedby={`${id}-consent-intro`}>
      <legend>{t('register.consent.legend', { version: CONSENT_TERM.version })}</legend>
      <p id={`${id}-consent-intro`} className="hint">
        {t('register.consent.intro')}
      </p>
      <blockquote className="consent-term" lang={termLanguage} data-testid="consent-term">
        <p>{CONSENT_TERM[termLanguage]}</p>
      </blockquote>
      <button type="button" className="button secondary small term-language" onClick={() => setTermInEnglish((english) => !english)}>
        {t(termInEnglish ? 'register.consent.showPortuguese' : 'register.consent.showEnglish')}
      </button>
      <Controller
        control={control}
        name="consent"
        render={({ field }) => (
          <label className="checkbox">
            <input
              type="checkbox"
              ref={field.ref}
              name={field.name}
              checked={field.value}
              onChange={(event) => {
                field.onChange(event.target.checked);
                onChange();
              }}
              onBlur={field.onBlur}
              disabled={busy}
              aria-invalid={message !== undefined}
              aria-describedby={message === undefined ? undefined : `${id}-consent-error`}
            />
            {t('register.consent.accept', { version: CONSENT_TERM.version })}
          </label>
        )}
      />
      {message !== undefined && (
        <p id={`${id}-consent-error`} className="field-error">
          {message}
        </p>
      )}
    </fieldset>
  );
}
