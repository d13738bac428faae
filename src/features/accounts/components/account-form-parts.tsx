// Pieces the Contas page's forms share: an account's environments in words and their picker, and
// the generated password shown once with its copy button.
import { useId, useState } from 'react';
// This page's words in pt-BR come with it, not with the first page.
import '../../../lib/i18n/pt-br-pages.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { ROLES } from '../../../../contract/access.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { generatePassword } from '../../../../contract/password.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { ENVIRONMENT_NAMES } from '../api/accounts.ts';

/** The environments of an account in words: every one (null), or the ones it is limited to. */
export function useEnvironmentsText(): (environments: EnvironmentName[] | null) => string {
  const { t } = useTranslation();
  return (environments) =>
    environments === null
      ? t('accounts.allEnvironments')
      : environments.length === 0
        ? t('accounts.noEnvironments')
        : environments.map((env) => t(`environments.${env}.name`)).join(', ');
}

/** "Todos os ambientes", or the environments ticked one by one. */
export function EnvironmentsPicker({
  all,
  chosen,
  onAll,
  onChosen,
  error,
}: {
  all: boolean;
  chosen: readonly EnvironmentName[];
  onAll: (all: boolean) => void;
  onChosen: (chosen: EnvironmentName[]) => void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset className="subtle" aria-describedby={`${id}-hint${error === undefined ? '' : ` ${id}-error`}`}>
      <legend>{t('accounts.form.environments')}</legend>
      <label className="checkbox">
        <input type="checkbox" checked={all} onChange={(event) => onAll(event.target.checked)} />
        {t('accounts.form.allEnvironments')}
      </label>
      {!all &&
        ENVIRONMENT_NAMES.map((env) => (
          <label key={env} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(env)}
              aria-invalid={error !== undefined}
              onChange={(event) =>
                onChosen(
                  event.target.checked ? ENVIRONMENT_NAMES.filter((e) => e === env || chosen.includes(e)) : chosen.filter((e) => e !== env),
                )
              }
            />
            {t(`environments.${env}.name`)}
          </label>
        ))}
      <p id={`${id}-hint`} className="hint">
        {t('accounts.form.environmentsHint')}
      </p>
      {error !== undefined && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * "Gerar senha": a strong password (contract/password.ts, as `npm run user` makes) put in the
 * field and shown in clear once, to be copied and handed over; typing another password forgets it.
 */
export function useGeneratedPassword(fill: (password: string) => void) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [generated, setGenerated] = useState<string | null>(null);
  const generate = () => {
    const password = generatePassword();
    fill(password);
    setGenerated(password);
    announce(t('accounts.form.generatedAnnounce'));
  };
  return { generated, generate, forget: () => setGenerated(null) };
}

export function GeneratedPassword({ password }: { password: string }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="stack" role="group" aria-labelledby={`${id}-label`} aria-describedby={`${id}-hint`}>
      <p className="inline">
        <span id={`${id}-label`}>{t('accounts.form.generated')}</span> <code>{password}</code>{' '}
        <CopyButton value={password} what={t('accounts.form.generatedCopyWhat')} />
      </p>
      <p id={`${id}-hint`} className="hint">
        {t('accounts.form.generatedHint')}
      </p>
    </div>
  );
}

/** The roles an account may have, as the options of a select. */
export function RoleOptions() {
  const { t } = useTranslation();
  return ROLES.map((role) => (
    <option key={role} value={role}>
      {t(`roles.${role}`)}
    </option>
  ));
}
