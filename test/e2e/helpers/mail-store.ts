/**
 * What the real mail stack stored: the words of a private thread must be in no file of the
 * store, and each mail's own body (quotes aside) carries OTR messages of known kinds.
 */
import { readFileSync } from 'node:fs';
import type { MailStack, StoredMail } from '../../stacks/mail';
import { decodeQuotedPrintable, normaliseMailBody } from '../../../src/adapters/core/mail-body';
import { textParts } from '../../adapters/mail-fixtures';

/**
 * A stored file read every way a mail client would: as UTF-8 and Latin-1 bytes, with
 * quoted-printable undone (UTF-8 text sent so reads `Gr=C3=BC=C3=9Fe`), and its base64 runs
 * decoded (a part sent as base64 hides its text).
 */
function readings(file: string): string[] {
  const bytes = readFileSync(file);
  const latin1 = bytes.toString('latin1');
  const utf8 = bytes.toString('utf8');
  const runs = latin1.replace(/\r/g, '').match(/(?:^[A-Za-z0-9+/=]{40,}\n)+/gm) ?? [];
  const decoded = runs.map((r) => Buffer.from(r.replace(/\s+/g, ''), 'base64').toString('utf8'));
  const qp = decodeQuotedPrintable(utf8.replace(/\r\n/g, '\n'));
  return [utf8, latin1, qp, ...decoded];
}

/** `word in file` for each word found anywhere in the store (none: []). Throws on an empty store. */
export function plaintextInStore(stack: MailStack, words: readonly string[]): string[] {
  const files = stack.storeFiles();
  if (files.length === 0) throw new Error('the mail store holds no files');
  const found: string[] = [];
  for (const file of files) {
    const texts = readings(file);
    for (const w of words) if (texts.some((t) => t.includes(w))) found.push(`${JSON.stringify(w.slice(0, 40))} in ${file}`);
  }
  return found;
}

const KINDS: Record<number, string> = { 0x02: 'dh-commit', 0x0a: 'dh-key', 0x11: 'reveal-signature', 0x12: 'signature', 0x03: 'data' };

/**
 * The OTR messages a mail's own body carries, in order: 'query', 'dh-commit', 'dh-key',
 * 'reveal-signature', 'signature', 'data', 'fragment' or 'error'. Quoted ciphertext (a reply's
 * `> ?OTR:…`) is not the mail's own and is left out, as the engine leaves it.
 */
export function otrKinds(mail: StoredMail): string[] {
  for (const part of textParts(mail.raw)) {
    const text = part.encoding === 'base64' ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8') : part.body;
    const { body } = normaliseMailBody(text);
    if (body.kind !== 'otr') continue;
    return [body.text, ...body.more].map((m) => {
      if (m.startsWith('?OTR:')) return KINDS[Buffer.from(m.slice(5).replace(/\.$/, ''), 'base64')[2] ?? -1] ?? 'unknown';
      if (m.startsWith('?OTR|') || m.startsWith('?OTR,')) return 'fragment';
      return m.startsWith('?OTR Error') ? 'error' : 'query';
    });
  }
  return [];
}
