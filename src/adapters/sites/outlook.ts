/**
 * Outlook on the web (outlook.live.com, outlook.office.com, outlook.office365.com), as a mail
 * thread (issue 14): the OTR peer is the correspondent's address, the thread is the reading
 * pane's conversation id (`data-convid`). Unverified here: no network. Assumptions, from OWA's
 * public structure: the compose body is a plain contenteditable (roosterjs); each message is a
 * `[role="document"][data-message-id]` with a `From:` label; quoted history starts at
 * `#divRplyFwdMsg` (everything after it) or sits in a <blockquote>; the subject field's label is
 * "Add a subject"; attachments go through the page's `input[type="file"]`.
 */
import type { SiteAdapter } from '../core/types';
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

const QUOTES = ['#divRplyFwdMsg', '#divRplyFwdMsg ~ *', 'blockquote'];

const senderOf = (m: HTMLElement) =>
  /<([^>]+@[^>]+)>/.exec(m.querySelector('[aria-label^="From:"], [data-testid="SenderPersona"]')?.textContent ?? '')?.[1]?.toLowerCase() ?? '';
const accountOf = (root: Document) =>
  first(root, ['[data-testid="mectrl_currentAccount_secondary"]', '#mectrl_currentAccount_secondary'])?.textContent?.trim().toLowerCase() ?? '';

const site = defineSite({
  ...siteIdentity('outlook'),
  editor: 'exec-command',
  maxMessageLength: 20000,
  sendPacingMs: 3000,
  sendWith: 'click',
  composer: ['div[role="textbox"][aria-label="Message body"][contenteditable="true"]', 'div[contenteditable="true"][aria-label^="Message body"]'],
  sendButton: ['button[aria-label="Send"]', 'button[title="Send (Ctrl+Enter)"]'],
  messageList: ['[data-testid="ConversationReadingPane"]', '[role="main"][aria-label="Reading Pane"]'],
  message: '[role="document"][data-message-id], div[aria-label="Email message"]',
  text: ['[aria-label="Message body"]:not([contenteditable])', '[data-testid="UniqueMessageBody"]'],
  strip: QUOTES, // quoted history is an earlier mail's, never this one's
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === accountOf(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const pane = first(root, ['[data-testid="ConversationReadingPane"][data-convid]', '[data-convid]']);
    if (!pane?.getAttribute('data-convid')) return null;
    const me = accountOf(root);
    const peer = Array.from(pane.querySelectorAll<HTMLElement>(site.spec.message)).map(senderOf).find((s) => s !== '' && s !== me);
    if (!peer) return null;
    return { peerId: peer, account: me, title: text(first(pane, ['[role="heading"]'])) };
  },
});

export const outlook: SiteAdapter & { spec: typeof site.spec } = {
  ...site,
  mail: {
    threadId: (root) => first(root, ['[data-testid="ConversationReadingPane"][data-convid]', '[data-convid]'])?.getAttribute('data-convid') ?? null,
    bodies: (root) =>
      Array.from(root.querySelectorAll<HTMLElement>(site.spec.message)).flatMap((m) => {
        const element = first(m, site.spec.text);
        return element ? [{ element, from: senderOf(m), direction: site.spec.direction(m, root), id: site.spec.messageId(m) }] : [];
      }),
    quoteSelectors: QUOTES,
    subject: (root) => root.querySelector<HTMLInputElement>('input[aria-label="Add a subject"]'),
    attachmentInput: (root) => root.querySelector<HTMLInputElement>('input[type="file"]'),
    editorFor: () => 'exec-command',
  },
};
