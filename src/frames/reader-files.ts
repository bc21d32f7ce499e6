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
import { FileCryptoError, openFile, type PlainFile } from '../files/encrypted-file';
import { fromHex } from '../otr/bytes';

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
    void attachments(win)
      .then((blobs) => {
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

/** Each announced file out of the attachments; the first failure is what the user is told. */
export function decryptAll(blobs: ArrayBuffer[], files: FileKeyView[]): { files: PlainFile[]; problem?: string } {
  const out: PlainFile[] = [];
  let problem: string | undefined;
  for (const blob of blobs) {
    const bytes = new Uint8Array(blob);
    let opened: PlainFile | null = null;
    for (const f of files) {
      try {
        opened = openFile(bytes, fromHex(f.fileKey), fromHex(f.useData));
        break;
      } catch (e) {
        if (!(e instanceof FileCryptoError)) throw e;
        // Several keys: only when none opens it is the attachment at fault.
        problem ??= e.code === 'auth-failed' || e.code === 'hash-mismatch'
          ? msg('reader_file_auth_failed')
          : msg('reader_file_undecryptable', e.message);
      }
    }
    if (opened) out.push(opened);
  }
  return out.length > 0 ? { files: out } : problem ? { files: out, problem } : { files: out };
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
