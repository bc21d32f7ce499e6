/**
 * The generic adapter (DESIGN.md §3): any page with a textarea or contenteditable composer and a
 * message list, as pointed at by the user with the element picker. A generic page does not say
 * which messages are ours, so a message is outgoing when its text is one we sent from this tab.
 */
import type { InsertTechnique, QueryRoot, ScrapedMessage, SiteAdapter } from '../core/types';
import { messageText } from '../core/normalize';
import { detectEditorFamily, TECHNIQUE_FOR } from '../core/insert';
import type { GenericConfig } from './config';
import { queryDeep } from './deep';

export interface GenericAdapter extends SiteAdapter {
  config: GenericConfig;
  /** Remember text this tab sent, so its echo in the list reads as outgoing. */
  markSent(text: string): void;
}

const SENT_MEMORY = 200;

export function createGenericAdapter(config: GenericConfig): GenericAdapter {
  const sent: string[] = [];
  const q = (root: QueryRoot, sel: string) => queryDeep(root, sel);
  const adapter: GenericAdapter = {
    id: 'generic',
    name: 'Generic chat page',
    matches: [],
    config,
    // The user's stored choice, else the technique of the editor library the composer shows
    // (Lexical, Draft.js… leave marks on their root), else plain contenteditable.
    get editor(): InsertTechnique {
      if (config.technique) return config.technique;
      const el = q(document, config.composer);
      const family = el && detectEditorFamily(el);
      return family ? TECHNIQUE_FOR[family] : 'exec-command';
    },
    maxMessageLength: 2000,
    sendPacingMs: 300,
    conversation(root) {
      if (!q(root, config.composer)) return null;
      const url = new URL(root.location?.href ?? root.URL);
      // No peer id to be had on an unknown page: the page address stands in for it.
      return { peerId: url.origin + url.pathname, account: '', title: root.title || url.host };
    },
    composer: (root) => q(root, config.composer),
    sendButton: (root) => q(root, config.sendButton),
    send(root, composer) {
      const button = adapter.sendButton(root);
      if (button) {
        button.click();
        return;
      }
      const win = composer.ownerDocument.defaultView ?? window;
      for (const type of ['keydown', 'keypress', 'keyup']) {
        composer.dispatchEvent(new win.KeyboardEvent(type, { key: 'Enter', code: 'Enter', keyCode: 13, bubbles: true, cancelable: true }));
      }
    },
    messageList: (root) => q(root, config.messageList),
    messages(list): ScrapedMessage[] {
      const items = config.message
        ? Array.from(list.querySelectorAll<HTMLElement>(config.message))
        : (Array.from(list.children) as HTMLElement[]);
      return items.map((element) => {
        const text = messageText(element);
        return { element, textElement: element, text, direction: sent.includes(text) ? 'outgoing' : 'incoming', from: '', id: '' };
      });
    },
    markSent(text) {
      sent.push(text);
      if (sent.length > SENT_MEMORY) sent.shift();
    },
  };
  return adapter;
}
