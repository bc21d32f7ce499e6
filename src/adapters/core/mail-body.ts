/**
 * From a mail body as a webmail shows it (or as it sits in the message source) to the OTR
 * message(s) it carries. Mail mangles ciphertext on its way: quoted-printable soft breaks and
 * `=3D` escapes, HTML paragraphs and <br> around it, hard wrapping (format=flowed, 76 or 998
 * columns), and a lost final "." — each undone here, or the body is reported damaged; a body is
 * never passed on in part. Quoted lines (`> ?OTR:…`) and forwarded messages are kept apart and
 * must never reach the engine: they are someone's earlier ciphertext, not this mail's.
 * Pure: no DOM, no engine. The DOM side (rendered bodies) is mail-dom.ts.
 */
import { decodeBase64, otrMessageShape, wholeMessagePrefix } from './otr-shape';

export type DamageReason =
  /** The layout asks for more bytes than arrived: part of the ciphertext is missing. */
  | 'truncated'
  /** Not valid base64, or bytes left over: the text was changed. */
  | 'corrupt'
  /** No final "." and the text cannot be proved whole. */
  | 'unterminated';

export type MailOtr =
  /** `text` is the first OTR message of the body; `more` any after it, in order (fragments). */
  | { kind: 'otr'; text: string; more: string[] }
  | { kind: 'damaged'; reason: DamageReason; detail: string }
  | { kind: 'plain' };

export interface QuotedCiphertext {
  how: 'quoted' | 'forwarded';
  /** The ciphertext as found, whitespace removed; for display and detection only. */
  text: string;
}

export interface NormalisedMail {
  body: MailOtr;
  quoted: QuotedCiphertext[];
  /** The mail's own lines (neither quoted nor forwarded): all of it that may reach the engine. */
  ownText: string;
}

/** One line of body text and how many quote levels (`>` or <blockquote>) it sits in. */
export interface BodyLine {
  depth: number;
  text: string;
}

const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;
/** Lines after which everything is a forwarded message (Roundcube, Thunderbird, Gmail, Outlook). */
const FORWARD_MARKERS = [
  /^-{2,}\s*(original message|forwarded message)\s*-{2,}$/i,
  /^begin forwarded message:$/i,
  /^_{20,}$/,
];
const HTML_MARKUP = /<\/?(p|br|div|span|wbr|blockquote|html|body|pre)\b[^>]*>/i;

/** The whole pipeline on text: raw part text (maybe quoted-printable, maybe HTML) or rendered text. */
export function normaliseMailBody(raw: string): NormalisedMail {
  let s = raw.replace(/\r\n?/g, '\n');
  if (looksQuotedPrintable(s)) s = decodeQuotedPrintable(s);
  const lines = HTML_MARKUP.test(s) ? htmlLines(s) : textLines(s);
  return normaliseMailLines(lines);
}

/** The pipeline on lines already split with their quote depth (from mail-dom.ts). */
export function normaliseMailLines(lines: readonly BodyLine[]): NormalisedMail {
  const own: string[] = [];
  const quoted: string[] = [];
  const forwarded: string[] = [];
  let inForward = false;
  for (const line of lines) {
    const text = line.text.replace(INVISIBLE, '').replace(/\u00A0/g, ' ');
    if (!inForward && FORWARD_MARKERS.some((m) => m.test(text.trim()))) inForward = true;
    if (inForward) forwarded.push(text);
    else if (line.depth > 0) quoted.push(text);
    else own.push(text);
  }
  const found: QuotedCiphertext[] = [
    ...ciphertextMentions(quoted.join('\n')).map((text) => ({ how: 'quoted' as const, text })),
    ...ciphertextMentions(forwarded.join('\n')).map((text) => ({ how: 'forwarded' as const, text })),
  ];
  return { body: ownMessages(own.join('\n')), quoted: found, ownText: own.join('\n').trim() };
}

/** Plain text lines; leading `>` marks (as many as there are) give the quote depth. */
export function textLines(text: string): BodyLine[] {
  return text.split('\n').map((line) => {
    const m = /^((?:[ \t]*>)+)[ \t]?/.exec(line);
    if (!m) return { depth: 0, text: line };
    return { depth: (m[1]!.match(/>/g) ?? []).length, text: line.slice(m[0].length) };
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const BLOCK = /^(p|div|br|li|tr|h[1-6]|pre|table|ul|ol|hr)$/;
const SKIPPED = /^(head|style|script|title)$/;

/** HTML source to lines: block elements and <br> break lines, <blockquote> adds a quote level. */
export function htmlLines(html: string): BodyLine[] {
  const lines: BodyLine[] = [];
  let depth = 0;
  let current = '';
  let skipping: string | null = null;
  const flush = (): void => {
    lines.push(...textLines(decodeEntities(current)).map((l) => ({ depth: depth + l.depth, text: l.text })));
    current = '';
  };
  const tag = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;
  let last = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (!skipping) current += html.slice(last, m.index).replace(/\n/g, ' ');
    last = m.index + m[0].length;
    const name = (m[2] ?? '').toLowerCase();
    const closing = m[1] === '/';
    if (!name) continue; // a comment
    if (skipping) {
      if (closing && name === skipping) skipping = null;
      continue;
    }
    if (SKIPPED.test(name) && !closing) {
      skipping = name;
      continue;
    }
    if (name === 'blockquote') {
      flush();
      depth = Math.max(0, depth + (closing ? -1 : 1));
    } else if (BLOCK.test(name)) {
      flush();
    }
  }
  if (!skipping) current += html.slice(last).replace(/\n/g, ' ');
  flush();
  return lines;
}

/** Quoted-printable shows as `=3D`-style escapes, or `=` line ends inside running text. */
function looksQuotedPrintable(s: string): boolean {
  return /=[0-9A-F]{2}/.test(s) || /[^=\s]=\n(?=[A-Za-z0-9+/])/.test(s);
}

/** RFC 2045 6.7: soft breaks go, `=XX` become bytes, and the bytes are read as UTF-8. */
export function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=[ \t]*\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      bytes.push(...new TextEncoder().encode(joined[i]!));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Every spot in quoted text that carries ciphertext, even when a quote wrap split `?` and `OTR`. */
function ciphertextMentions(text: string): string[] {
  const out: string[] = [];
  const re = /\?\s*OTR\s*([:|,])([A-Za-z0-9+/=.,|\s]*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = m[2]!.split(/\n\s*\n/)[0]!.replace(/\s+/g, '');
    out.push(`?OTR${m[1]}${rest}`);
  }
  return out;
}

const QUERY = /\?OTR(?:\?(?:v\d*\?)?|v\d+\?)/;
const ERROR = /\?OTR Error:[^\n]*/;
const FRAGMENT_V3 = /^\?OTR\|[0-9a-fA-F]{1,8}\|[0-9a-fA-F]{1,8},\d{1,5},\d{1,5},[A-Za-z0-9+/=?:.]*,/;
const FRAGMENT_V2 = /^\?OTR,\d{1,5},\d{1,5},[A-Za-z0-9+/=?:.]*,/;

/** The mail's own OTR messages, in order; any damaged one makes the whole body damaged. */
function ownMessages(text: string): MailOtr {
  const messages: string[] = [];
  let at = text.indexOf('?OTR');
  if (at < 0) return { kind: 'plain' };
  while (at >= 0) {
    const rest = text.slice(at);
    let next: { text: string; end: number } | { damaged: DamageReason; detail: string };
    if (rest.startsWith('?OTR:')) next = encodedMessage(rest);
    else if (rest.startsWith('?OTR|') || rest.startsWith('?OTR,')) next = fragment(rest);
    else {
      const m = QUERY.exec(rest) ?? ERROR.exec(rest);
      next = m && m.index === 0 ? { text: m[0], end: m[0].length } : { text: '', end: 4 };
    }
    if ('damaged' in next) return { kind: 'damaged', reason: next.damaged, detail: next.detail };
    if (next.text) messages.push(next.text);
    const from = at + next.end;
    const found = text.indexOf('?OTR', from);
    at = found;
  }
  if (messages.length === 0) return { kind: 'plain' };
  return { kind: 'otr', text: messages[0]!, more: messages.slice(1) };
}

/** Fragments hold no whitespace either; a wrapped one is joined up to its closing comma. */
function fragment(rest: string): { text: string; end: number } | { damaged: DamageReason; detail: string } {
  const run = rest.split(/\n\s*\n/)[0]!;
  const compact = run.replace(/\s+/g, '');
  const m = FRAGMENT_V3.exec(compact) ?? FRAGMENT_V2.exec(compact);
  if (!m) return { damaged: 'truncated', detail: 'an OTR fragment without its closing comma' };
  // Map the compact length back onto the original text, counting the skipped whitespace.
  let end = 0;
  for (let seen = 0; seen < m[0].length; end++) if (!/\s/.test(run[end]!)) seen++;
  return { text: m[0], end };
}

/**
 * `?OTR:` base64 up to its final "." across line breaks. Without the "." the text is taken only
 * if the message layout proves it whole and it ends where the line or word ended.
 */
function encodedMessage(rest: string): { text: string; end: number } | { damaged: DamageReason; detail: string } {
  let b64 = '';
  const breaks = new Set<number>(); // base64 lengths at which whitespace separated the text
  let i = 5;
  let terminated = false;
  // A flag, not b64.endsWith('='): that flattens the growing string at every character, and a
  // 100 KB mail then took seconds to normalise.
  let padded = false;
  for (; i < rest.length; i++) {
    const c = rest[i]!;
    if (/[A-Za-z0-9+/]/.test(c)) {
      if (padded) break; // padding closes the base64
      b64 += c;
    } else if (c === '=') {
      b64 += c;
      padded = true;
    } else if (c === '.') {
      terminated = true;
      i++;
      break;
    } else if (/\s/.test(c)) {
      if (c === '\n' && /^[ \t]*\n/.test(rest.slice(i + 1))) break; // a blank line ends it
      breaks.add(b64.length);
    } else {
      break;
    }
  }
  if (terminated) {
    const bytes = decodeBase64(b64);
    if (!bytes) return { damaged: 'corrupt', detail: 'the ciphertext is not valid base64' };
    const shape = otrMessageShape(bytes);
    if (shape.kind === 'short') return { damaged: 'truncated', detail: 'part of the ciphertext is missing' };
    if (shape.kind === 'long') return { damaged: 'corrupt', detail: 'the ciphertext has bytes past its end' };
    // 'unknown' (a type or version we cannot measure) goes to the engine, which decides.
    return { text: `?OTR:${b64}.`, end: i };
  }
  const whole = wholeMessagePrefix(b64);
  if (!whole) {
    const bytes = decodeBase64(b64.replace(/=+$/, ''));
    const short = bytes && otrMessageShape(bytes).kind === 'short';
    return short
      ? { damaged: 'truncated', detail: 'part of the ciphertext is missing' }
      : { damaged: 'unterminated', detail: 'the ciphertext lost its final "." and cannot be proved whole' };
  }
  if (whole.used !== b64.length && !breaks.has(whole.used)) {
    return { damaged: 'unterminated', detail: 'the ciphertext lost its final "." and runs into other text' };
  }
  // Find where in `rest` the used base64 ended, to continue scanning after it.
  let end = 5;
  for (let seen = 0; seen < whole.used; end++) if (!/\s/.test(rest[end]!)) seen++;
  return { text: `?OTR:${whole.text}.`, end };
}
