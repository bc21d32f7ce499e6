/**
 * Keys of encrypted files (issue 14) on both sides. A file is announced in a TLV 8 data message
 * (use ENCRYPTED_FILE_USE, use-data = the file's SHA-256); the engine reports the session's extra
 * symmetric key for it, and only the per-file key derived from it (files/encrypted-file.ts)
 * leaves the background, to an extension frame: good for that one file, not for the session.
 *
 * A mail carries the announcement as an OTR message with no text, before the typed text of
 * the same mail; the reader frame shows that text. So a received announcement waits here for
 * the next message of its conversation that has text, and goes to that message's reader. A
 * mail with only the announcement shows it on its own (an empty text). Announcements older than
 * ANNOUNCED_FOR_MS are dropped: they belong to an earlier mail.
 */
import { deriveFileKey, ENCRYPTED_FILE_USE } from '../files/encrypted-file';
import { fromHex, toHex } from '../otr/bytes';
import type { OtrEvent } from '../otr/events';
import type { FileKeyView } from '../messaging/types';

export const ANNOUNCED_FOR_MS = 10 * 60_000;
/** Announcements kept per conversation at most (a page cannot grow this without bound). */
const MAX_WAITING = 16;

/** The per-file key for `useData` from the extra symmetric key `symkey` (hex) an event reported. */
export function fileKeyOf(symkey: string, useData: string): FileKeyView {
  return { useData, fileKey: toHex(deriveFileKey(fromHex(symkey), fromHex(useData))) };
}

/** The files a step's events announced to us (received TLV 8 with OffRecord's file use). */
export function announcedFiles(events: readonly OtrEvent[]): FileKeyView[] {
  const out: FileKeyView[] = [];
  for (const e of events) {
    if (e.type !== 'received_symkey' || e.use !== ENCRYPTED_FILE_USE || e.useData.length !== 64) continue;
    try {
      out.push(fileKeyOf(e.key, e.useData));
    } catch {
      // A malformed announcement names no file: nothing to offer.
    }
  }
  return out;
}

export class WaitingFiles {
  private readonly waiting = new Map<string, Array<FileKeyView & { at: number }>>();

  constructor(private readonly now: () => number) {}

  add(conversationId: string, files: FileKeyView[]): void {
    if (files.length === 0) return;
    const list = this.fresh(conversationId);
    list.push(...files.map((f) => ({ ...f, at: this.now() })));
    this.waiting.set(conversationId, list.slice(-MAX_WAITING));
  }

  /** What waits for this conversation's next text, taken (once). */
  take(conversationId: string): FileKeyView[] {
    const list = this.fresh(conversationId);
    this.waiting.delete(conversationId);
    return list.map(({ useData, fileKey }) => ({ useData, fileKey }));
  }

  private fresh(conversationId: string): Array<FileKeyView & { at: number }> {
    const t = this.now();
    return (this.waiting.get(conversationId) ?? []).filter((f) => t - f.at < ANNOUNCED_FOR_MS);
  }
}
