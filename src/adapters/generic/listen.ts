/**
 * The content script's side of "Set up OffRecord on this page" (popup → background →
 * tabs.sendMessage → here). Only the extension itself may start the picker: a page script cannot
 * reach runtime.onMessage, and we still check the sender is our own extension and not a tab.
 */
import browser from 'webextension-polyfill';
import { createGenericAdapter, type GenericAdapter } from './adapter';
import { saveGenericConfig } from './config';
import { ENGLISH_PROMPTS, pickGenericConfig, type PickerPrompts } from './picker';
import { isPickerRequest, type PickerReply } from '../../messaging/picker';

function catalogue(key: string, fallback: string): string {
  try {
    return browser.i18n.getMessage(key) || fallback;
  } catch {
    return fallback;
  }
}

export function pickerPrompts(): PickerPrompts {
  return {
    composer: catalogue('picker_prompt_composer', ENGLISH_PROMPTS.composer),
    notEditable: catalogue('picker_prompt_not_editable', ENGLISH_PROMPTS.notEditable),
    list: catalogue('picker_prompt_list', ENGLISH_PROMPTS.list),
  };
}

/**
 * Answers picker requests in this (top) document: runs the picker, saves the choice for this
 * origin (selectors only) and hands the new adapter to `onConfigured`. Returns the unsubscribe.
 */
export function listenForPickerRequests(doc: Document, onConfigured: (adapter: GenericAdapter) => void): () => void {
  let running = false;
  let stopped = false;
  const listener = (message: unknown, sender: browser.Runtime.MessageSender): Promise<PickerReply> | undefined => {
    if (!isPickerRequest(message)) return undefined;
    if (sender.id !== browser.runtime.id || sender.tab !== undefined) return undefined;
    const win = doc.defaultView;
    if (!win || win !== win.top) return undefined;
    if (running || stopped) return Promise.resolve({ started: false });
    running = true;
    void pickGenericConfig(doc, pickerPrompts())
      .then(async (config) => {
        if (!config || stopped) return;
        await saveGenericConfig(new URL(doc.URL).origin, config);
        onConfigured(createGenericAdapter(config));
      })
      .catch((e: unknown) => console.warn('OffRecord: picker:', e))
      .finally(() => {
        running = false;
      });
    return Promise.resolve({ started: true });
  };
  browser.runtime.onMessage.addListener(listener);
  return () => {
    stopped = true;
    browser.runtime.onMessage.removeListener(listener);
  };
}
