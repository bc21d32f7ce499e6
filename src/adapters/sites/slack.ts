/**
 * Slack (app.slack.com). Unverified here: no network. Slack tags its UI with data-qa; the
 * composer is its Quill-based "texty" editor. A DM's stable id is its channel id (D…), the last
 * path segment of /client/<team>/<channel>; senders carry data-message-sender (a user id) and our
 * own user id is on the sidebar's user button.
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

const sender = (m: HTMLElement) => m.querySelector('[data-message-sender]')?.getAttribute('data-message-sender') ?? '';
const self = (root: Document) => first(root, ['[data-qa="user-button"][data-user-id]'])?.getAttribute('data-user-id') ?? '';

export const slack = defineSite({
  ...siteIdentity('slack'),
  editor: 'paste',
  maxMessageLength: 4000, // Slack splits longer messages itself, which would break fragments
  sendPacingMs: 1000, // chat.postMessage is rate-limited to about one per second per channel
  sendWith: 'click',
  composer: ['[data-qa="message_input"] .ql-editor[contenteditable="true"]', '[role="textbox"][contenteditable="true"].ql-editor'],
  sendButton: ['button[data-qa="texty_send_button"]', 'button[aria-label="Send now"]'],
  messageList: ['[data-qa="slack_kit_list"][role="list"]', '[data-qa="message_pane"] [role="list"]'],
  message: '[role="listitem"] [data-qa="message_container"]',
  text: ['[data-qa="message-text"]', '.c-message_kit__blocks'],
  // Continuation messages omit the sender; the nearest earlier one with a sender names them.
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === self(root) ? 'outgoing' : 'incoming'),
  from: (m) => senderOf(m),
  messageId: (m) => m.closest('[data-item-key]')?.getAttribute('data-item-key') ?? '',
  conversation(root) {
    const parts = pageUrl(root).pathname.split('/').filter(Boolean);
    if (parts[0] !== 'client' || !parts[2]) return null;
    return { peerId: parts[2], account: self(root), title: text(first(root, ['[data-qa="channel_name"]'])) };
  },
});

function senderOf(m: HTMLElement): string {
  const own = sender(m);
  if (own) return own;
  const items = Array.from(m.ownerDocument.querySelectorAll<HTMLElement>('[data-qa="message_container"]'));
  for (let i = items.indexOf(m) - 1; i >= 0; i--) {
    const s = sender(items[i]!);
    if (s) return s;
  }
  return '';
}
