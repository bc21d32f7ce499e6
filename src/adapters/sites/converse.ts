/**
 * Converse.js 14 (XMPP web client), 1:1 chats. Checked against a live 14.0.0 on Prosody: each
 * open chat is a `converse-chat[jid]` (hidden ones get class `hidden`), a message's raw body is
 * the `text` attribute of `converse-chat-message-body.chat-msg__text` (the rendered body has
 * links and emoji rewritten), own messages have `.chat-msg__content--me`, `data-from` is a full
 * JID (with resource) and `data-isodate` dates every message. The peer id is the bare JID.
 */
import type { ConversationRef, ScrapedMessage, SiteAdapter } from '../core/types';
import { messageText, normalizeScrapedText } from '../core/normalize';
import { siteIdentity } from './records';

const MESSAGE = 'converse-chat-message > div.message.chat-msg';

function activeChat(root: Document): HTMLElement | null {
  for (const chat of Array.from(root.querySelectorAll<HTMLElement>('converse-chat[jid]'))) {
    if (!chat.classList.contains('hidden') && !chat.hidden) return chat;
  }
  return null;
}

function bare(jid: string): string {
  return jid.split('/')[0] ?? '';
}

function ownJid(root: Document): string {
  return root.querySelector('converse-user-profile converse-avatar[name]')?.getAttribute('name') ?? '';
}

export const converse: SiteAdapter = {
  ...siteIdentity('converse'),
  // The rendered app's root element, or (before it renders) the page loading Converse's assets.
  detect: (root) =>
    !!root.querySelector('converse-root, #conversejs, link[rel="stylesheet"][href*="converse"], script[src*="converse"]'),
  editor: 'value-setter',
  maxMessageLength: 10_000, // XMPP has no line limit; Prosody's stanza cap is far above this
  sendPacingMs: 100,
  conversation(root): ConversationRef | null {
    const chat = activeChat(root);
    const jid = chat?.getAttribute('jid');
    if (!chat || !jid) return null;
    const title = chat.querySelector('.chatbox-title__text')?.getAttribute('title') ?? jid;
    return { peerId: bare(jid), account: bare(ownJid(root)), title };
  },
  composer: (root) => activeChat(root)?.querySelector<HTMLElement>('converse-message-form textarea.chat-textarea') ?? null,
  sendButton: (root) => activeChat(root)?.querySelector<HTMLElement>('converse-message-form button.send-button') ?? null,
  send(root, composer) {
    const button = converse.sendButton(root);
    if (button) button.click();
    else composer.closest('form')?.requestSubmit();
  },
  messageList: (root) => activeChat(root)?.querySelector<HTMLElement>('converse-chat-content .chat-content__messages') ?? null,
  messageSelector: MESSAGE,
  readMessage(element): ScrapedMessage | null {
    const textElement = element.querySelector<HTMLElement>('.chat-msg__text');
    if (!textElement) return null;
    const raw = textElement.getAttribute('text');
    const mine = !!element.querySelector('.chat-msg__content--me');
    return {
      element,
      textElement,
      text: raw !== null ? normalizeScrapedText(raw) : messageText(textElement),
      direction: mine ? 'outgoing' : 'incoming',
      from: bare(element.getAttribute('data-from') ?? ''),
      id: element.getAttribute('data-msgid') ?? '',
    };
  },
  messages(list): ScrapedMessage[] {
    const out: ScrapedMessage[] = [];
    for (const element of Array.from(list.querySelectorAll<HTMLElement>(MESSAGE))) {
      const m = converse.readMessage!(element);
      if (m) out.push(m);
    }
    return out;
  },
  sentAt(message) {
    const iso = message.getAttribute('data-isodate');
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(t) ? t : null;
  },
};
