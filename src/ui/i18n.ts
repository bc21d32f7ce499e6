/**
 * Every string the popup and options page show goes through the browser's i18n catalogue
 * (public/_locales/<lang>/messages.json), so a translation needs no code change.
 */
import browser from 'webextension-polyfill';

/** The translated text for `key`; the key itself when the catalogue lacks it, so gaps show. */
export function t(key: string, subs?: string | string[]): string {
  let text = '';
  try {
    text = browser.i18n.getMessage(key, subs);
  } catch {
    // No i18n API (a page opened outside the extension): fall through to the key.
  }
  return text || key;
}
