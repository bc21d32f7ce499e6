/**
 * Encrypted attachments in the page (issue 14). The content script sees ciphertext only:
 * - sending: the attach frame (extension origin) picks and encrypts the file; what it hands
 *   over here is the ciphertext, which goes into the site's own file input under a neutral
 *   name (a DataTransfer on it), and the wire text announcing its key. In webmail the
 *   announcement goes into the mail with the attachment; in a chat that takes uploads (The
 *   Lounge) the site uploads the ciphertext and puts its link in the composer, and the
 *   announcement then the link go out as two messages;
 * - receiving: a reader frame asks for the encrypted attachments shown (the mail's, or the
 *   chat's upload links); the extension fetches them from the site as any download (same
 *   origin, the user's session) and hands them to that frame, which decrypts them.
 */
import { frameToHost } from '../messaging/frame-host';
import { request } from '../messaging/client';
import type { SiteAdapter } from '../adapters/core/types';
import { UPLOAD_NAME, UPLOAD_TYPE } from '../files/neutral-upload';
import { attachFrame } from './frames';
import { fromFrame } from './frame-claims';
import { msg } from '../ui/i18n';
import { readComposer } from '../adapters/core/insert';

export interface AttachHooks {
  /** The wire text announcing the file's key: it goes into this mail's body, ahead of typed text. */
  carry(wire: string[]): void;
  /** Chat: texts to send now, in order, through the site's composer. */
  send(texts: string[]): void;
  notice(text: string): void;
}

/** How long a chat upload may take before OffRecord gives up waiting for its link. */
export const UPLOAD_WAIT_MS = 120_000;

/** Puts the ciphertext into the site's file input as the user choosing a file would. */
export function fillAttachmentInput(input: HTMLInputElement, bytes: ArrayBuffer): void {
  const win = input.ownerDocument.defaultView as Window & typeof globalThis;
  const transfer = new win.DataTransfer();
  transfer.items.add(new win.File([bytes], UPLOAD_NAME, { type: UPLOAD_TYPE }));
  input.files = transfer.files;
  input.dispatchEvent(new win.Event('change', { bubbles: true }));
}

/** Opens the attach frame for this conversation; it closes itself when done or cancelled. */
export async function openAttach(doc: Document, adapter: SiteAdapter, conversationId: string, hooks: AttachHooks): Promise<HTMLIFrameElement | null> {
  const { token } = await request('content.frameToken', { conversationId, role: 'attach' });
  const frame = attachFrame(doc, token);
  doc.body.append(frame);
  const win = doc.defaultView!;
  const onMessage = (e: MessageEvent) => {
    // OffRecord's page in the frame placed here, not one the page navigated the element to.
    if (!fromFrame(e, frame)) return;
    const m = frameToHost(e.data);
    if (m?.offrecord === 'close-attach') {
      frame.remove();
      win.removeEventListener('message', onMessage);
    } else if (m?.offrecord === 'attach-file') {
      const input = adapter.mail?.attachmentInput(doc) ?? adapter.uploads?.input(doc);
      if (!input) return hooks.notice(msg('notice_no_attachment_input', adapter.name));
      if (adapter.mail) hooks.carry(m.wire);
      fillAttachmentInput(input, m.bytes);
      if (!adapter.mail) void postUpload(doc, adapter, m.wire, hooks);
    }
  };
  win.addEventListener('message', onMessage);
  frame.focus();
  return frame;
}

/**
 * Chat: once the site stored the upload and put its link in the composer, the announcement
 * goes out, then the link (public: it leads to ciphertext). The reader of the announcement
 * offers the file and finds it by that link.
 */
async function postUpload(doc: Document, adapter: SiteAdapter, wire: string[], hooks: AttachHooks): Promise<void> {
  const win = doc.defaultView!;
  for (let waited = 0; waited < UPLOAD_WAIT_MS; waited += 100) {
    const composer = adapter.composer(doc);
    const link = composer ? adapter.uploads?.uploaded(readComposer(composer)) : null;
    if (link) return hooks.send([...wire, link]);
    await new Promise((r) => win.setTimeout(r, 100));
  }
  hooks.notice(msg('notice_upload_unfinished', adapter.name));
}

/**
 * Answers a reader frame's request with the shown mail's encrypted attachments (ciphertext),
 * posted to the reader's own origin: the page may navigate that window meanwhile.
 */
export async function sendAttachments(doc: Document, adapter: SiteAdapter, reader: Window, readerOrigin: string): Promise<void> {
  // A chat shows every upload of the conversation: the newest are this message's.
  const urls = adapter.mail ? (adapter.mail.encryptedAttachments?.(doc) ?? []).slice(0, 16) : (adapter.uploads?.links(doc) ?? []).slice(-8);
  const files: ArrayBuffer[] = [];
  const site = doc.defaultView!.location.origin;
  for (const url of urls) {
    // Only the site's own files: a link a peer posted could name any address, and a content
    // script's fetch carries the extension's reach (Firefox) and the user's cookies there.
    if (new URL(url, doc.baseURI).origin !== site) continue;
    const response = await fetch(url, { credentials: 'include' });
    if (response.ok) files.push(await response.arrayBuffer());
  }
  reader.postMessage({ offrecord: 'files', files }, readerOrigin, files);
}
