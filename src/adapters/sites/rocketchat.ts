/**
 * Rocket.Chat, self-hosted (recognised from the page) plus *.rocket.chat cloud workspaces.
 * Unverified here: no network. Rocket.Chat 6 tags messages with data-qa-* and data-own; the
 * room id is on the room element (data-qa-rc-room).
 */
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

export const rocketchat = defineSite({
  ...siteIdentity('rocketchat'),
  detect: (root) => root.querySelector('meta[name="application-name"][content="Rocket.Chat"]') !== null,
  editor: 'value-setter', // the composer is a plain <textarea name="msg">
  maxMessageLength: 5000, // Message_MaxAllowedSize default
  sendPacingMs: 500,
  sendWith: 'click',
  composer: ['textarea[name="msg"]', 'textarea.rc-message-box__textarea'],
  sendButton: ['button[aria-label="Send"]', '.rc-message-box__send'],
  messageList: ['[role="list"][aria-label="Message list"]', '.messages-box [role="list"]'],
  message: '[role="listitem"][data-qa-type="message"]',
  text: ['[data-qa-type="message-body"]', '.rcx-message-body'],
  direction: (m) => (m.getAttribute('data-own') === 'true' ? 'outgoing' : 'incoming'),
  from: (m) => m.getAttribute('data-username') ?? text(m.querySelector('[data-qa-type="username"]')),
  messageId: (m) => m.getAttribute('data-id') ?? '',
  conversation(root) {
    const room = first(root, ['[data-qa-rc-room]']);
    const id = room?.getAttribute('data-qa-rc-room');
    if (!id) return null;
    return { peerId: id, account: '', title: text(first(root, ['[data-qa-id="header"] [data-qa="header-title"]', 'header [role="heading"]'])) };
  },
});
