/**
 * The one wire classifier (spec: "Unencoded messages", "Data types", "Fragmentation"): what a
 * text carried by the chat is, from its public header alone. Pure and total (never throws,
 * never decodes), so the engine, the background and the content script all ask the same
 * function: the engine to pick a receive path, the background to deduplicate and to recognise
 * its own echoes, the content script to choose a reader frame or a status line.
 *
 * Markers are found anywhere in the text, as libotr does (chat clients may prefix a nickname).
 */

/** Whitespace tag (spec "Tagged plaintext messages"): a base of 16 blanks, then 8 per version. */
export const TAG_BASE = ' \t  \t\t\t\t \t \t \t  ';
export const TAG_V1 = ' \t \t  \t ';
export const TAG_V2 = '  \t\t  \t ';
export const TAG_V3 = '  \t\t  \t\t';
export const ERROR_PREFIX = '?OTR Error:';
const MARKER = '?OTR';

/** An encoded message's type, read from the first bytes of its base64 ("AAMD" = v3, type 0x03). */
export type EncodedType = 'data' | 'ake' | 'unknown';
/** The same, per message (spec "Data types": 0x02 D-H Commit, 0x0a D-H Key, 0x11, 0x12, 0x03). */
export type EncodedMessage = 'dh-commit' | 'dh-key' | 'reveal-signature' | 'signature' | 'data' | 'unknown';

export interface FragmentHeader {
  version: 2 | 3;
  /** 0 for v2 fragments, which carry no instance tags. */
  senderTag: number;
  receiverTag: number;
  k: number;
  n: number;
  /** The piece of the encoded message this fragment carries. */
  piece: string;
}

export type WireText =
  | { kind: 'query'; versions: number[] }
  | { kind: 'error'; message: string }
  | { kind: 'encoded'; text: string; type: EncodedType; message: EncodedMessage }
  /** `header` is null when the header does not parse; the engine then reports it malformed. */
  | { kind: 'fragment'; text: string; header: FragmentHeader | null }
  /** Plain text, whitespace tag removed; `tagged` says a tag was there (even with no known version). */
  | { kind: 'plaintext'; text: string; tagged: boolean; taggedVersions: number[] };

/** Cheap pre-filter: only texts passing it can be anything but untagged plain text. */
export function mayBeOtr(text: string): boolean {
  return text.includes(MARKER) || text.includes(TAG_BASE);
}

export function classify(text: string): WireText {
  const at = text.indexOf(MARKER);
  if (at >= 0) {
    const rest = at === 0 ? text : text.slice(at);
    const next = rest.charAt(4);
    if (next === ':') {
      const message = encodedMessage(rest);
      return { kind: 'encoded', text: rest, type: message === 'data' || message === 'unknown' ? message : 'ake', message };
    }
    if (next === '|' || next === ',') return { kind: 'fragment', text: rest, header: fragmentHeader(rest) };
    if (rest.startsWith(ERROR_PREFIX)) return { kind: 'error', message: rest.slice(ERROR_PREFIX.length).trim() };
    if (next === '?' || next === 'v') return { kind: 'query', versions: queryVersions(rest) };
  }
  return stripWhitespaceTag(text);
}

/** An encoded message or a fragment: unique on the wire, so the same text twice is a replay. */
export function isEncodedWire(c: WireText): c is Extract<WireText, { kind: 'encoded' | 'fragment' }> {
  return c.kind === 'encoded' || c.kind === 'fragment';
}

/** Any OTR traffic at all (what a client without OTR would show as protocol noise). */
export function isOtrTraffic(c: WireText): boolean {
  return c.kind !== 'plaintext' || c.tagged;
}

/** A wire text whose arrival may end in plaintext: a data message, or the last piece of one. */
export function carriesPlaintext(c: WireText): boolean {
  if (c.kind === 'encoded') return c.type === 'data';
  return c.kind === 'fragment' && c.header !== null && c.header.k === c.header.n && c.header.n > 1;
}

/** A fragment with more pieces still to come after it (k < n). */
export function isEarlierFragment(c: WireText): boolean {
  return c.kind === 'fragment' && c.header !== null && c.header.k < c.header.n;
}

const MESSAGE_BY_TYPE: Record<string, EncodedMessage> = { C: 'dh-commit', K: 'dh-key', R: 'reveal-signature', S: 'signature', D: 'data' };

function encodedMessage(text: string): EncodedMessage {
  // Base64 of the first 3 bytes (protocol version 2 or 3, 2 bytes; message type, 1 byte):
  // "AAI" or "AAM", then C (0x02), K (0x0a), R (0x11), S (0x12) or D (0x03).
  const head = text.slice(5, 9);
  if (head.length !== 4 || !(head.startsWith('AAM') || head.startsWith('AAI'))) return 'unknown';
  return MESSAGE_BY_TYPE[head[3]!] ?? 'unknown';
}

const V3_HEADER = /^\?OTR\|([0-9a-fA-F]{1,8})\|([0-9a-fA-F]{1,8}),0*(\d{1,5}),0*(\d{1,5}),([^,]*),/;
const V2_HEADER = /^\?OTR,0*(\d{1,5}),0*(\d{1,5}),([^,]*),/;

function fragmentHeader(text: string): FragmentHeader | null {
  const v3 = V3_HEADER.exec(text);
  if (v3) return { version: 3, senderTag: parseInt(v3[1]!, 16), receiverTag: parseInt(v3[2]!, 16), k: Number(v3[3]), n: Number(v3[4]), piece: v3[5]! };
  const v2 = V2_HEADER.exec(text);
  if (v2) return { version: 2, senderTag: 0, receiverTag: 0, k: Number(v2[1]), n: Number(v2[2]), piece: v2[3]! };
  return null;
}

/** Versions offered by a query message: "?OTR?" (v1), "?OTRv2?", "?OTR?v23?" and so on. */
function queryVersions(text: string): number[] {
  const versions: number[] = [];
  let i = MARKER.length;
  if (text[i] === '?') {
    versions.push(1);
    i++;
  }
  if (text[i] !== 'v') return versions;
  for (i++; i < text.length && text[i] !== '?'; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9 && !versions.includes(d)) versions.push(d);
  }
  return versions;
}

function stripWhitespaceTag(text: string): WireText {
  const at = text.indexOf(TAG_BASE);
  if (at < 0) return { kind: 'plaintext', text, tagged: false, taggedVersions: [] };
  const versions: number[] = [];
  let end = at + TAG_BASE.length;
  for (;;) {
    const chunk = text.slice(end, end + 8);
    if (chunk === TAG_V1) versions.push(1);
    else if (chunk === TAG_V2) versions.push(2);
    else if (chunk === TAG_V3) versions.push(3);
    else if (chunk.length === 8 && /^[ \t]{8}$/.test(chunk)) versions.push(0);
    else break;
    end += 8;
  }
  return { kind: 'plaintext', text: text.slice(0, at) + text.slice(end), tagged: true, taggedVersions: versions.filter((v) => v > 0) };
}
