/**
 * Whether base64 text is exactly one whole OTR encoded message (spec "Data types" and the
 * encodings of D-H Commit, D-H Key, Reveal Signature, Signature and Data messages), judged from
 * its layout alone: every length field must fit and no byte may be left over. Mail mangles
 * ciphertext (wrapping, lost final "."), and this is what proves a recovered text whole before
 * it reaches the engine. No cryptography here: the engine still checks MACs and signatures.
 */

export type ShapeVerdict =
  | { kind: 'whole'; bytes: number }
  | { kind: 'short' } // the layout asks for more bytes than there are: text lost
  | { kind: 'long' } // bytes left after a complete message: text glued on, or not one message
  | { kind: 'unknown' }; // not a message type or version we know the layout of

type Field = 'byte' | 'int' | 'ctr' | 'mac' | 'data' | 'mpi';

/** Field lists after the header (protocol version, type, and v3's two instance tags). */
const LAYOUT: Record<number, Field[]> = {
  0x02: ['data', 'data'], // D-H Commit: encrypted g^x, hashed g^x
  0x0a: ['mpi'], // D-H Key: g^y
  0x11: ['data', 'data', 'mac'], // Reveal Signature: r, encrypted signature, MAC
  0x12: ['data', 'mac'], // Signature: encrypted signature, MAC
  // Data: flags, sender keyid, recipient keyid, next D-H key, counter, encrypted message,
  // authenticator, old MAC keys.
  0x03: ['byte', 'int', 'int', 'mpi', 'ctr', 'data', 'mac', 'data'],
};
const FIXED: Partial<Record<Field, number>> = { byte: 1, int: 4, ctr: 8, mac: 20 };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes strict base64 (no whitespace); null when it is not base64 at all. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text) || text.length % 4 === 1) return null;
  const padded = text.length % 4 === 0 ? text : text + '='.repeat(4 - (text.length % 4));
  let bin: string;
  try {
    bin = atob(padded);
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The byte length of the message the header announces, or a reason it has none. */
export function otrMessageShape(bytes: Uint8Array): ShapeVerdict {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 3) return { kind: 'short' };
  const version = view.getUint16(0);
  if (version !== 2 && version !== 3) return { kind: 'unknown' };
  const fields = LAYOUT[bytes[2]!];
  if (!fields) return { kind: 'unknown' };
  let at = 3 + (version === 3 ? 8 : 0);
  for (const f of fields) {
    const fixed = FIXED[f];
    if (fixed !== undefined) {
      at += fixed;
      continue;
    }
    if (at + 4 > bytes.length) return { kind: 'short' };
    at += 4 + view.getUint32(at);
  }
  if (at > bytes.length) return { kind: 'short' };
  if (at < bytes.length) return { kind: 'long' };
  return { kind: 'whole', bytes: at };
}

/**
 * The one whole message at the start of `base64` (unpadded or padded), for text that may have
 * run on into what followed it: the header announces the length, and the prefix of exactly that
 * length must be whole. Returns its canonical (padded) base64 and how many input characters it
 * used, or null.
 */
export function wholeMessagePrefix(base64: string): { text: string; used: number } | null {
  const usable = base64.replace(/=+$/, '');
  const bytes = decodeBase64(usable.length % 4 === 1 ? usable.slice(0, -1) : usable);
  if (!bytes) return null;
  const want = announcedLength(bytes);
  if (want === null || want > bytes.length) return null;
  const used = Math.ceil((want * 4) / 3);
  const exact = decodeBase64(usable.slice(0, used));
  if (!exact || exact.length !== want || otrMessageShape(exact).kind !== 'whole') return null;
  const text = canonicalBase64(exact);
  // Padding written after the message belongs to it.
  const withPadding = base64.startsWith(text) ? text.length : used;
  return { text, used: withPadding };
}

/** The length the header and length fields announce, or null when they cannot be read. */
function announcedLength(bytes: Uint8Array): number | null {
  if (bytes.length < 3) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(0);
  const fields = LAYOUT[bytes[2]!];
  if ((version !== 2 && version !== 3) || !fields) return null;
  let at = 3 + (version === 3 ? 8 : 0);
  for (const f of fields) {
    const fixed = FIXED[f];
    if (fixed !== undefined) at += fixed;
    else if (at + 4 > bytes.length) return null;
    else at += 4 + view.getUint32(at);
  }
  return at;
}

export function canonicalBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
