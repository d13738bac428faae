import { useSyncExternalStore } from 'react';
import { ptBR } from './pt-br.ts';
import type { Messages, PtBR } from './pt-br.ts';

/*
 * The console's own i18n, ~1 KB instead of i18next + react-i18next's ~18 KB gzip on the first page
 * (docs/decisions/003): the dictionaries are plain objects, keys are dot paths into them typed
 * against pt-BR, `{{name}}` is filled in from the values given, and English is a lazy chunk.
 * What it keeps of i18next's behaviour: pt-BR is the fallback of a key missing in English; a key
 * missing everywhere gives `defaultValue` if one is given, else the key itself; a placeholder with
 * no value (undefined) stays as written, null gives ''; filled-in values are not interpolated again.
 * No plural suffixes (`_one`, `_other`): the dictionaries have none, and a call `t('x', { count })`
 * for such keys would not type-check (`x` would not be a key).
 */

export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Every key of the pt-BR dictionary as a dot path to one of its strings: `app.nav.label`. */
type Paths<T> = { [K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}` }[keyof T & string];
type TranslationKey = Paths<PtBR>;
/** Values for the `{{name}}` placeholders, and the text for a key found in no dictionary. */
interface TranslationOptions {
  readonly defaultValue?: string;
  readonly [name: string]: string | number | boolean | null | undefined;
}
export type Translate = (key: TranslationKey, options?: TranslationOptions) => string;
export interface I18n {
  readonly language: Language;
  /** Whether a key (computed at run time, e.g. from an error code) names something in a dictionary. */
  exists(key: string): boolean;
  t: Translate;
}

/** The language choice (never personal data) is remembered on this desk. */
const STORAGE_KEY = 'frc.language';

/** pt-BR grows as the pages that bring their own words load (pt-br-pages.ts). */
// Its `errors` lacks the later pages' until they load: typed as what it grows into.
const portuguese = { ...ptBR } as Partial<Messages>;
const dictionaries: Partial<Record<Language, Partial<Messages>>> = { 'pt-BR': portuguese };

/** Adds the sections of pages loaded later to pt-BR (and so to every language's fallback). */
export function addPortuguese(sections: Record<string, object>): void {
  // A section the first page has too (errors) gains the later pages' keys.
  for (const [name, section] of Object.entries(sections))
    Object.assign(portuguese, { [name]: { ...portuguese[name as keyof Messages], ...section } });
}
let current: Language = 'pt-BR';
/** The language asked for last: an English dictionary arriving late must not undo a later choice. */
let requested: Language = current;
const listeners = new Set<() => void>();

function storedLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'en' ? 'en' : 'pt-BR';
  } catch {
    return 'pt-BR';
  }
}

function lookup(dictionary: Partial<Messages> | undefined, key: string): unknown {
  let node: unknown = dictionary;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const PLACEHOLDER = /{{(.+?)}}/g;

function interpolate(text: string, options: TranslationOptions | undefined): string {
  if (options === undefined) return text;
  return text.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = options[name.trim()];
    if (value === undefined) return placeholder;
    return value === null ? '' : String(value);
  });
}

function translate(language: Language, key: string, options?: TranslationOptions): string {
  for (const dictionary of [dictionaries[language], portuguese]) {
    const text = lookup(dictionary, key);
    if (typeof text === 'string') return interpolate(text, options);
  }
  return options?.defaultValue === undefined ? key : interpolate(options.defaultValue, options);
}

const instances = new Map<Language, I18n>();

/** One per language, so that `t` changes identity when the language does (as i18next's does). */
function instance(language: Language): I18n {
  let found = instances.get(language);
  if (found === undefined) {
    found = {
      language,
      exists: (key) => lookup(dictionaries[language], key) !== undefined || lookup(portuguese, key) !== undefined,
      t: (key, options) => translate(language, key, options),
    };
    instances.set(language, found);
  }
  return found;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const currentLanguage = (): Language => current;

/** The translation function of the current language; the component renders again when it changes. */
export function useTranslation(): { t: Translate; i18n: I18n } {
  const i18n = instance(useSyncExternalStore(subscribe, currentLanguage));
  return { t: i18n.t, i18n };
}

/** Outside components (and in tests): the current language's translations, read at each call. */
export const i18n: I18n = {
  get language() {
    return current;
  },
  exists: (key) => instance(current).exists(key),
  t: (key, options) => translate(current, key, options),
};

/** English is loaded only when chosen: pt-BR users never download it. */
async function ensureDictionary(language: Language): Promise<void> {
  if (dictionaries[language] === undefined) dictionaries.en = (await import('./en.ts')).en;
}

export async function initI18n(): Promise<void> {
  await setLanguage(storedLanguage(), false);
}

export async function changeLanguage(language: Language): Promise<void> {
  await setLanguage(language, true);
}

async function setLanguage(language: Language, remember: boolean): Promise<void> {
  requested = language;
  await ensureDictionary(language);
  if (requested !== language) return;
  current = language;
  document.documentElement.lang = language;
  for (const listener of listeners) listener();
  if (!remember) return;
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
