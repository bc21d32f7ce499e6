/** The mails captured from the real stack (test/e2e/capture-mail-fixtures.ts) and a small MIME reader. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAIL_FIXTURES = join(import.meta.dirname, '../fixtures/mail');

export interface CapturedMail {
  name: string;
  from: string;
  to: string;
  subject: string;
  editor: 'plain' | 'html';
  kind: 'new' | 'reply' | 'forward';
  own: string | null;
  quoted: string[];
}

export const capturedMails: CapturedMail[] = JSON.parse(readFileSync(join(MAIL_FIXTURES, 'manifest.json'), 'utf8'));

export function fixtureText(file: string): string {
  return readFileSync(join(MAIL_FIXTURES, file), 'utf8');
}

export interface MimePart {
  type: string;
  encoding: string;
  /** The part's body as transported: still quoted-printable when it was sent so. */
  body: string;
}

function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const norm = text.replace(/\r\n/g, '\n');
  const cut = norm.indexOf('\n\n');
  const head = norm.slice(0, cut).replace(/\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: norm.slice(cut + 2) };
}

/** The text parts of an RFC 822 message, one level of multipart deep (what Roundcube sends). */
export function textParts(raw: string): MimePart[] {
  const { headers, body } = splitHeaders(raw);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) {
    return [{ type: type.split(';')[0]!.toLowerCase(), encoding: (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase(), body }];
  }
  const parts = body.split(`--${boundary}`).slice(1, -1);
  return parts.flatMap((p) => textParts(p.replace(/^\n/, '')));
}

/** A saved Roundcube page as a document; stylesheet links go (happy-dom would try to fetch them). */
export function fixtureDocument(file: string): Document {
  return new DOMParser().parseFromString(fixtureText(file).replace(/<link\b[^>]*>/gi, ''), 'text/html');
}
