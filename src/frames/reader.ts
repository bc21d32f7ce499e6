/**
 * A reader frame (reader.html#t=TOKEN&…): shows one decrypted message in the place of its
 * ciphertext, in the site's font size and colour. The token names the message; the background
 * sends its plaintext once (at once if it has it, else when decrypting finishes). Text goes in
 * through textContent only. The frame tells its host how tall its text is, so the bubble fits.
 */
import { connectFrame } from '../messaging/client';
import { postToHost, type ReaderLook } from '../messaging/frame-host';
import { lockIcon } from '../overlay/icons';
import { fileOffer } from './reader-files';

export const UNAVAILABLE_TEXT = 'Encrypted earlier; keys discarded — this message can no longer be read.';

export function startReader(doc: Document, token: string, look: ReaderLook = {}, messageId?: string): void {
  Object.assign(doc.body.style, look);
  const box = doc.createElement('div');
  box.className = 'text';
  const marker = lockIcon(doc, false);
  marker.setAttribute('class', 'lock');
  marker.setAttribute('aria-label', 'Encrypted');
  marker.removeAttribute('aria-hidden');
  marker.setAttribute('role', 'img');
  const text = doc.createElement('span');
  text.setAttribute('data-offrecord', 'plaintext');
  text.textContent = '…';
  box.append(marker, text);
  doc.body.append(box);
  const win = doc.defaultView!;
  let last = -1;
  new win.ResizeObserver(() => {
    const height = Math.ceil(box.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    postToHost(win, { offrecord: 'reader-size', height });
  }).observe(box);
  const channel = connectFrame(token, (m) => {
    if (m.type === 'plaintext') {
      text.textContent = m.text;
      doc.body.dataset.status = 'plaintext';
      if (m.files?.length) {
        if (!m.text) text.textContent = m.files.length > 1 ? `${m.files.length} encrypted files attached` : 'Encrypted file attached';
        box.append(fileOffer(doc, m.files));
      }
      channel.close();
    } else if (m.type === 'unavailable') {
      text.textContent = UNAVAILABLE_TEXT;
      doc.body.dataset.status = 'unavailable';
      channel.close();
    } else if (m.type === 'error') {
      text.textContent = `OffRecord could not show this message (${m.message}).`;
      doc.body.dataset.status = 'error';
    }
  }, undefined, messageId);
}
