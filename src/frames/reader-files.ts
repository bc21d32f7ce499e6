/**
 * "Decrypt and save" in a reader frame (issue 14): the message announced encrypted files, and
 * the background gave this frame each one's per-file key. On the user's click the frame asks
 * its host (the content script) for the mail's encrypted attachments (ciphertext fetched from
 * the site), decrypts them here and saves each under its real name. A tampered or foreign
 * attachment fails authentication, and the frame says so; nothing of it is saved.
 */
import { hostFiles, postToHost } from '../messaging/frame-host';
import { msg } from '../ui/i18n';
import type { FileKeyView } from '../messaging/types';
import type { PlainFile } from '../files/encrypted-file';
import { DECRYPT_GLOBAL, type DecryptAll } from './file-decrypt';

const FETCH_TIMEOUT_MS = 60_000;

export function fileOffer(doc: Document, files: FileKeyView[]): HTMLElement {
  const win = doc.defaultView!;
  const box = doc.createElement('div');
  box.className = 'files';
  const button = doc.createElement('button');
  button.type = 'button';
  button.setAttribute('data-offrecord', 'decrypt-file');
  button.textContent = files.length > 1 ? msg('reader_decrypt_files', String(files.length)) : msg('reader_decrypt_file');
  const status = doc.createElement('span');
  status.setAttribute('role', 'status');
  status.setAttribute('data-offrecord', 'file-status');
  box.append(button, ' ', status);
  const say = (text: string, tone: 'done' | 'warn' | 'info') => {
    status.textContent = text;
    status.dataset.tone = tone;
  };

  button.addEventListener('click', () => {
    button.disabled = true;
    say(msg('reader_file_fetching'), 'info');
    void Promise.all([attachments(win), decryptor(doc)])
      .then(([blobs, decryptAll]) => {
        const saved = decryptAll(blobs, files);
        for (const file of saved.files) save(doc, file);
        if (saved.files.length > 0) say(msg('reader_file_saved', saved.files.map((f) => `“${f.name}”`).join(', ')), 'done');
        else say(saved.problem ?? msg('reader_file_none'), 'warn');
      })
      .catch((e: unknown) => say(msg('reader_file_unreachable', (e as Error).message), 'warn'))
      .finally(() => (button.disabled = false));
  });
  return box;
}

/** The file decryption (file-decrypt.ts), loaded into this frame on first use as its own script. */
function decryptor(doc: Document): Promise<DecryptAll> {
  const win = doc.defaultView as Window & { [DECRYPT_GLOBAL]?: DecryptAll };
  const loaded = win[DECRYPT_GLOBAL];
  if (loaded) return Promise.resolve(loaded);
  return new Promise((resolve, reject) => {
    const script = doc.createElement('script');
    script.src = '/reader-files.js';
    script.onload = () => (win[DECRYPT_GLOBAL] ? resolve(win[DECRYPT_GLOBAL]) : reject(new Error('the file decryption did not load')));
    script.onerror = () => reject(new Error('the file decryption did not load'));
    doc.head.append(script);
  });
}

/** Asks the host for the mail's encrypted attachments and waits for its answer. */
function attachments(win: Window): Promise<ArrayBuffer[]> {
  return new Promise((resolve, reject) => {
    const timer = win.setTimeout(() => {
      win.removeEventListener('message', onMessage);
      reject(new Error('the page did not hand the attachment over'));
    }, FETCH_TIMEOUT_MS);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== win.parent) return;
      const m = hostFiles(e.data);
      if (!m) return;
      win.clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      resolve(m.files);
    };
    win.addEventListener('message', onMessage);
    postToHost(win, { offrecord: 'file-request' });
  });
}

function save(doc: Document, file: PlainFile): void {
  const win = doc.defaultView as Window & typeof globalThis;
  const url = win.URL.createObjectURL(new win.Blob([file.contents as BlobPart], { type: file.type || 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  // Only the last path segment: a name is the sender's text and must not choose a folder.
  a.download = file.name.split(/[\\/]/).pop() || 'file';
  doc.body.append(a);
  a.click();
  a.remove();
  win.setTimeout(() => win.URL.revokeObjectURL(url), 60_000);
}
