/**
 * Gmail: one email thread is one conversation, so the "peer id" is the thread's permanent id.
 * Unverified here: no network. Gmail's stable hooks are data attributes (data-thread-perm-id,
 * data-message-id, the sender's email attribute) and ARIA labels; direction compares each
 * message's sender address with the signed-in account shown on the account button.
 */
import { defineSite, first, text } from './define';

const senderOf = (m: HTMLElement) => m.querySelector('span[email]')?.getAttribute('email')?.toLowerCase() ?? '';
const accountOf = (root: Document) =>
  /\(([^)]+@[^)]+)\)/.exec(first(root, ['a[aria-label^="Google Account:"]'])?.getAttribute('aria-label') ?? '')?.[1]?.toLowerCase() ?? '';

export const gmail = defineSite({
  id: 'gmail',
  name: 'Gmail',
  matches: ['https://mail.google.com/mail/*'],
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
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === accountOf(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const subject = first(root, ['h2[data-thread-perm-id]']);
    const id = subject?.getAttribute('data-thread-perm-id');
    if (!id) return null;
    return { peerId: id, account: accountOf(root), title: text(subject) };
  },
});
