/**
 * The invitation's words in the user's language (public/_locales), with the store links from
 * the settings. The engine assembles and shortens them (src/otr/invitation.ts); this file only
 * looks the words up, so the engine needs no browser API.
 */
import browser from 'webextension-polyfill';
import type { StoreLinks } from '../messaging/types';
import { englishInvitation, type Invitation } from '../otr/invitation';

function message(key: string, subs?: string[]): string {
  try {
    return browser.i18n.getMessage(key, subs);
  } catch {
    return ''; // no i18n API (tests outside a browser): the English wording below is used
  }
}

export function invitationFor(account: string, links: StoreLinks): Invitation {
  const english = englishInvitation(account);
  const who = account || message('invite_someone') || 'Your contact';
  return {
    request: message('invite_request', [who]) || english.request,
    shortRequest: message('invite_request_short', [who]) || english.shortRequest,
    about: message('invite_about') || english.about,
    linksIntro: message('invite_links_intro') || english.linksIntro,
    links: [
      { label: message('invite_store_chrome') || 'Chrome', url: links.chrome },
      { label: message('invite_store_firefox') || 'Firefox', url: links.firefox },
    ],
  };
}
