import { useState } from 'react';
import { useTranslation } from '../../lib/i18n/i18n.ts';
import { useAnnounce } from './announcer.tsx';

/** Copies a value (a registration key) and says so, visibly and to screen readers. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
      announce(t('copy.copied'));
    } catch {
      setState('failed');
      announce(t('copy.failed'));
    }
  };
  return (
    <span className="copy">
      <button type="button" className="button secondary" onClick={() => void copy()} aria-label={t('copy.copyLabel', { what })}>
        {state === 'copied' ? t('copy.copied') : t('copy.copy')}
      </button>
      {state === 'failed' && <span className="field-error">{t('copy.failed')}</span>}
    </span>
  );
}
