/**
 * A reader frame (reader.html#t=TOKEN&…): shows one decrypted message in the place of its
 * ciphertext, in the site's font size and colour. The token names the message; the background
 * sends its plaintext once (at once if it has it, else when decrypting finishes). Text goes in
 * through textContent only. The frame tells its host how tall its text is, so the bubble fits.
 */
import { connectFrame } from '../messaging/frame-link';
import { postToHost, type ReaderLook } from '../messaging/frame-host';
import { lockIcon } from '../overlay/icons';
import { msg } from '../ui/i18n';
import { fileOffer } from './reader-files';
import { markBadge, showMark } from './security-mark';
import { READER_SHOWN_MARK } from './reader-timing';

export function startReader(doc: Document, look: ReaderLook = {}, messageId?: string): void {
  Object.assign(doc.body.style, look);
  const box = doc.createElement('div');
  box.className = 'text';
  const marker = lockIcon(doc, false);
  marker.setAttribute('class', 'lock');
  marker.setAttribute('aria-label', msg('reader_encrypted'));
  marker.removeAttribute('aria-hidden');
  marker.setAttribute('role', 'img');
  const text = doc.createElement('span');
  text.setAttribute('data-offrecord', 'plaintext');
  text.textContent = '…';
  const mark = markBadge(doc);
  mark.style.marginRight = '0.3em';
  mark.style.verticalAlign = '0.1em';
  box.append(marker, mark, text);
  doc.body.append(box);
  const win = doc.defaultView!;
  let last = -1;
  new win.ResizeObserver(() => {
    const height = Math.ceil(box.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    postToHost(win, { offrecord: 'reader-size', height });
  }).observe(box);
  const channel = connectFrame((m) => {
    if ('mark' in m && m.mark) showMark(mark, m.mark);
    if (m.type === 'plaintext') {
      text.textContent = m.text;
      doc.body.dataset.status = 'plaintext';
      performance.mark(READER_SHOWN_MARK);
      if (m.files?.length) {
        if (!m.text) text.textContent = m.files.length > 1 ? msg('reader_files_attached', String(m.files.length)) : msg('reader_file_attached');
        box.append(fileOffer(doc, m.files));
      }
      channel.close();
    } else if (m.type === 'unavailable') {
      text.textContent = msg('reader_unavailable');
      doc.body.dataset.status = 'unavailable';
      channel.close();
    } else if (m.type === 'error') {
      text.textContent = msg('reader_failed', m.message);
      doc.body.dataset.status = 'error';
    }
  }, undefined, messageId, true);
}
