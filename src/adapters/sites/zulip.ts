/**
 * Zulip (*.zulipchat.com or self-hosted, recognised from the page). Unverified here: no
 * network. Messages are .message_row[data-message-id]; the sender's user id is on the avatar
 * or name (data-user-id) and ours is in the page params; a DM narrow's address names the peer's
 * user id (#narrow/dm/<id>-<name>).
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

const senderOf = (m: HTMLElement): string => {
  for (let el: Element | null = m; el; el = el.previousElementSibling) {
    const id = el.querySelector('[data-user-id]')?.getAttribute('data-user-id');
    if (id) return id; // later rows of a group drop the sender line
  }
  return '';
};
const selfId = (root: Document) => first(root, ['#page-params[data-current-user-id]', '[data-current-user-id]'])?.getAttribute('data-current-user-id') ?? '';

export const zulip = defineSite({
  ...siteIdentity('zulip'),
  detect: (root) => root.querySelector('#compose-textarea') !== null && root.querySelector('#message_feed_container') !== null,
  editor: 'value-setter',
  maxMessageLength: 10000, // server's max_message_length
  sendPacingMs: 300,
  sendWith: 'click',
  composer: ['textarea#compose-textarea', 'textarea[aria-label="Message"]'],
  sendButton: ['button#compose-send-button', 'button[aria-label="Send"]'],
  messageList: ['#message_feed_container .message-list', '#message_feed_container'],
  message: '.message_row[data-message-id]',
  text: ['.message_content'],
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === selfId(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const m = /narrow\/(?:dm|pm-with)\/([\d,]+)-?([^/]*)/.exec(pageUrl(root).hash);
    if (!m) return null;
    return { peerId: m[1]!, account: selfId(root), title: text(first(root, ['#message_view_header .narrow_description'])) || m[2]! };
  },
});
