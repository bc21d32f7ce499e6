/**
 * Encrypted attachments in the page (issue 14). The content script sees ciphertext only:
 * - sending: the attach frame (extension origin) picks and encrypts the file; what it hands
 *   over here is the ciphertext, which goes into the site's own attachment input under a
 *   neutral name (a DataTransfer on its file input), and the wire text announcing its key;
 * - receiving: a reader frame asks for the shown mail's encrypted attachments; they are fetched
 *   from the site as any download (same origin, the user's session) and handed to that frame,
 *   which decrypts them.
 */
import { frameToHost } from '../messaging/frame-host';
import { request } from '../messaging/client';
import type { SiteAdapter } from '../adapters/core/types';
import { UPLOAD_NAME, UPLOAD_TYPE } from '../files/neutral-upload';
import { attachFrame } from './frames';
import { msg } from '../ui/i18n';

export interface AttachHooks {
  /** The wire text announcing the file's key: it goes into this mail's body, ahead of typed text. */
  carry(wire: string[]): void;
  notice(text: string): void;
}

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
    if (e.source !== frame.contentWindow) return;
    const m = frameToHost(e.data);
    if (m?.offrecord === 'close-attach') {
      frame.remove();
      win.removeEventListener('message', onMessage);
    } else if (m?.offrecord === 'attach-file') {
      const input = adapter.mail?.attachmentInput(doc);
      if (!input) return hooks.notice(msg('notice_no_attachment_input', adapter.name));
      hooks.carry(m.wire);
      fillAttachmentInput(input, m.bytes);
    }
  };
  win.addEventListener('message', onMessage);
  frame.focus();
  return frame;
}

/** Answers a reader frame's request with the shown mail's encrypted attachments (ciphertext). */
export async function sendAttachments(doc: Document, adapter: SiteAdapter, reader: Window): Promise<void> {
  const urls = adapter.mail?.encryptedAttachments?.(doc) ?? [];
  const files: ArrayBuffer[] = [];
  for (const url of urls.slice(0, 16)) {
    const response = await fetch(url, { credentials: 'include' });
    if (response.ok) files.push(await response.arrayBuffer());
  }
  reader.postMessage({ offrecord: 'files', files }, '*', files);
}
