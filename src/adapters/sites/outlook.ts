/**
 * Outlook on the web (outlook.live.com, outlook.office.com, outlook.office365.com). One mail
 * conversation is one OTR conversation, keyed by the reading pane's conversation id.
 * Unverified here: no network. The compose body is a plain contenteditable (roosterjs).
 */
import { defineSite, first, text } from './define';

const senderOf = (m: HTMLElement) =>
  /<([^>]+@[^>]+)>/.exec(m.querySelector('[aria-label^="From:"], [data-testid="SenderPersona"]')?.textContent ?? '')?.[1]?.toLowerCase() ?? '';
const accountOf = (root: Document) =>
  first(root, ['[data-testid="mectrl_currentAccount_secondary"]', '#mectrl_currentAccount_secondary'])?.textContent?.trim().toLowerCase() ?? '';

export const outlook = defineSite({
  id: 'outlook',
  name: 'Outlook on the web',
  matches: ['https://outlook.live.com/*', 'https://outlook.office.com/*', 'https://outlook.office365.com/*'],
  editor: 'exec-command',
  maxMessageLength: 20000,
  sendPacingMs: 3000,
  sendWith: 'click',
  composer: ['div[role="textbox"][aria-label="Message body"][contenteditable="true"]', 'div[contenteditable="true"][aria-label^="Message body"]'],
  sendButton: ['button[aria-label="Send"]', 'button[title="Send (Ctrl+Enter)"]'],
  messageList: ['[data-testid="ConversationReadingPane"]', '[role="main"][aria-label="Reading Pane"]'],
  message: '[role="document"][data-message-id], div[aria-label="Email message"]',
  text: ['[aria-label="Message body"]:not([contenteditable])', '[data-testid="UniqueMessageBody"]'],
  direction: (m, root) => (senderOf(m) !== '' && senderOf(m) === accountOf(root) ? 'outgoing' : 'incoming'),
  from: senderOf,
  messageId: (m) => m.getAttribute('data-message-id') ?? '',
  conversation(root) {
    const pane = first(root, ['[data-testid="ConversationReadingPane"][data-convid]', '[data-convid]']);
    const id = pane?.getAttribute('data-convid');
    if (!id) return null;
    return { peerId: id, account: accountOf(root), title: text(first(pane!, ['[role="heading"]'])) };
  },
});
