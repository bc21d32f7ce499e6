/**
 * Roundcube 1.6 webmail (elastic skin), self-hosted, recognised from the page. Checked against a
 * live Debian 1.6.5 on Postfix/Dovecot (test/fixtures/mail/). Two screens matter:
 * - compose (`_action=compose`): the plain editor is `textarea#composebody`; in HTML mode TinyMCE
 *   hides it and edits `body#tinymce` inside `iframe#composebody_ifr` (same origin). Recipients
 *   sit in the hidden `textarea#_to` (comma separated) and as `li.recipient` chips; our address
 *   is the selected `select#_from` option.
 * - mail view (`_action=preview` in `iframe#messagecontframe`, or `_action=show`): the body is
 *   `#messagebody`, plain text rendered in `div.pre` with quotes as <blockquote>, HTML mail in
 *   `div.rcmBody`; the From/To addresses are the `title` of `td.header.from|to a`.
 * The thread is the peer plus the subject without reply/forward prefixes: Roundcube shows no
 * Message-ID or References in the page.
 */
import type { ConversationRef, InsertTechnique, MailBody, ScrapedMessage, SiteAdapter } from '../core/types';
import { normaliseMailElement } from '../core/mail-dom';
import { text, pageUrl } from './define';
import { siteIdentity } from './records';
import { UPLOAD_NAME } from '../../files/neutral-upload';

const SUBJECT_PREFIX = /^\s*((re|fwd?|aw|wg|sv|vs|antw)(\[\d+\])?\s*:\s*)+/i;

function addressIn(s: string): string {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(s) ?? /([^\s,<>"]+@[^\s,<>"]+)/.exec(s);
  return (m?.[1] ?? '').toLowerCase();
}

function composeScreen(root: Document): boolean {
  return !!root.querySelector('form[name="form"] textarea#composebody, textarea#composebody');
}

function ownAddress(root: Document): string {
  const from = root.querySelector<HTMLSelectElement>('select#_from');
  const option = from?.selectedOptions?.[0] ?? from?.querySelector('option[selected]');
  return addressIn(option?.textContent ?? '');
}

function recipients(root: Document): string[] {
  const fromTextarea = (root.querySelector<HTMLTextAreaElement>('textarea#_to')?.value ?? '')
    .split(',')
    .map(addressIn)
    .filter(Boolean);
  if (fromTextarea.length) return fromTextarea;
  return Array.from(root.querySelectorAll('#compose_to li.recipient'))
    .map((li) => addressIn(li.textContent ?? ''))
    .filter(Boolean);
}

function headerAddress(root: Document, which: 'from' | 'to'): string {
  const a = root.querySelector(`#message-header td.header.${which} a.rcmContactAddress, #message-header td.header.${which} a[title]`);
  return addressIn(a?.getAttribute('title') ?? a?.getAttribute('href')?.replace(/^mailto:/, '') ?? '');
}

/** Sent mail is ours; the folder is in the address (`_mbox`). */
function viewingSent(root: Document): boolean {
  return /^(sent|sent items|sent messages)$/i.test(pageUrl(root).searchParams.get('_mbox') ?? '');
}

function viewSubject(root: Document): string {
  const h = root.querySelector('#message-header h2.subject');
  if (!h) return '';
  const copy = h.cloneNode(true) as Element;
  for (const junk of Array.from(copy.querySelectorAll('.voice, a'))) junk.remove();
  return text(copy);
}

function threadSubject(subject: string): string {
  return subject.replace(SUBJECT_PREFIX, '').trim().toLowerCase();
}

/** TinyMCE's editable body when the HTML editor is on, else null. */
function richEditor(root: Document): HTMLElement | null {
  const frame = root.querySelector<HTMLIFrameElement>('iframe#composebody_ifr');
  return frame?.contentDocument?.querySelector<HTMLElement>('body#tinymce[contenteditable="true"], body[contenteditable="true"]') ?? null;
}

function mailId(root: Document): string {
  const link = root.querySelector('#message-header h2.subject a[href*="_uid="]')?.getAttribute('href');
  const url = new URL(link ?? pageUrl(root).href, 'http://roundcube.invalid/');
  const uid = url.searchParams.get('_uid');
  return uid ? `${url.searchParams.get('_mbox') ?? ''}/${uid}` : '';
}

function bodies(root: Document): MailBody[] {
  const element = root.querySelector<HTMLElement>('#messagebody');
  if (!element) return [];
  const sent = viewingSent(root);
  return [{ element, from: headerAddress(root, 'from'), direction: sent ? 'outgoing' : 'incoming', id: mailId(root) }];
}

export const roundcube: SiteAdapter = {
  ...siteIdentity('roundcube'),
  detect(root) {
    // Every Roundcube page loads its app script and marks the body with the task it shows.
    const app = root.querySelector('script[src*="program/js/app"], link[href*="skins/elastic"], link[href*="skins/larry"]');
    return !!app && /\btask-\w+/.test(root.body?.className ?? '');
  },
  editor: 'value-setter',
  // SMTP carries lines of any length (Postfix: 50 MB per mail here); a mail is one message.
  maxMessageLength: 1_000_000,
  sendPacingMs: 0,
  conversation(root): ConversationRef | null {
    if (composeScreen(root)) {
      const peer = recipients(root)[0];
      if (!peer) return null;
      const subject = root.querySelector<HTMLInputElement>('#compose-subject')?.value ?? '';
      return { peerId: peer, account: ownAddress(root), title: subject ? `${peer}: ${subject}` : peer };
    }
    const from = headerAddress(root, 'from');
    const to = headerAddress(root, 'to');
    if (!from) return null;
    const sent = viewingSent(root);
    const peer = sent ? to : from;
    return { peerId: peer, account: sent ? from : to, title: `${peer}: ${viewSubject(root)}` };
  },
  composer: (root) => richEditor(root) ?? root.querySelector<HTMLElement>('textarea#composebody'),
  sendButton: (root) => root.querySelector<HTMLElement>('.formbuttons button.send, button.btn.send'),
  send(root) {
    roundcube.sendButton(root)?.click();
  },
  messageList: (root) => root.querySelector<HTMLElement>('#messagebody'),
  messages(list): ScrapedMessage[] {
    const root = list.ownerDocument;
    return bodies(root)
      .filter((b) => b.element === list || list.contains(b.element))
      .map((b) => {
        const found = normaliseMailElement(b.element, roundcube.mail!.quoteSelectors);
        // Several OTR messages in one mail go on as lines, in order (the overlay feeds each). A
        // damaged or plain body goes on as its own lines only: quoted or forwarded ciphertext
        // is someone's earlier message and never reaches the engine.
        const shown = found.body.kind === 'otr' ? [found.body.text, ...found.body.more].join('\n') : found.ownText;
        return { element: b.element, textElement: b.element, text: shown, direction: b.direction, from: b.from, id: b.id };
      });
  },
  mail: {
    threadId(root) {
      const convo = roundcube.conversation(root);
      if (!convo) return null;
      const subject = composeScreen(root) ? (root.querySelector<HTMLInputElement>('#compose-subject')?.value ?? '') : viewSubject(root);
      return `${convo.peerId}|${threadSubject(subject)}`;
    },
    bodies,
    quoteSelectors: [],
    subject: (root) => root.querySelector<HTMLInputElement>('input#compose-subject'),
    encryptedAttachments(root) {
      // The mail view lists parts as links to `_action=get`; ours carry the neutral name.
      const links = Array.from(root.querySelectorAll<HTMLAnchorElement>('#attachment-list li a[href*="_action=get"]'));
      const ours = links.filter((a) => text(a).includes(UPLOAD_NAME) || (a.getAttribute('title') ?? '').includes(UPLOAD_NAME));
      return [...new Set(ours.map((a) => {
        const url = new URL(a.getAttribute('href') ?? '', pageUrl(root).href);
        url.searchParams.set('_download', '1');
        return url.href;
      }))];
    },
    attachmentInput: (root) => root.querySelector<HTMLInputElement>('input#uploadformInput[type="file"], form[name="uploadform"] input[type="file"]'),
    editorFor(composer): InsertTechnique {
      return composer.tagName === 'TEXTAREA' ? 'value-setter' : 'exec-command';
    },
  },
};
