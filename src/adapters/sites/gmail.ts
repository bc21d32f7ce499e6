/**
 * Gmail, as a mail thread (issue 14): the OTR peer is the correspondent's address, the thread is
 * `h2[data-thread-perm-id]`, each message body is a message. Unverified here: no network.
 * Assumptions, from Gmail's public structure: stable hooks are data attributes
 * (data-thread-perm-id, data-message-id, the sender's `email` attribute) and ARIA labels; the
 * body is `.a3s`; quoted history sits in `.gmail_quote` (or a collapsed `.gmail_extra`); the
 * reply box's subject is `input[name="subjectbox"]` and its file input `input[name="Filedata"]`;
 * direction compares each sender with the account named on the account button.
 */
import type { SiteAdapter } from '../core/types';
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

const QUOTES = ['.gmail_quote', '.gmail_extra', 'blockquote'];

const senderOf = (m: HTMLElement) => m.querySelector('span[email]')?.getAttribute('email')?.toLowerCase() ?? '';
const accountOf = (root: Document) =>
  /\(([^)]+@[^)]+)\)/.exec(first(root, ['a[aria-label^="Google Account:"]'])?.getAttribute('aria-label') ?? '')?.[1]?.toLowerCase() ?? '';

const site = defineSite({
  ...siteIdentity('gmail'),
  editor: 'exec-command', // the reply body is a plain contenteditable (g_editable)
  // Gmail clips messages over ~102 KB and quotes history below; one fragment per mail stays small.
  maxMessageLength: 20000,
  sendPacingMs: 3000,
  sendWith: 'click',
  composer: ['div[role="textbox"][aria-label="Message Body"][contenteditable="true"]', 'div[g_editable="true"][contenteditable="true"]'],
  sendButton: ['[role="button"][data-tooltip^="Send"]', '[role="button"][aria-label^="Send"]'],
  messageList: ['[role="list"][aria-label="Conversation"]', '[role="main"] [role="list"]'],
  message: '[role="listitem"] [data-message-id]',
  // .a3s is Gmail's long-lived body class; no ARIA hook exists for the body alone.
  text: ['div[dir][data-message-body]', '.a3s'],
  strip: QUOTES, // quoted history is an earlier mail's, never this one's
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === accountOf(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const subject = first(root, ['h2[data-thread-perm-id]']);
    if (!subject) return null;
    const peer = correspondent(root);
    if (!peer) return null;
    return { peerId: peer, account: accountOf(root), title: text(subject) };
  },
});

const messagesOf = (root: Document) => Array.from(root.querySelectorAll<HTMLElement>(site.spec.message));

/** The first sender in the thread who is not us; else the reply box's first recipient. */
function correspondent(root: Document): string {
  const me = accountOf(root);
  const other = messagesOf(root).map(senderOf).find((s) => s !== '' && s !== me);
  if (other) return other;
  return first(root, ['[role="region"][aria-label="Reply"] [email]', 'div[name="to"] [email]'])?.getAttribute('email')?.toLowerCase() ?? '';
}

export const gmail: SiteAdapter & { spec: typeof site.spec } = {
  ...site,
  mail: {
    threadId: (root) => first(root, ['h2[data-thread-perm-id]'])?.getAttribute('data-thread-perm-id') ?? null,
    bodies: (root) =>
      messagesOf(root).flatMap((m) => {
        const element = first(m, site.spec.text);
        return element ? [{ element, from: senderOf(m), direction: site.spec.direction(m, root), id: site.spec.messageId(m) }] : [];
      }),
    quoteSelectors: QUOTES,
    subject: (root) => root.querySelector<HTMLInputElement>('input[name="subjectbox"]'),
    attachmentInput: (root) => root.querySelector<HTMLInputElement>('input[type="file"][name="Filedata"]'),
    editorFor: () => 'exec-command',
  },
};
