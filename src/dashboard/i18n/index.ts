/**
 * The dashboard's languages: one catalog object per language, the English one the reference, and the
 * choice of a request's language. Adding a language is adding its catalog here and its code to
 * `DASHBOARD_LOCALES` (config/schema.ts); the type below refuses one without the other.
 */
import { DASHBOARD_LOCALES } from '../../config/schema.js';
import type { DashboardLocale } from '../../config/types.js';
import { en, type MessageKey, type Messages } from './en.js';
import { es } from './es.js';

export type { DashboardLocale, MessageKey, Messages };

const CATALOGS: Record<DashboardLocale, Messages> = { en, es };

/** Every language, for the language selector. */
export const LOCALES: readonly DashboardLocale[] = DASHBOARD_LOCALES;

export function isLocale(value: unknown): value is DashboardLocale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** A language's texts, with `{name}` placeholders filled from `values`. */
export interface Translator {
  readonly locale: DashboardLocale;
  (key: MessageKey, values?: Record<string, string | number>): string;
}

export function translator(locale: DashboardLocale): Translator {
  const messages = CATALOGS[locale];
  const t = (key: MessageKey, values: Record<string, string | number> = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (placeholder, name: string) =>
      Object.hasOwn(values, name) ? String(values[name]) : placeholder,
    );
  return Object.assign(t, { locale });
}

/** The name of each language in itself, for the language selector. */
export function languageNames(): { locale: DashboardLocale; name: string }[] {
  return LOCALES.map((locale) => ({ locale, name: CATALOGS[locale].languageName }));
}

/**
 * The language of a request: the one chosen in the preferences, else the configured one, else the first
 * of `Accept-Language` (by its q weights) that the dashboard speaks, else English.
 */
export function negotiateLocale(
  chosen: DashboardLocale | undefined,
  configured: DashboardLocale | undefined,
  acceptLanguage: string | string[] | undefined,
): DashboardLocale {
  if (chosen) return chosen;
  if (configured) return configured;
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((entry, index) => {
      const [tag = '', ...parameters] = entry.trim().split(';');
      const q = parameters.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { language: tag.trim().toLowerCase().split('-')[0]!, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && isLocale(entry.language))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (ranked[0]?.language as DashboardLocale | undefined) ?? 'en';
}
