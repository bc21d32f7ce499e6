/**
 * Mutations of wire messages. Each returns the texts to feed, in order (usually one; a
 * fragment sequence is several), and, for byte-level mutations of an encoded message, the
 * bytes it carries, so the checker can tell a tampered data message from an intact one.
 */
import { armor } from '../../src/otr/messages';
import type { Rng } from './rng';

export type MutationKind =
  | 'bitflip'
  | 'truncate'
  | 'extend'
  | 'splice'
  | 'header'
  | 'fragment'
  | 'query'
  | 'garbage'
  | 'replay'
  | 'inner';

export interface Mutated {
  texts: string[];
  /** Set when texts[0] is exactly armor(bytes). */
  bytes?: Uint8Array;
}

/** The bytes inside "?OTR:<base64>." (undefined when the text is not one). */
export function unarmor(text: string): Uint8Array | undefined {
  const m = /^\?OTR:([A-Za-z0-9+/=]*)\./.exec(text);
  return m ? new Uint8Array(Buffer.from(m[1]!, 'base64')) : undefined;
}

const withBytes = (bytes: Uint8Array): Mutated => ({ texts: [armor(bytes)], bytes });

export function bitflip(rng: Rng, bytes: Uint8Array): Mutated {
  const out = bytes.slice();
  const flips = 1 + rng.int(rng.chance(0.7) ? 2 : 8);
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = rng.int(out.length);
    out[at]! ^= 1 << rng.int(8);
  }
  return withBytes(out);
}

export function truncate(rng: Rng, text: string, bytes: Uint8Array | undefined): Mutated {
  if (bytes && rng.chance(0.7)) return withBytes(bytes.slice(0, rng.int(bytes.length)));
  return { texts: [text.slice(0, rng.int(text.length))] };
}

export function extend(rng: Rng, text: string, bytes: Uint8Array | undefined): Mutated {
  if (bytes && rng.chance(0.7)) {
    const extra = rng.bytes(1 + rng.int(rng.chance(0.9) ? 16 : 600));
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    return withBytes(out);
  }
  return { texts: [text + randomAscii(rng, 1 + rng.int(40))] };
}

/** Joins the front of one message to the back of another, at the same or different offsets. */
export function splice(rng: Rng, a: Uint8Array, b: Uint8Array): Mutated {
  const style = rng.int(3);
  let out: Uint8Array;
  if (style === 0) {
    // Header of one (v2: 3 bytes, v3: 11) with the body of the other.
    const h = rng.chance(0.5) ? 3 : 11;
    out = concat(a.subarray(0, h), b.subarray(h));
  } else if (style === 1) {
    const at = rng.int(Math.min(a.length, b.length) + 1);
    out = concat(a.subarray(0, at), b.subarray(at));
  } else {
    out = concat(a.subarray(0, rng.int(a.length + 1)), b.subarray(rng.int(b.length + 1)));
  }
  return withBytes(out);
}

const TYPES = [0x02, 0x03, 0x0a, 0x11, 0x12, 0x00, 0x01, 0xff];
const VERSIONS = [1, 2, 3, 4, 0, 0xffff, 0x0300];

/** Rewrites the version, type and instance tags of an encoded message. */
export function header(rng: Rng, bytes: Uint8Array, tags: number[]): Mutated {
  const out = bytes.slice();
  if (out.length < 11) return withBytes(out);
  const view = new DataView(out.buffer);
  const what = rng.int(4);
  if (what === 0) view.setUint16(0, rng.pick(VERSIONS));
  if (what === 1) out[2] = rng.chance(0.8) ? rng.pick(TYPES) : rng.int(256);
  if (what === 2 || what === 3) {
    const tag = rng.chance(0.6) ? rng.pick(tags) : rng.pick([0, 1, 0xff, 0x100, 0xffffffff, rng.u32()]);
    view.setUint32(what === 2 ? 3 : 7, tag >>> 0);
  }
  return withBytes(out);
}

/** Splits a text into fragments, then breaks the sequence: counts, order, tags, pieces. */
export function fragments(rng: Rng, text: string, tags: number[]): Mutated {
  const v3 = rng.chance(0.7);
  const n = 1 + rng.int(Math.min(12, Math.max(1, text.length)));
  const size = Math.ceil(text.length / n) || 1;
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) pieces.push(text.slice(i * size, (i + 1) * size));
  const sender = rng.chance(0.8) ? rng.pick(tags) : rng.u32();
  const receiver = rng.chance(0.8) ? rng.pick([...tags, 0]) : rng.u32();
  let ks = pieces.map((_, i) => i + 1);
  let ns = pieces.map(() => n);
  const texts = pieces.slice();
  const breakage = rng.int(8);
  if (breakage === 1) ks = ks.map((k) => (rng.chance(0.3) ? rng.pick([0, k + 1, n + 1, 65535, 99999]) : k));
  if (breakage === 2) ns = ns.map((x) => (rng.chance(0.3) ? rng.pick([0, x + 1, x - 1, 65535, 100000]) : x));
  const order = ks.map((_, i) => i);
  if (breakage === 3) order.sort(() => rng.int(3) - 1);
  if (breakage === 4 && order.length > 1) order.splice(rng.int(order.length), 1);
  if (breakage === 5) order.splice(rng.int(order.length), 0, rng.int(order.length));
  if (breakage === 6) {
    const i = rng.int(texts.length);
    texts[i] = rng.chance(0.5) ? texts[i]! + ',' + randomAscii(rng, 3) : randomAscii(rng, texts[i]!.length);
  }
  const hex8 = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  const out = order.map((i) => {
    const prefix = v3 ? `?OTR|${hex8(sender)}|${hex8(receiver)},` : '?OTR,';
    return `${prefix}${String(ks[i]).padStart(5, '0')},${String(ns[i]).padStart(5, '0')},${texts[i]},`;
  });
  if (breakage === 7) out.push(out[out.length - 1]!);
  return { texts: out };
}

const TAG_BASE = ' \t  \t\t\t\t \t \t \t  ';
const TAG_CHUNKS = [' \t \t  \t ', '  \t\t  \t ', '  \t\t  \t\t', '        ', '\t\t\t\t\t\t\t\t', ' \t\t'];

export function queryLike(rng: Rng): Mutated {
  const kind = rng.int(5);
  if (kind === 0) return { texts: [`?OTRv${randomFrom(rng, '0123456789v?', 1 + rng.int(8))}?`] };
  if (kind === 1) return { texts: [rng.pick(['?OTR?', '?OTR?v', '?OTR?v2?', '?OTRv?', '?OTR', '?OTRv', 'hi ?OTRv3?', '?OTR?v23?'])] };
  if (kind === 2) {
    let tag = TAG_BASE;
    for (let i = rng.int(5); i > 0; i--) tag += rng.pick(TAG_CHUNKS);
    return { texts: [randomAscii(rng, rng.int(10)) + tag + randomAscii(rng, rng.int(10))] };
  }
  if (kind === 3) return { texts: ['?OTR Error:' + randomAscii(rng, rng.int(60))] };
  return { texts: [rng.pick(['?OTR Error', '?OTR Error:', '?OTR:', '?OTR:.', '?OTR:AAM', '?OTR|', '?OTR,', '?OTR,1,1,,'])] };
}

export function garbage(rng: Rng): Mutated {
  const kind = rng.int(5);
  if (kind === 0) return { texts: [randomAscii(rng, rng.int(200))] };
  if (kind === 1) return { texts: [new TextDecoder().decode(rng.bytes(rng.int(200)))] };
  if (kind === 2) return { texts: ['?OTR:' + Buffer.from(rng.bytes(rng.int(400))).toString('base64') + (rng.chance(0.8) ? '.' : '')] };
  if (kind === 3) return { texts: [''] };
  return { texts: ['x'.repeat(rng.int(100_000))] };
}

function randomAscii(rng: Rng, n: number): string {
  return randomFrom(rng, 'abcXYZ019 ?.,:|\t\n=+/OTR', n);
}

function randomFrom(rng: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
