import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ptBR } from './pt-br.ts';

export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language choice (never personal data) is remembered on this desk. */
const STORAGE_KEY = 'frc.language';

function storedLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'en' ? 'en' : 'pt-BR';
  } catch {
    return 'pt-BR';
  }
}

/** English is loaded only when chosen: pt-BR users never download it. */
async function ensureResources(language: Language): Promise<void> {
  if (language === 'en' && !i18next.hasResourceBundle('en', 'translation')) {
    const { en } = await import('./en.ts');
    i18next.addResourceBundle('en', 'translation', en);
  }
}

export async function initI18n(): Promise<void> {
  const language = storedLanguage();
  await i18next.use(initReactI18next).init({
    lng: 'pt-BR',
    fallbackLng: 'pt-BR',
    resources: { 'pt-BR': { translation: ptBR } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  if (language !== 'pt-BR') await changeLanguage(language);
  else document.documentElement.lang = 'pt-BR';
}

export async function changeLanguage(language: Language): Promise<void> {
  await ensureResources(language);
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage may be off; the choice then lasts until the page is closed.
  }
}

/** Dates and times as people in Brazil read them, on São Paulo's clock, whatever the desk's time zone. */
export function formatDateTime(date: Date, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'America/Sao_Paulo' }).format(date);
}

export function formatBytes(bytes: number, language: string): string {
  const format = (value: number, unit: string) =>
    `${new Intl.NumberFormat(language, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value)} ${unit}`;
  if (bytes < 1000) return format(bytes, 'B');
  if (bytes < 1_000_000) return format(bytes / 1000, 'KB');
  return format(bytes / 1_000_000, 'MB');
}
