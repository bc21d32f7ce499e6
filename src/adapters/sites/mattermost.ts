/**
 * Mattermost, mostly self-hosted (recognised from the page) plus Mattermost Cloud. Unverified
 * here: no network. The composer is a React-controlled textarea; posts carry ids and the class
 * current--user on ours; a DM's address is /<team>/messages/@<username>.
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

export const mattermost = defineSite({
  ...siteIdentity('mattermost'),
  detect: (root) =>
    root.querySelector('meta[name="apple-mobile-web-app-title"][content="Mattermost"]') !== null ||
    root.querySelector('#post_textbox') !== null,
  editor: 'value-setter',
  maxMessageLength: 16383, // server default MaxPostSize
  sendPacingMs: 300,
  sendWith: 'click',
  composer: ['textarea#post_textbox', 'textarea[data-testid="post_textbox"]'],
  sendButton: ['button[data-testid="SendMessageButton"]', 'button[aria-label="Send Now"]'],
  messageList: ['[data-testid="postView"]', '#postListContent'],
  message: 'div.post[id^="post_"]',
  text: ['[id^="postMessageText_"]', '.post-message__text'],
  direction: (m) => (m.classList.contains('current--user') ? 'outgoing' : 'incoming'),
  from: (m) => text(m.querySelector('button.user-popover')).replace(/^@/, ''),
  messageId: (m) => m.id.replace(/^post_/, ''),
  conversation(root) {
    const m = /\/messages\/(@[^/]+|[a-z0-9]{26}__[a-z0-9]{26})/.exec(pageUrl(root).pathname) ??
      /\/channels\/([^/]+)/.exec(pageUrl(root).pathname);
    if (!m) return null;
    return { peerId: m[1]!, account: '', title: text(first(root, ['#channelHeaderTitle'])) };
  },
});
