/**
 * Opening a mail's encrypted attachments with the per-file keys its message carried (issue 14).
 * Loaded into a reader frame only when the user asks for the files (reader-files.ts): every
 * reader frame of a screenful of history runs its own copy of the reader's script, and the
 * cipher code is most of what it would weigh (npm run bench).
 */
import { msg } from '../ui/i18n';
import type { FileKeyView } from '../messaging/types';
import { FileCryptoError, openFile, type PlainFile } from '../files/encrypted-file';
import { fromHex } from '../otr/bytes';

export type DecryptAll = typeof decryptAll;

/** Where the loaded script leaves decryptAll for the frame that loaded it. */
export const DECRYPT_GLOBAL = 'offrecordDecryptAll';

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
