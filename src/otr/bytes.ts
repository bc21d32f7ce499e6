/** Byte helpers shared by the engine: encodings, big integers and constant-time comparison. */
import { fail } from './errors';

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths. Used for every MAC
 * and commitment check. JavaScript engines promise nothing about timing; this avoids the
 * obvious early exit, which is what matters over a chat network's jitter.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Hex digit values by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Decodes by character code, without a substring per byte (it runs on every data message). */
export function fromHex(hex: string, field = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0) fail('malformed', field, 'not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) fail('malformed', field, 'not hex');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Strict base64: standard alphabet, padding required, no whitespace. */
export function fromBase64(text: string, field = 'base64'): Uint8Array {
  if (text.length % 4 !== 0) fail('malformed', field, 'base64 length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  // Every quad but a padded last one: four lookups, one validity test (it runs on every
  // received message, issue 15).
  const full = pad ? text.length - 4 : text.length;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3);
    if (n < 0) fail('malformed', field, 'not base64');
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (pad) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const v = j >= 4 - pad ? 0 : sextet(text, full + j);
      if (v < 0) fail('malformed', field, 'not base64');
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
  }
  return out;
}

/** A base64 character's value, or -1: shifted left it stays negative, so an OR of four shows any bad one. */
function sextet(text: string, at: number): number {
  const c = text.charCodeAt(at);
  return c < 128 ? B64_INDEX[c]! : -1;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8; invalid sequences become U+FFFD unless `strict`, which throws a typed error. */
export function fromUtf8(bytes: Uint8Array, strict = false, field = 'utf8'): string {
  if (!strict) return lenientDecoder.decode(bytes);
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return fail('malformed', field, 'invalid UTF-8');
  }
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

/** Big-endian bytes of a non-negative integer: minimal, or left-padded to `length`. */
export function bigIntToBytes(n: bigint, length?: number): Uint8Array {
  if (n < 0n) fail('invalid-argument', 'bigint', 'negative');
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (length !== undefined) {
    if (hex.length > length * 2) fail('invalid-argument', 'bigint', `does not fit ${length} bytes`);
    hex = hex.padStart(length * 2, '0');
  }
  return fromHex(hex);
}

export function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}
