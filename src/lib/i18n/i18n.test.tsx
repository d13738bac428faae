import { act, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { changeLanguage, i18n, initI18n, useTranslation } from './i18n.ts';

function Greeting({ name }: { name: string }) {
  const { t, i18n } = useTranslation();
  return (
    <p data-language={i18n.language}>
      {t('app.title')} · {t('app.account.who', { name, role: 'QA' })}
    </p>
  );
}

beforeEach(async () => {
  await initI18n();
});

describe('the console’s language', () => {
  // First: English is not loaded yet, so its dictionary arrives after the second choice.
  it('ends in the language chosen last, even when English was still loading', async () => {
    await Promise.all([changeLanguage('en'), changeLanguage('pt-BR')]);
    expect(i18n.language).toBe('pt-BR');
    expect(document.documentElement.lang).toBe('pt-BR');
  });

  it('is Portuguese at first; choosing English turns what is on screen to English, and the choice is kept for the next visit', async () => {
    render(<Greeting name="Ana" />);
    expect(screen.getByText('Console de Cadastro Facial · Conectado como Ana (QA)')).toBeVisible();
    expect(document.documentElement.lang).toBe('pt-BR');

    await act(() => changeLanguage('en'));
    expect(screen.getByText('Face Registration Console · Logged in as Ana (QA)')).toHaveAttribute('data-language', 'en');
    expect(document.documentElement.lang).toBe('en');

    // The next visit (a reload) opens in English.
    await initI18n();
    expect(i18n.language).toBe('en');

    await act(() => changeLanguage('pt-BR'));
    expect(screen.getByText('Console de Cadastro Facial · Conectado como Ana (QA)')).toBeVisible();
    expect(document.documentElement.lang).toBe('pt-BR');
  });
});

describe('texts', () => {
  it('fill in the values given; a placeholder without one stays as written, null leaves nothing', () => {
    expect(i18n.t('app.account.who', { name: 'Bia', role: 'QA' })).toBe('Conectado como Bia (QA)');
    expect(i18n.t('app.account.who', { role: 'QA' })).toBe('Conectado como {{name}} (QA)');
    expect(i18n.t('app.account.who', { name: null, role: 'QA' })).toBe('Conectado como  (QA)');
    // A value is not read as a template itself.
    expect(i18n.t('app.account.who', { name: '{{role}}', role: 'QA' })).toBe('Conectado como {{role}} (QA)');
  });

  it('the words of the pages loaded later join the first page’s, a section both have (errors) keeping both', async () => {
    const local = 'errors.local_login_off' as 'errors.generic';
    await import('./pt-br-pages.ts');
    expect(i18n.exists(local)).toBe(true);
    expect(i18n.t(local)).toMatch(/^A entrada com senha está desligada/);
    expect(i18n.t('errors.network_error')).toMatch(/servidor do console/);
  });

  it('for a key made at run time that names no text: exists() says so, and t() gives the default given, else the key', () => {
    expect(i18n.exists('errors.network_error')).toBe(true);
    expect(i18n.exists('errors.no_such_title')).toBe(false);
    const unknown = 'errors.no_such_title' as 'errors.generic';
    expect(i18n.t(unknown)).toBe('errors.no_such_title');
    expect(i18n.t(unknown, { defaultValue: 'Recusado: {{reason}}', reason: 'CPF' })).toBe('Recusado: CPF');
  });
});
