/**
 * WhatsApp Web. Selectors come from the public page structure as known in 2024–25; this
 * machine cannot reach the site, so they are unverified here (see test/fixtures/sites/whatsapp.html).
 * Each message row carries data-id "<fromMe>_<chat JID>_<message id>", which gives both the
 * direction and the peer's stable JID without relying on class names.
 */
import { defineSite, first, text } from './define';
import { siteIdentity } from './records';

function parseDataId(id: string): { own: boolean; jid: string; msg: string } | null {
  const m = /^(true|false)_([^_]+@[^_]+)_(.+)$/.exec(id);
  return m ? { own: m[1] === 'true', jid: m[2]!, msg: m[3]! } : null;
}

export const whatsapp = defineSite({
  ...siteIdentity('whatsapp'),
  editor: 'before-input', // the composer is Lexical (data-lexical-editor)
  // Long messages are folded behind "Read more"; keep each OTR fragment well under that.
  maxMessageLength: 700,
  sendPacingMs: 600,
  sendWith: 'click',
  composer: ['footer div[contenteditable="true"][role="textbox"]', '#main footer [contenteditable="true"]'],
  sendButton: ['footer button[aria-label="Send"]', 'footer [data-icon="send"]'],
  messageList: ['#main [role="application"]', '#main [data-testid="conversation-panel-messages"]'],
  message: '[data-id]',
  text: ['span.selectable-text', '.copyable-text span[dir]'],
  direction: (m) => (parseDataId(m.getAttribute('data-id') ?? '')?.own ? 'outgoing' : 'incoming'),
  from: (m) => {
    // data-pre-plain-text="[10:32, 1/2/2025] Alice: " is the only sender label in the row.
    const pre = m.querySelector('[data-pre-plain-text]')?.getAttribute('data-pre-plain-text') ?? '';
    return /\]\s*(.*?):\s*$/.exec(pre)?.[1] ?? '';
  },
  messageId: (m) => parseDataId(m.getAttribute('data-id') ?? '')?.msg ?? '',
  conversation(root) {
    const header = first(root, ['#main header']);
    const row = root.querySelector('#main [data-id]');
    const parsed = parseDataId(row?.getAttribute('data-id') ?? '');
    if (!header || !parsed) return null;
    const title = text(first(header, ['span[dir="auto"][title]', 'span[dir="auto"]']));
    return { peerId: parsed.jid, account: '', title };
  },
});
