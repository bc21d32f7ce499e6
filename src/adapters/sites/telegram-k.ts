/**
 * Telegram Web K (web.telegram.org/k/). Unverified here: no network. Bubbles carry data-mid and
 * the classes is-in / is-out (Web K has no ARIA roles on them); the chat's peer id is the
 * data-peer-id on the top bar's avatar/title, a number that never changes with renames.
 */
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

export const telegramK = defineSite({
  ...siteIdentity('telegram-k'),
  editor: 'exec-command', // a plain contenteditable div.input-message-input
  maxMessageLength: 4096,
  sendPacingMs: 400,
  sendWith: 'click',
  composer: ['.chat-input div.input-message-input[contenteditable="true"]', 'div[contenteditable="true"][data-peer-id]'],
  sendButton: ['.chat-input button.btn-send', 'button.send'],
  messageList: ['.bubbles .bubbles-inner', '.bubbles-inner'],
  message: '.bubble[data-mid]',
  // .translatable-message holds only the body; .message also contains the time stamp.
  text: ['.translatable-message', '.message'],
  strip: ['.time', '.reactions'],
  direction: (m) => (m.classList.contains('is-out') ? 'outgoing' : 'incoming'),
  from: (m) => m.getAttribute('data-peer-id') ?? '',
  messageId: (m) => m.getAttribute('data-mid') ?? '',
  conversation(root) {
    const peer = first(root, ['.chat .topbar [data-peer-id]', '.topbar .peer-title[data-peer-id]']);
    const id = peer?.getAttribute('data-peer-id');
    if (!id) return null;
    return { peerId: id, account: '', title: text(first(root, ['.topbar .peer-title'])) };
  },
});
