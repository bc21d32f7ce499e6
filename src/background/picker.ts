/**
 * "Set up OffRecord on this page" (issue 6): the popup asks, the background forwards to the
 * tab's top-frame content script, which runs the element picker (src/adapters/generic/listen.ts).
 * The picks are CSS selectors in storage.local under the page's origin; status and forget read
 * and drop that one key. Requests come from extension UI only (schema.ts).
 */
import browser from 'webextension-polyfill';
import { genericConfigKey as storageKey, PICKER_REQUEST, type PickerReply, type PickerRequest } from '../messaging/picker';
import { storeFail } from './errors';
import type { Handlers } from './router';

export interface PickerApis {
  tabs: {
    get(tabId: number): Promise<{ url?: string }>;
    sendMessage(tabId: number, message: unknown, options: { frameId: number }): Promise<unknown>;
  };
  storage: { local: { get(key: string): Promise<Record<string, unknown>>; remove(key: string): Promise<void> } };
}

type PickerKinds = 'picker.start' | 'picker.status' | 'picker.forget';

/** The web origin the tab shows, or null for browser pages, files and the like. */
async function tabOrigin(apis: PickerApis, tabId: number): Promise<string | null> {
  let url: string | undefined;
  try {
    url = (await apis.tabs.get(tabId)).url;
  } catch {
    storeFail('not-found', 'that tab is gone');
  }
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

export function pickerHandlers(apis: PickerApis = browser as unknown as PickerApis): Pick<Handlers, PickerKinds> {
  return {
    'picker.start': async ({ tabId }) => {
      if (!(await tabOrigin(apis, tabId))) storeFail('invalid', 'OffRecord cannot run on this page');
      const message: PickerRequest = { type: PICKER_REQUEST };
      let reply: unknown;
      try {
        // Top frame only: the picker reaches same-origin iframes from there.
        reply = await apis.tabs.sendMessage(tabId, message, { frameId: 0 });
      } catch {
        reply = undefined;
      }
      if (typeof reply !== 'object' || reply === null) {
        storeFail('not-found', 'OffRecord is not running on this page: add the site in Settings, then reload the page');
      }
      if (!(reply as PickerReply).started) storeFail('busy', 'the picker is already running on this page');
      return null;
    },
    'picker.status': async ({ tabId }) => {
      const origin = await tabOrigin(apis, tabId);
      if (!origin) return { origin: null, configured: false };
      const key = storageKey(origin);
      const got = await apis.storage.local.get(key);
      return { origin, configured: got[key] !== undefined };
    },
    'picker.forget': async ({ tabId }) => {
      const origin = await tabOrigin(apis, tabId);
      if (origin) await apis.storage.local.remove(storageKey(origin));
      return null;
    },
  };
}
