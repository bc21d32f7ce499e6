/**
 * Facebook Messenger (messenger.com and facebook.com/messages). Unverified here: no network.
 * Class names are generated and change weekly, so only roles, aria-labels and the thread URL
 * are used. Our own rows carry a visually hidden "You sent" heading, which screen readers use.
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

const isOwn = (m: HTMLElement) =>
  Array.from(m.querySelectorAll('h4, h5, h6, span')).some((h) => /^You sent/.test(text(h)));

export const messenger = defineSite({
  ...siteIdentity('messenger'),
  editor: 'before-input', // the composer is Lexical (data-lexical-editor)
  maxMessageLength: 4000,
  sendPacingMs: 800,
  sendWith: 'click',
  composer: ['div[role="textbox"][contenteditable="true"][aria-label^="Message"]', '[role="main"] div[role="textbox"][contenteditable="true"]'],
  sendButton: ['[role="button"][aria-label="Press enter to send"]', '[role="button"][aria-label="Send"]'],
  messageList: ['[role="grid"][aria-label^="Messages in conversation"]', '[role="main"] [role="grid"]'],
  message: '[role="row"]',
  text: ['div[dir="auto"]'],
  direction: (m) => (isOwn(m) ? 'outgoing' : 'incoming'),
  from: (m) => (isOwn(m) ? '' : /^(.*?) (sent|replied)/.exec(text(m.querySelector('h4, h5, h6')))?.[1] ?? ''),
  messageId: (m) => m.querySelector('[data-message-id]')?.getAttribute('data-message-id') ?? '',
  conversation(root) {
    // /t/<thread id>/ (messenger.com) or /messages/t/<thread id>/ (facebook.com).
    const id = /\/t\/([^/]+)/.exec(pageUrl(root).pathname)?.[1];
    if (!id) return null;
    const grid = first(root, ['[role="grid"][aria-label^="Messages in conversation"]']);
    const title = /^Messages in conversation (?:with|titled) (.*)$/.exec(grid?.getAttribute('aria-label') ?? '')?.[1] ?? '';
    return { peerId: id, account: '', title };
  },
});
