/**
 * Google Chat (chat.google.com and the Chat pane in Gmail). Unverified here: no network.
 * Google's classes are minified, so this reads data attributes: the space/DM id
 * (data-group-id "dm/…" or "space/…"), message ids and the sender's data-member-id
 * ("user/human/<id>"); our own member id is on the composer region.
 */
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

const senderOf = (m: HTMLElement) => m.querySelector('[data-member-id]')?.getAttribute('data-member-id') ?? '';
const selfId = (root: Document) => first(root, ['[data-self-member-id]'])?.getAttribute('data-self-member-id') ?? '';

export const googleChat = defineSite({
  ...siteIdentity('google-chat'),
  editor: 'exec-command',
  maxMessageLength: 4096,
  sendPacingMs: 700,
  sendWith: 'click',
  composer: ['div[role="textbox"][contenteditable="true"][aria-label^="Message"]', 'c-wiz[data-group-id] div[role="textbox"][contenteditable="true"]'],
  sendButton: ['[role="button"][aria-label="Send message"]', 'button[aria-label="Send message"]'],
  messageList: ['c-wiz[data-group-id] [role="list"]', '[role="main"] [role="list"]'],
  message: '[data-message-id]',
  text: ['[data-message-text]', 'div[jsname][dir="auto"]'],
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === selfId(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const group = first(root, ['c-wiz[data-group-id]']);
    const id = group?.getAttribute('data-group-id');
    if (!id) return null;
    return { peerId: id, account: selfId(root), title: text(first(root, ['[role="main"] [role="heading"]'])) };
  },
});
