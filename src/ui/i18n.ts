/**
 * Every string the popup and options page show goes through the browser's i18n catalogue
 * (public/_locales/<lang>/messages.json), so a translation needs no code change.
 */
import { extensionApi } from '../messaging/extension-api';
import type catalogue from '../../public/_locales/en/messages.json';

/** A key of the English catalogue, the reference every translation follows. */
export type MessageKey = keyof typeof catalogue;

/** The translated text for `key`; the key itself when the catalogue lacks it, so gaps show. */
export function t(key: string, subs?: string | string[]): string {
  let text = '';
  try {
    text = extensionApi().i18n.getMessage(key, subs);
  } catch {
    // No i18n API (a page opened outside the extension): fall through to the key.
  }
  return text || key;
}

/**
 * `t` for a key known at compile time: a key missing from the catalogue does not build. In-page
 * strings (the lock, its menu, OffRecord's frames) go through this one (issue 17).
 */
export function msg(key: MessageKey, subs?: string | string[]): string {
  return t(key, subs);
}
