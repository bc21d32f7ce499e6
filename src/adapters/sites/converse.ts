/**
 * Converse.js 14 (XMPP web client), 1:1 chats and groupchats (MUC). Checked against a live
 * 14.0.0 on Prosody: each open chat is a `converse-chat[jid]`, each open groupchat a
 * `converse-muc[jid]` (hidden ones get class `hidden`); a message's raw body is the `text`
 * attribute of `converse-chat-message-body.chat-msg__text` (the rendered body has links and
 * emoji rewritten), own messages have `.chat-msg__content--me`, `data-from` is a full JID and
 * `data-isodate` dates every message. A 1:1 chat's peer id is the bare JID; a groupchat's is
 * the room's JID.
 *
 * In a groupchat `data-from` is `room@service/nick`: a nick, which anyone may take, while
 * pairwise OTR conversations (and so private-room members) are bare JIDs. A poster is named by
 * the bare JID the occupant list shows for that nick (non-anonymous rooms show everyone's:
 * the JID leads the `.occupant-nick` title). Where it shows none (semi-anonymous rooms, an
 * occupant who left, the list hidden) the poster stays the occupant's room JID, which no
 * member's name ever equals.
 */
import type { ConversationRef, ScrapedMessage, SiteAdapter } from '../core/types';
import { messageText, normalizeScrapedText } from '../core/normalize';
import { siteIdentity } from './records';

const MESSAGE = 'converse-chat-message > div.message.chat-msg';
const BARE_JID = /^[^\s@/]+@[^\s@/]+$/;

function activeChat(root: Document): HTMLElement | null {
  for (const chat of Array.from(root.querySelectorAll<HTMLElement>('converse-chat[jid], converse-muc[jid]'))) {
    if (!chat.classList.contains('hidden') && !chat.hidden) return chat;
  }
  return null;
}

const isGroupchat = (chat: Element | null): boolean => chat?.localName === 'converse-muc';

function bare(jid: string): string {
  return jid.split('/')[0] ?? '';
}

function ownJid(root: Document): string {
  return root.querySelector('converse-user-profile converse-avatar[name]')?.getAttribute('name') ?? '';
}

/** The bare JID the groupchat's occupant list shows for `nick`, or null when it shows none. */
export function occupantJid(muc: Element, nick: string): string | null {
  for (const item of Array.from(muc.querySelectorAll('converse-muc-occupants .occupant-nick'))) {
    if ((item.textContent ?? '').trim() !== nick) continue;
    const first = bare((item.getAttribute('title') ?? '').trim().split(/\s+/)[0] ?? '');
    return BARE_JID.test(first) ? first : null;
  }
  return null;
}

/** The poster of a message: bare JID in a 1:1 chat; in a groupchat, as the header says. */
function posterOf(element: HTMLElement): string {
  const from = element.getAttribute('data-from') ?? '';
  const muc = element.closest('converse-muc');
  if (!muc) return bare(from);
  const slash = from.indexOf('/');
  if (slash < 0) return from;
  return occupantJid(muc, from.slice(slash + 1)) ?? from;
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
    return { peerId: bare(jid), account: bare(ownJid(root)), title, kind: isGroupchat(chat) ? 'channel' : 'direct' };
  },
  composer: (root) => activeChat(root)?.querySelector<HTMLElement>('converse-message-form textarea.chat-textarea, converse-muc-message-form textarea.chat-textarea') ?? null,
  sendButton: (root) => activeChat(root)?.querySelector<HTMLElement>('converse-message-form button.send-button, converse-muc-message-form button.send-button') ?? null,
  send(root, composer) {
    const button = converse.sendButton(root);
    if (button) button.click();
    else composer.closest('form')?.requestSubmit();
  },
  messageList: (root) =>
    activeChat(root)?.querySelector<HTMLElement>('converse-chat-content .chat-content__messages, converse-muc-chat-content .chat-content__messages') ?? null,
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
      from: posterOf(element),
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
