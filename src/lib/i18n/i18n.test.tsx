import { act, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { changeLanguage, i18n, initI18n, useTranslation } from './i18n.ts';

function Greeting({ name }: { name: string }) {
  const { t, i18n } = useTranslation();
  return (
    <p data-language={i18n.language}>
      {t('app.title')} · {t('login.welcome', { name })}
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
    expect(screen.getByText('Console de Cadastro Facial · Você entrou como Ana.')).toBeVisible();
    expect(document.documentElement.lang).toBe('pt-BR');

    await act(() => changeLanguage('en'));
    expect(screen.getByText('Face Registration Console · You are logged in as Ana.')).toHaveAttribute('data-language', 'en');
    expect(document.documentElement.lang).toBe('en');

    // The next visit (a reload) opens in English.
    await initI18n();
    expect(i18n.language).toBe('en');

    await act(() => changeLanguage('pt-BR'));
    expect(screen.getByText('Console de Cadastro Facial · Você entrou como Ana.')).toBeVisible();
    expect(document.documentElement.lang).toBe('pt-BR');
  });
});

describe('texts', () => {
  it('fill in the values given; a placeholder without one stays as written, null leaves nothing', () => {
    expect(i18n.t('login.welcome', { name: 'Bia' })).toBe('Você entrou como Bia.');
    expect(i18n.t('login.welcome')).toBe('Você entrou como {{name}}.');
    expect(i18n.t('login.welcome', { name: null })).toBe('Você entrou como .');
    // A value is not read as a template itself.
    expect(i18n.t('login.welcome', { name: '{{name}}' })).toBe('Você entrou como {{name}}.');
  });

  it('for a key made at run time that names no text: exists() says so, and t() gives the default given, else the key', () => {
    expect(i18n.exists('errors.network_error')).toBe(true);
    expect(i18n.exists('errors.no_such_title')).toBe(false);
    const unknown = 'errors.no_such_title' as 'errors.generic';
    expect(i18n.t(unknown)).toBe('errors.no_such_title');
    expect(i18n.t(unknown, { defaultValue: 'Recusado: {{reason}}', reason: 'CPF' })).toBe('Recusado: CPF');
  });
});
