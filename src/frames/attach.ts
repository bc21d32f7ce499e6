/**
 * The attach frame (attach.html, claimed by the content script that placed it; issue 14): the user picks a file here, in the extension's
 * origin, so the page never learns its name, type or contents. The file is refused above 25 MB
 * before any work; otherwise its hash is announced to the peer over OTR's extra symmetric key
 * (TLV 8, `file.announce`), it is encrypted here under the per-file key the background derives,
 * and the ciphertext goes to the page under a neutral name for the site's own attachment input,
 * with the announcing wire text, which leaves with the next mail. JavaScript cannot wipe the
 * file's bytes or the key: they stay in this frame's memory until collected.
 */
import { request } from '../messaging/client';
import { connectFrame } from '../messaging/frame-link';
import { postToHost } from '../messaging/frame-host';
import { msg } from '../ui/i18n';
import { FileCryptoError, fileUseData, MAX_FILE_BYTES, sealFile, checkFileSize } from '../files/encrypted-file';
import { fromHex, toHex } from '../otr/bytes';
import { markBadge, showMark } from './security-mark';

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

export function startAttach(doc: Document): void {
  const win = doc.defaultView!;
  const panel = doc.createElement('div');
  panel.className = 'panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-labelledby', 'attach-title');
  const title = doc.createElement('h1');
  title.id = 'attach-title';
  title.textContent = msg('attach_title');
  const note = doc.createElement('p');
  note.textContent = msg('attach_note', String(MAX_FILE_BYTES / (1024 * 1024)));
  const input = doc.createElement('input');
  input.type = 'file';
  input.setAttribute('data-offrecord', 'attach-input');
  input.setAttribute('aria-label', msg('attach_input_label'));
  input.disabled = true;
  const status = doc.createElement('p');
  status.className = 'status';
  status.setAttribute('role', 'status');
  status.setAttribute('data-offrecord', 'attach-status');
  const buttons = doc.createElement('div');
  buttons.className = 'buttons';
  const close = doc.createElement('button');
  close.type = 'button';
  close.textContent = msg('attach_close');
  close.setAttribute('data-offrecord', 'attach-close');
  buttons.append(close);
  const mark = markBadge(doc);
  panel.append(mark, title, note, input, status, buttons);
  doc.body.append(panel);

  const say = (text: string, tone: 'info' | 'warn' | 'done') => {
    status.textContent = text;
    status.dataset.tone = tone;
    doc.body.dataset.status = tone;
  };
  close.addEventListener('click', () => postToHost(win, { offrecord: 'close-attach' }));
  doc.addEventListener('keydown', (e) => e.key === 'Escape' && postToHost(win, { offrecord: 'close-attach' }));

  let conversationId = '';
  connectFrame((m) => {
    if (m.type === 'mark') showMark(mark, m.mark);
    else if (m.type === 'ready') {
      conversationId = m.conversationId;
      const usable = m.view.state === 'private' || m.view.state === 'unverified';
      input.disabled = !usable;
      if (!usable) say(msg('attach_not_private'), 'warn');
      else input.focus();
    } else if (m.type === 'error') say(msg('attach_error', m.message), 'warn');
  });

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file || !conversationId) return;
    void encrypt(file).catch((e: unknown) => {
      const why = e instanceof FileCryptoError || e instanceof Error ? e.message : String(e);
      say(msg('attach_failed', why), 'warn');
    }).finally(() => (input.value = ''));
  });

  async function encrypt(file: File): Promise<void> {
    // Refused on its size alone: nothing is read, hashed or announced.
    try {
      checkFileSize(file.size);
    } catch (e) {
      say(msg('attach_too_large', (e as Error).message), 'warn');
      return;
    }
    say(msg('attach_encrypting'), 'info');
    const plain = { name: file.name, type: file.type, contents: new Uint8Array(await file.arrayBuffer()) };
    const useData = fileUseData(plain);
    const { fileKey, wire } = await request('file.announce', { conversationId, useData: toHex(useData) });
    const sealed = sealFile(plain, fromHex(fileKey), useData, random);
    const bytes = sealed.buffer.slice(sealed.byteOffset, sealed.byteOffset + sealed.byteLength) as ArrayBuffer;
    // Ciphertext only: the page may see these bytes (they go to its server anyway).
    win.parent.postMessage({ offrecord: 'attach-file', bytes, wire }, '*', [bytes]);
    say(msg('attach_done', (sealed.length / 1024).toFixed(0)), 'done');
  }
}
