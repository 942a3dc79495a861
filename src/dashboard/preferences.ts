/**
 * A browser's choices of language and theme, kept in one cookie (`<locale>.<theme>`, such as `es.dark`).
 * A value the dashboard does not know is ignored, as if the cookie were not there.
 */
import type { DashboardLocale } from '../config/types.js';
import { isLocale } from './i18n/index.js';

export const THEMES = ['light', 'dark', 'auto'] as const;
export type Theme = (typeof THEMES)[number];

export interface Preferences {
  locale?: DashboardLocale;
  theme?: Theme;
}

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/** The preferences a cookie holds; those it does not hold, or holds wrong, are left undefined. */
export function readPreferences(cookie: string | undefined): Preferences {
  const [locale, theme] = (cookie ?? '').split('.');
  return { ...(isLocale(locale) && { locale }), ...(isTheme(theme) && { theme }) };
}

/** The cookie value of complete preferences. */
export function writePreferences(preferences: Required<Preferences>): string {
  return `${preferences.locale}.${preferences.theme}`;
}

/** A year: preferences outlive sessions. */
export const PREFERENCES_MAX_AGE = 365 * 24 * 60 * 60;
