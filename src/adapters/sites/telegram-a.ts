/**
 * Telegram Web A (web.telegram.org/a/). Unverified here: no network. Messages are
 * .Message[data-message-id] with the class "own" on ours; the open chat's peer id is the
 * data-peer-id of the header avatar.
 */
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

export const telegramA = defineSite({
  ...siteIdentity('telegram-a'),
  editor: 'exec-command', // #editable-message-text is a plain contenteditable
  maxMessageLength: 4096,
  sendPacingMs: 400,
  sendWith: 'click',
  composer: ['#editable-message-text[contenteditable="true"]', '.message-input-wrapper [contenteditable="true"]'],
  sendButton: ['button[aria-label="Send Message"]', '.Composer button.send'],
  messageList: ['.MessageList', '#MiddleColumn .messages-container'],
  message: '.Message[data-message-id]',
  text: ['.text-content'],
  strip: ['.MessageMeta'], // the time stamp sits inside the text block
  direction: (m) => (m.classList.contains('own') ? 'outgoing' : 'incoming'),
  from: (m) => m.querySelector('.message-title [data-peer-id], .Avatar[data-peer-id]')?.getAttribute('data-peer-id') ?? '',
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const avatar = first(root, ['.MiddleHeader .Avatar[data-peer-id]', '.MiddleHeader [data-peer-id]']);
    const id = avatar?.getAttribute('data-peer-id');
    if (!id) return null;
    return { peerId: id, account: '', title: text(first(root, ['.MiddleHeader .fullName', '.MiddleHeader h3'])) };
  },
});
