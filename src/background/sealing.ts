/**
 * Passphrase protection for stored keys: scrypt (memory-hard, RFC 7914) turns the passphrase
 * into a 256-bit key-encryption key; XChaCha20-Poly1305 seals each key record with a fresh
 * 192-bit random nonce (no counter to keep), the record id as associated data so a sealed key
 * cannot be swapped under another id. JavaScript cannot wipe memory: the unlocked key lives in
 * the worker (and storage.session) until lock() or the browser closes.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { fromHex, toHex, utf8, fromUtf8 } from '../otr/bytes';
import { storeFail } from './errors';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
/**
 * 2^17 × r=8 uses 128 MiB and a few seconds here (issue 17 item 8; it was 2^15): slow for
 * guessing, fine once per unlock. Keys wrapped under a smaller N still unlock and are wrapped
 * again under this one at that unlock (key-store.ts).
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 17, r: 8, p: 1 };

export interface Sealed {
  nonce: string; // hex, 24 bytes
  ct: string; // hex, ciphertext with tag
}

export type Random = (n: number) => Uint8Array;

export async function deriveKek(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  // asyncTick yields to the event loop so the worker keeps answering during derivation.
  return scryptAsync(utf8(passphrase.normalize('NFKC')), salt, { ...params, dkLen: 32, asyncTick: 20 });
}

export function seal(random: Random, kek: Uint8Array, plaintext: string, aad: string): Sealed {
  const nonce = random(24);
  const ct = xchacha20poly1305(kek, nonce, utf8(aad)).encrypt(utf8(plaintext));
  return { nonce: toHex(nonce), ct: toHex(ct) };
}

/** Returns null when the tag does not verify (wrong key or tampered record). */
export function open(kek: Uint8Array, sealed: unknown, aad: string): string | null {
  if (!isSealed(sealed)) storeFail('corrupt', 'a sealed record has the wrong shape');
  try {
    const pt = xchacha20poly1305(kek, fromHex(sealed.nonce), utf8(aad)).decrypt(fromHex(sealed.ct));
    return fromUtf8(pt, true);
  } catch {
    return null;
  }
}

export function isSealed(v: unknown): v is Sealed {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.nonce === 'string' && /^[0-9a-f]{48}$/.test(s.nonce) && typeof s.ct === 'string' && /^[0-9a-f]{34,}$/.test(s.ct);
}

/**
 * The same sealing on bytes, for large records stored as binary (conversation-store.ts): hex
 * doubles the size on disk and decoding it cost more than the decryption (bench: issue 11).
 */
export function sealBytes(random: Random, key: Uint8Array, plaintext: Uint8Array, aad: string): { nonce: Uint8Array; ct: Uint8Array } {
  const nonce = random(24);
  return { nonce, ct: xchacha20poly1305(key, nonce, utf8(aad)).encrypt(plaintext) };
}

/** Null when the tag does not verify (wrong key, damaged or altered record). */
export function openBytes(key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, aad: string): Uint8Array | null {
  try {
    return xchacha20poly1305(key, nonce, utf8(aad)).decrypt(ct);
  } catch {
    return null;
  }
}
