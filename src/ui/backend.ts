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

/** The tab the popup was opened over; undefined when opened as a page of its own. */
export async function activeTabId(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

export async function loadPopup(tabId: number | undefined) {
  const identity = await request('identity.status', {});
  if (identity.state !== 'ready') return { identity, keys: [], accounts: [], peers: [], conversations: [] };
  const [keys, accounts, peers, conversations] = await Promise.all([
    request('keys.list', {}),
    request('keys.accounts', {}),
    request('peers.list', {}),
    tabId === undefined ? Promise.resolve([]) : request('conversations.list', { tabId }),
  ]);
  return { identity, keys, accounts, peers, conversations };
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

export type { LibotrFiles };
