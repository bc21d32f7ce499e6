/**
 * Discord (discord.com). Unverified here: no network. The composer is Slate
 * (data-slate-editor), Enter sends, and ids are in element ids: list items are
 * chat-messages-<channel>-<message>, and avatars point at /avatars/<user id>/.
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

const avatarUser = (img: Element | null) => /\/avatars\/(\d+)\//.exec(img?.getAttribute('src') ?? '')?.[1] ?? '';
const selfId = (root: Document) => avatarUser(first(root, ['section[aria-label="User area"] img[src*="/avatars/"]']));

/** Grouped messages show no avatar; the group's first message does. */
function authorOf(m: HTMLElement): string {
  for (let el: Element | null = m; el; el = el.previousElementSibling) {
    const id = avatarUser(el.querySelector('img[src*="/avatars/"]'));
    if (id) return id;
  }
  return '';
}

export const discord = defineSite({
  ...siteIdentity('discord'),
  editor: 'before-input',
  maxMessageLength: 2000,
  sendPacingMs: 1200, // Discord rate-limits bursts of 5 messages per 5 s per channel
  sendWith: 'enter',
  composer: ['[role="textbox"][data-slate-editor="true"]', 'form [contenteditable="true"][role="textbox"]'],
  sendButton: ['button[aria-label="Send Message"]'],
  messageList: ['ol[data-list-id="chat-messages"]', '[role="log"]'],
  message: 'li[id^="chat-messages-"]',
  text: ['[id^="message-content-"]'],
  direction: (m, root) => (authorOf(m) !== '' && authorOf(m) === selfId(root) ? 'outgoing' : 'incoming'),
  from: authorOf,
  messageId: (m) => /^chat-messages-\d+-(\d+)$/.exec(m.id)?.[1] ?? '',
  conversation(root) {
    const parts = pageUrl(root).pathname.split('/').filter(Boolean); // channels/@me/<dm id>
    const channel = parts[0] === 'channels' ? parts[2] : undefined;
    if (!channel) return null;
    return { peerId: channel, account: selfId(root), title: text(first(root, ['section[aria-label="Channel header"] h1', 'h1'])) };
  },
});
