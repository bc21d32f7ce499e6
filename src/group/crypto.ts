/**
 * The primitives a room uses, each from @noble: the HMAC-SHA-256 chain ratchet, the member
 * list hash, XChaCha20-Poly1305 for posts and Ed25519 for their signatures. JavaScript cannot
 * wipe the keys these return; callers drop references as soon as a key is used.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../otr/bytes';
import { fail } from '../otr/errors';
import { Writer } from '../otr/wire';

export const CHAIN_KEY_BYTES = 32;
export const SIGNING_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const NONCE_BYTES = 24;
/** The member-list hash in each post is SHA-256 cut to 16 bytes: a mismatch detector, not a commitment. */
export const LIST_HASH_BYTES = 16;
export const ROOM_ID_BYTES = 16;

const MESSAGE_KEY_SEED = new Uint8Array([0x01]);
const CHAIN_KEY_SEED = new Uint8Array([0x02]);

/** One ratchet step, as Signal's sender keys: message key = HMAC(ck, 0x01), next ck = HMAC(ck, 0x02). */
export function ratchet(chainKey: Uint8Array): { messageKey: Uint8Array; nextChainKey: Uint8Array } {
  if (chainKey.length !== CHAIN_KEY_BYTES) fail('invalid-argument', 'chainKey', `expected ${CHAIN_KEY_BYTES} bytes, got ${chainKey.length}`);
  return { messageKey: hmac(sha256, chainKey, MESSAGE_KEY_SEED), nextChainKey: hmac(sha256, chainKey, CHAIN_KEY_SEED) };
}

/** The hash every member computes over the room id and the sorted member list. */
export function memberListHash(roomId: Uint8Array, members: readonly string[]): Uint8Array {
  const w = new Writer().raw(roomId).int(members.length);
  for (const m of [...members].sort()) w.data(new TextEncoder().encode(m));
  return sha256(w.finish()).slice(0, LIST_HASH_BYTES);
}

export function seal(messageKey: Uint8Array, nonce: Uint8Array, associated: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return xchacha20poly1305(messageKey, nonce, associated).encrypt(plaintext);
}

/** Returns null when the ciphertext does not authenticate. */
export function open(messageKey: Uint8Array, nonce: Uint8Array, associated: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  try {
    return xchacha20poly1305(messageKey, nonce, associated).decrypt(ciphertext);
  } catch {
    return null;
  }
}

export function signingPublicKey(secret: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secret);
}

export function sign(secret: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secret);
}

/** False for any malformed key or signature: a post that fails here is never decrypted. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    // RFC 8032 strict checks rather than ZIP-215: one valid encoding per signature.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Whether a published signing secret belongs to the public key we were given for that epoch. */
export function secretMatches(secret: Uint8Array, publicKey: Uint8Array): boolean {
  if (secret.length !== SIGNING_KEY_BYTES) return false;
  return equalBytes(signingPublicKey(secret), publicKey);
}
