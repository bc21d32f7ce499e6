/**
 * A reader frame (reader.html#TOKEN): shows one decrypted message in the box where the page
 * shows its ciphertext. The token names the message; the background sends its plaintext once.
 * Text goes in through textContent only.
 */
import { connectFrame } from '../../messaging/client';

export const UNAVAILABLE_TEXT = 'Encrypted earlier; keys discarded — this message can no longer be read.';

export function startReader(doc: Document, token: string): void {
  const text = doc.createElement('div');
  text.setAttribute('data-offrecord', 'plaintext');
  text.className = 'text';
  text.textContent = '…';
  doc.body.append(text);
  const channel = connectFrame(token, (m) => {
    if (m.type === 'plaintext') {
      text.textContent = m.text;
      doc.body.dataset.status = 'plaintext';
      channel.close();
    } else if (m.type === 'unavailable') {
      text.textContent = UNAVAILABLE_TEXT;
      doc.body.dataset.status = 'unavailable';
      channel.close();
    } else if (m.type === 'error') {
      text.textContent = `OffRecord could not show this message (${m.message}).`;
      doc.body.dataset.status = 'error';
    }
  });
}
