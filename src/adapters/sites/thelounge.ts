/**
 * The Lounge 4.5 (self-hosted IRC web client). Checked against a live 4.5.2 on ngircd: only the
 * active channel or query is rendered (`#chat .chat-view`), our nick is `form#form #nick`, our own
 * lines carry `.msg.self`, and each line's id (`msg-N`) is the server's and survives re-renders.
 * IRC lines are short: irc-framework splits anything over ~335 bytes into several PRIVMSGs, which
 * would tear an OTR message apart, so fragments stay well below that.
 */
import type { ConversationRef, ScrapedMessage, SiteAdapter } from '../core/types';
import { messageText } from '../core/normalize';
import { siteIdentity } from './records';
import { UPLOAD_NAME } from '../../files/neutral-upload';

const MESSAGE = 'div.msg[data-type="message"]';
/** The Lounge stores an upload under 16 hex digits and names it in the address (uploader.js). */
const UPLOAD_PATH = new RegExp(`/uploads/[0-9a-f]{16}/${UPLOAD_NAME.replace(/\./g, '\\.')}$`);
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function ownNick(root: Document): string {
  return (root.querySelector('form#form #nick')?.textContent ?? '').trim();
}

function activeView(root: Document): HTMLElement | null {
  return root.querySelector<HTMLElement>('#chat .chat-view[data-type]');
}

/** "27 November 2026, 03:06:21" (local time), The Lounge's full time stamp. */
export function parseLoungeTime(label: string): number | null {
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4}), (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(label.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  return new Date(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)).getTime();
}

export const thelounge: SiteAdapter = {
  ...siteIdentity('thelounge'),
  detect(root) {
    // The server's static page names the app; the rendered app has its own shell ids.
    return !!root.querySelector('meta[name="application-name"][content="The Lounge"], #viewport #chat-container');
  },
  editor: 'value-setter',
  maxMessageLength: 300,
  // An OTR data message is two IRC lines here (its DH key alone is 256 base64 characters). An
  // IRC server queues a short burst in order (ngircd's penalty delays a client, never drops), so
  // the second line need not wait long: 100 ms instead of 400 shows each message ~0.3 s sooner.
  sendPacingMs: 100,
  conversation(root): ConversationRef | null {
    const view = activeView(root);
    const type = view?.getAttribute('data-type');
    if (!view || (type !== 'channel' && type !== 'query')) return null;
    const name = view.getAttribute('aria-label') ?? root.querySelector('#chat-container')?.getAttribute('data-current-channel') ?? '';
    if (!name) return null;
    return { peerId: name, account: ownNick(root), title: name, kind: type === 'channel' ? 'channel' : 'direct' };
  },
  composer: (root) => root.querySelector<HTMLElement>('form#form textarea#input'),
  sendButton: (root) => root.querySelector<HTMLElement>('form#form button#submit'),
  send(root, composer) {
    const button = thelounge.sendButton(root);
    if (button) button.click();
    else composer.closest('form')?.requestSubmit();
  },
  messageList: (root) => root.querySelector<HTMLElement>('#chat .chat-view .messages[role="log"]'),
  messageSelector: MESSAGE,
  readMessage(element): ScrapedMessage | null {
    const textElement = element.querySelector<HTMLElement>('span.content');
    if (!textElement) return null;
    const from = element.getAttribute('data-from') ?? '';
    const self = element.classList.contains('self');
    const mine = self || (from !== '' && from === ownNick(element.ownerDocument));
    return { element, textElement, text: messageText(textElement), direction: mine ? 'outgoing' : 'incoming', from, id: element.id };
  },
  messages(list): ScrapedMessage[] {
    const out: ScrapedMessage[] = [];
    for (const element of Array.from(list.querySelectorAll<HTMLElement>(MESSAGE))) {
      const m = thelounge.readMessage!(element);
      if (m) out.push(m);
    }
    return out;
  },
  uploads: {
    // Only there when the server's config enables uploads (`fileUpload.enable`).
    input: (root) => root.querySelector<HTMLInputElement>('form#form input#upload-input[type="file"]'),
    uploaded(composerText) {
      for (const word of composerText.split(/\s+/)) {
        try {
          if (UPLOAD_PATH.test(new URL(word).pathname)) return word;
        } catch {
          // Not an address.
        }
      }
      return null;
    },
    links(root) {
      const list = thelounge.messageList(root);
      const anchors = list ? Array.from(list.querySelectorAll<HTMLAnchorElement>(`${MESSAGE} span.content a[href]`)) : [];
      return anchors.map((a) => a.href).filter((href) => UPLOAD_PATH.test(new URL(href).pathname));
    },
  },
  sentAt(message) {
    const label = message.querySelector('span.time')?.getAttribute('aria-label');
    return label ? parseLoungeTime(label) : null;
  },
};
