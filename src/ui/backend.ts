/**
 * The UI's only door to the background: every request the popup and options page make is
 * here, so a change in the message map touches one file. Browser calls that must stay in the
 * page (permission prompts, the active tab, opening the options page) live here too.
 */
import browser from 'webextension-polyfill';
import { request, subscribe } from '../messaging/client';
import { EVENTS_PORT, type PushEvent } from '../messaging/ports';
import type { LibotrFiles, PeerView, SitePolicy, Trust } from '../messaging/schema';

export { request };

export function onPush(listener: (event: PushEvent) => void, onConnect: () => void): () => void {
  return subscribe(EVENTS_PORT, listener, onConnect);
}

/**
 * The tab the popup was opened over; undefined when opened as a page of its own. A page of its
 * own may name the tab as `popup.html?tab=<id>` (a detached popup window, and the e2e tests,
 * where the popup page is itself the active tab). Only the extension can open its popup page,
 * and conversations.list already serves any tab to the popup, so the parameter grants nothing.
 */
export async function activeTabId(search: string = globalThis.location?.search ?? ''): Promise<number | undefined> {
  const named = tabParam(search);
  if (named !== null) return named;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

/** `?tab=<id>` as a tab id, undefined when present but malformed, null when absent. */
export function tabParam(search: string): number | undefined | null {
  const value = new URLSearchParams(search).get('tab');
  if (value === null) return null;
  // Chromium's tab ids run past 10 digits; schema.ts takes any non-negative integer.
  return /^[0-9]{1,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

export async function loadPopup(tabId: number | undefined) {
  const identity = await request('identity.status', {});
  if (identity.state !== 'ready') return { identity, keys: [], accounts: [], peers: [], conversations: [] };
  const [keys, accounts, peers, conversations, page, problems] = await Promise.all([
    request('keys.list', {}),
    request('keys.accounts', {}),
    request('peers.list', {}),
    tabId === undefined ? Promise.resolve([]) : request('conversations.list', { tabId }),
    // Only decides whether the set-up buttons show: a failure just hides them.
    tabId === undefined ? Promise.resolve(undefined) : request('picker.status', { tabId }).catch(() => undefined),
    request('conversations.problems', {}).catch(() => []),
  ]);
  return { identity, keys, accounts, peers, conversations, page, problems };
}

/**
 * PeerView does not say which (site, account, peer) saw the new key, so accepting it
 * acknowledges every sighting of that fingerprint (see report: schema gap).
 */
export async function acknowledgePeer(peer: PeerView): Promise<void> {
  for (const s of peer.seen) {
    await request('peers.acknowledgeChange', { site: s.site, account: s.account, peer: s.peer, fingerprint: peer.fingerprint });
  }
}

export const setTrust = (fingerprint: string, trust: Trust) => request('peers.setTrust', { fingerprint, trust });

/**
 * Asks the browser for access to a site. Must be the first await after the user's click: the
 * permission prompt needs the click's user activation, which a round trip to the worker loses.
 */
export function requestHostPermission(pattern: string): Promise<boolean> {
  return browser.permissions.request({ origins: [pattern] });
}

/** A user-added site starts opportunistic; the background picks its fragment size. */
export async function addSite(name: string, pattern: string, policy: SitePolicy = 'opportunistic') {
  return request('sites.add', { name, origins: [pattern], policy });
}

export function openOptions(): void {
  void browser.runtime.openOptionsPage();
}

/**
 * Reloads the whole extension, which starts its background afresh. Saved conversations come
 * back from storage; pages and frames of the old instance stop working until their tab reloads.
 */
export function restartOffRecord(): void {
  browser.runtime.reload();
}

/** "How to talk with Pidgin, Adium, irssi or ChatSecure users", in its own tab. */
export function openFirstContact(): void {
  void browser.tabs.create({ url: browser.runtime.getURL('/first-contact.html') });
}

export type { LibotrFiles };
