/**
 * Key derivation (spec: "Authenticated Key Exchange (AKE)" key computation, and "Data Exchange"
 * for the per-message keys). Everything is a hash of the DH shared secret serialised as an MPI.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from './bytes';
import { MODULUS } from './group';
import { PowerTableMemo } from './power-tables';
import { encodeMpi } from './wire';

/**
 * Tables of the peer's DH public keys (power-tables.ts): each of their keys meets two of ours
 * (key rotation pairs it with our current key, then with the one that replaces it), so the
 * second secret costs ~110 multiplications instead of ~414. The first costs 12 more than a
 * plain modPow. Sized for a few dozen live conversations, each with two of the peer's keys
 * in use; the tables hold powers of public values only.
 */
const DH_EXPONENT_BITS = 320;
const peerKeyTables = new PowerTableMemo(MODULUS, DH_EXPONENT_BITS, 4, 64);

/** The DH shared secret g^xy, serialised as an MPI ("secbytes"). */
export function sharedSecret(ourPrivate: bigint, theirPublic: bigint): Uint8Array {
  return encodeMpi(peerKeyTables.pow(theirPublic, ourPrivate));
}

/** h2(b) = SHA-256(b || secbytes). */
function h2(b: number, secbytes: Uint8Array): Uint8Array {
  return sha256(concatBytes(new Uint8Array([b]), secbytes));
}

export interface AkeKeys {
  ssid: Uint8Array; // 8 bytes, shown to users to detect a man in the middle
  c: Uint8Array; // AES key for the initiator's signature
  cPrime: Uint8Array; // AES key for the responder's signature
  m1: Uint8Array;
  m2: Uint8Array;
  m1Prime: Uint8Array;
  m2Prime: Uint8Array;
}

export function deriveAkeKeys(secbytes: Uint8Array): AkeKeys {
  const h0 = h2(0x00, secbytes);
  const h1 = h2(0x01, secbytes);
  return {
    ssid: h0.slice(0, 8),
    c: h1.slice(0, 16),
    cPrime: h1.slice(16, 32),
    m1: h2(0x02, secbytes),
    m2: h2(0x03, secbytes),
    m1Prime: h2(0x04, secbytes),
    m2Prime: h2(0x05, secbytes),
  };
}

/** The extra symmetric key of a session (spec: "Extra symmetric key"): SHA-256(0xFF || secbytes). */
export function extraSymmetricKey(secbytes: Uint8Array): Uint8Array {
  return h2(0xff, secbytes);
}

export interface DataKeys {
  sendingAes: Uint8Array;
  sendingMac: Uint8Array;
  receivingAes: Uint8Array;
  receivingMac: Uint8Array;
}

/**
 * Per-message keys for one pair of DH keys. The side whose public value is larger is the
 * "high" end and sends with byte 0x01; the other sends with 0x02.
 */
export function deriveDataKeys(ourPublic: bigint, theirPublic: bigint, secbytes: Uint8Array): DataKeys {
  return dataKeysFor(ourPublic > theirPublic, secbytes);
}

/** deriveDataKeys when the caller already knows which end is high. */
export function dataKeysFor(high: boolean, secbytes: Uint8Array): DataKeys {
  const sendByte = high ? 0x01 : 0x02;
  const recvByte = high ? 0x02 : 0x01;
  const sendingAes = sha1(concatBytes(new Uint8Array([sendByte]), secbytes)).slice(0, 16);
  const receivingAes = sha1(concatBytes(new Uint8Array([recvByte]), secbytes)).slice(0, 16);
  return { sendingAes, sendingMac: sha1(sendingAes), receivingAes, receivingMac: sha1(receivingAes) };
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/** SHA256-HMAC-160: the first 160 bits of HMAC-SHA-256, used on the AKE's encrypted signatures. */
export function hmacSha256_160(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmacSha256(key, data).slice(0, 20);
}

export function hmacSha1(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha1, key, data);
}

/**
 * HMAC-SHA1 under one key, with the key's two padded blocks hashed once: each use clones
 * that state (two SHA-1 compressions fewer per data message than hmacSha1).
 */
export function keyedHmacSha1(key: Uint8Array): (data: Uint8Array) => Uint8Array {
  const keyed = hmac.create(sha1, key);
  return (data) => keyed.clone().update(data).digest();
}
