/**
 * OTR's long-term keys (spec: "Public keys, signatures, and fingerprints"): DSA with a 1024-bit
 * p and a 160-bit q, as libotr makes them, on native BigInt. Key generation, signing and
 * verification, fingerprints and their human form, and a JSON form for storage.
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bigIntToBytes, bytesToBigInt, toHex } from './bytes';
import { fail } from './errors';
import { modexpCount, modInverse, modPow, multiPow, type RandomBytes } from './group';
import { isProbablePrime, P_ROUNDS, powOfTwo, Q_ROUNDS, randomBetween, sieveProgression } from './primes';
import { type PowerTable, powerTable, powFromTables } from './power-tables';
import { encodePublicKey, type DsaPublicKey } from './wire';

export type { DsaPublicKey } from './wire';

export interface DsaPrivateKey extends DsaPublicKey {
  x: bigint;
}

const P_BITS = 1024;
const Q_BITS = 160;
const Q_BYTES = Q_BITS / 8;
const SIGNATURE_BYTES = 2 * Q_BYTES;

/** How many multiples of 2q past a random start we sieve before drawing a new start. */
const P_SEARCH_WINDOW = 4096;
/**
 * q's candidates are sieved with the odd primes below 2^12 only: a Fermat test on 160 bits
 * costs about as much as sieving with a few hundred more primes, so a deeper sieve loses.
 */
const Q_SIEVE_LIMIT = 1 << 12;
/** Odd numbers past a random start sieved for q; a 160-bit prime comes every ~55 of them. */
const Q_SEARCH_WINDOW = 1024;

/** A 160-bit prime: the first that passes the tests from a random odd start (sieved as randomP). */
function randomQ(random: RandomBytes): bigint {
  const high = 1n << BigInt(Q_BITS);
  for (;;) {
    const start = bytesToBigInt(random(Q_BYTES)) | (1n << BigInt(Q_BITS - 1)) | 1n;
    const struck = sieveProgression(start, 2n, Q_SEARCH_WINDOW, Q_SIEVE_LIMIT);
    for (let j = 0; j < Q_SEARCH_WINDOW; j++) {
      if (struck[j]) continue;
      const q = start + 2n * BigInt(j);
      if (q >= high) break;
      if (isProbablePrime(random, q, Q_ROUNDS)) return q;
    }
  }
}

/**
 * A 1024-bit prime p = 1 mod 2q: from a random start, the progression start + j*2q is sieved
 * as an array (sieveProgression), so only survivors cost BigInt work.
 */
function randomP(random: RandomBytes, q: bigint): bigint | undefined {
  const twoQ = 2n * q;
  const low = 1n << BigInt(P_BITS - 1);
  const high = 1n << BigInt(P_BITS);
  const start0 = bytesToBigInt(random(P_BITS / 8)) | low;
  let start = start0 - ((start0 - 1n) % twoQ);
  if (start < low) start += twoQ;
  const struck = sieveProgression(start, twoQ, P_SEARCH_WINDOW);
  for (let j = 0; j < P_SEARCH_WINDOW; j++) {
    if (struck[j]) continue;
    const p = start + BigInt(j) * twoQ;
    if (p >= high) return undefined;
    if (isProbablePrime(random, p, P_ROUNDS)) return p;
  }
  return undefined;
}

/** A fresh DSA key with a 1024-bit p and 160-bit q, the sizes libotr generates. */
export function generateDsaKey(random: RandomBytes): DsaPrivateKey {
  for (;;) {
    const q = randomQ(random);
    const p = randomP(random, q);
    if (p === undefined) continue;
    const e = (p - 1n) / q;
    // FIPS 186-4 A.2.1 lets h be any 1 < h < p - 1: h = 2 first, whose powers are shifts.
    let g = powOfTwo(e, p);
    while (g === 1n) g = modPow(randomBetween(random, 2n, p - 2n), e, p);
    const x = randomBetween(random, 1n, q - 1n);
    return { p, q, g, y: modPow(g, x, p), x };
  }
}

export function publicKeyOf(key: DsaPrivateKey): DsaPublicKey {
  return { p: key.p, q: key.q, g: key.g, y: key.y };
}

/**
 * Sanity checks on a received public key. libotr checks nothing and accepts any sizes, so we
 * only reject values no DSA key can have, which would otherwise break the arithmetic.
 */
export function checkPublicKey(pub: DsaPublicKey, field = 'publicKey'): void {
  if (pub.p < 3n || (pub.p & 1n) === 0n) fail('malformed', `${field}.p`, 'not an odd number above 2');
  if (pub.q < 2n) fail('malformed', `${field}.q`, 'below 2');
  if (pub.g < 2n || pub.g >= pub.p) fail('malformed', `${field}.g`, 'outside [2, p-1]');
  if (pub.y < 2n || pub.y >= pub.p) fail('malformed', `${field}.y`, 'outside [2, p-1]');
}

/**
 * The public checks plus 0 < x < q and y = g^x mod p, for keys loaded from storage (which
 * were checked strictly when made or imported) and for export. Cheap, but not enough for a
 * key from outside: see checkImportedPrivateKey.
 */
export function checkPrivateKey(key: DsaPrivateKey, field = 'privateKey'): void {
  checkPublicKey(key, field);
  if (key.x < 1n || key.x >= key.q) fail('malformed', `${field}.x`, 'outside [1, q-1]');
  if (modPow(key.g, key.x, key.p) !== key.y) fail('malformed', `${field}.y`, 'y is not g^x mod p');
}

/** Sizes an imported key's p may have: libotr makes 1024 bits; storage reads up to 8192. */
export const IMPORT_P_MIN_BITS = 1024;
export const IMPORT_P_MAX_BITS = 3072;

/**
 * The strict checks for a private key from outside (a libotr otr.private_key file), before it
 * is stored: sizes first, so no arithmetic runs on huge numbers; then 1 <= x < q, q | p-1,
 * g of order q (g^q = 1 with g != 1 and q prime), y = g^x mod p, and q and p probable primes
 * (FIPS 186-4 C.3 with P_ROUNDS / Q_ROUNDS). q must be 160 bits since OTR's signatures carry r
 * and s in 20 bytes each (dsaSign); p may be 1024 to 3072 bits. Such a key signs and reloads.
 */
export function checkImportedPrivateKey(random: RandomBytes, key: DsaPrivateKey, field = 'privateKey'): void {
  const pBits = key.p.toString(2).length;
  if (pBits < IMPORT_P_MIN_BITS || pBits > IMPORT_P_MAX_BITS) {
    fail('malformed', `${field}.p`, `${pBits} bits; expected ${IMPORT_P_MIN_BITS} to ${IMPORT_P_MAX_BITS}`);
  }
  const qBits = key.q.toString(2).length;
  if (qBits !== Q_BITS) fail('malformed', `${field}.q`, `${qBits} bits; expected ${Q_BITS}`);
  checkPublicKey(key, field);
  if (key.x < 1n || key.x >= key.q) fail('malformed', `${field}.x`, 'outside [1, q-1]');
  if ((key.p - 1n) % key.q !== 0n) fail('malformed', `${field}.q`, 'does not divide p-1');
  if (!isProbablePrime(random, key.q, Q_ROUNDS)) fail('malformed', `${field}.q`, 'not prime');
  if (modPow(key.g, key.q, key.p) !== 1n) fail('malformed', `${field}.g`, 'g^q mod p is not 1');
  if (modPow(key.g, key.x, key.p) !== key.y) fail('malformed', `${field}.y`, 'y is not g^x mod p');
  if (!isProbablePrime(random, key.p, P_ROUNDS)) fail('malformed', `${field}.p`, 'not prime');
}

/**
 * The signed value. libotr passes the 32-byte SHA-256 MAC to libgcrypt as a plain (non-opaque)
 * integer, which libgcrypt 1.10 uses whole, reduced mod q: no truncation to q's length
 * (cipher/dsa.c sign(), _gcry_dsa_normalize_hash). otr.js and Go's crypto/dsa do the same,
 * and the interop test checks it against libotr's own signatures.
 */
function hashToInt(hash: Uint8Array, q: bigint): bigint {
  return bytesToBigInt(hash) % q;
}

/**
 * g^k mod p by a fixed-base table per signing key (row i: g^(d * 16^i), d = 0..15): a 160-bit
 * k costs 40 multiplications instead of ~200. A table costs about three signatures to build
 * and a conversation's AKE signs once per side, so it pays from the second AKE on. Tables
 * are kept for the last few keys only. k is secret: every digit multiplies (zero digits by
 * 1), so its bits do not choose the operations; BigInt itself is not constant-time (README
 * "Security").
 */
const SIGNING_TABLES_KEPT = 4;
const signingTables = new Map<string, bigint[][]>();

function powSigningBase(key: DsaPrivateKey, k: bigint): bigint {
  const hex = k.toString(16);
  const rows = Math.ceil(key.q.toString(2).length / 4);
  if (hex.length > rows) return modPow(key.g, k, key.p);
  const name = `${key.p.toString(36)}:${key.g.toString(36)}`;
  let table = signingTables.get(name);
  if (!table) {
    table = [];
    let base = key.g % key.p;
    for (let i = 0; i < rows; i++) {
      const row = [1n, base];
      for (let d = 2; d < 16; d++) row.push((row[d - 1]! * base) % key.p);
      table.push(row);
      base = (row[15]! * base) % key.p;
    }
    modexpCount.mulmods += rows * 15;
    if (signingTables.size >= SIGNING_TABLES_KEPT) signingTables.delete(signingTables.keys().next().value!);
    signingTables.set(name, table);
  }
  modexpCount.fixedBase++;
  modexpCount.mulmods += hex.length;
  let result = 1n;
  for (let i = 0; i < hex.length; i++) result = (result * table[i]![parseInt(hex[hex.length - 1 - i]!, 16)]!) % key.p;
  return result;
}

/** A DSA signature on `hash` in OTR's form: r and s, 20 bytes each, big-endian. */
export function dsaSign(random: RandomBytes, key: DsaPrivateKey, hash: Uint8Array): Uint8Array {
  if (key.q >> BigInt(Q_BITS - 1) !== 1n) fail('invalid-argument', 'dsaSign.key.q', 'q must be 160 bits');
  const h = hashToInt(hash, key.q);
  // Ends: with q a 160-bit prime and g of order q (generateDsaKey's keys, and imports after
  // checkImportedPrivateKey), g^k != 1 for every k here, and r = 0 or s = 0 each take about one
  // k in q, so a retry happens with probability ~2^-159. Keys like q = 2 with an even g, where
  // every r is 0, are refused at import; a q of another size is refused just above.
  for (;;) {
    const k = randomBetween(random, 1n, key.q - 1n);
    const r = powSigningBase(key, k) % key.q;
    if (r === 0n) continue;
    const s = (modInverse(k, key.q) * (h + key.x * r)) % key.q;
    if (s === 0n) continue;
    const sig = new Uint8Array(SIGNATURE_BYTES);
    sig.set(bigIntToBytes(r, Q_BYTES), 0);
    sig.set(bigIntToBytes(s, Q_BYTES), Q_BYTES);
    return sig;
  }
}

/** True only for a valid signature; any malformed key, hash or signature gives false. */
export function dsaVerify(pub: DsaPublicKey, hash: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== SIGNATURE_BYTES) return false;
  try {
    checkPublicKey(pub);
  } catch {
    return false;
  }
  const r = bytesToBigInt(sig.subarray(0, Q_BYTES));
  const s = bytesToBigInt(sig.subarray(Q_BYTES));
  if (r <= 0n || r >= pub.q || s <= 0n || s >= pub.q) return false;
  let w: bigint;
  try {
    w = modInverse(s, pub.q);
  } catch {
    return false; // q not prime: no signature can be valid
  }
  const u1 = (hashToInt(hash, pub.q) * w) % pub.q;
  const u2 = (r * w) % pub.q;
  const tables = verifyTables(pub);
  // Shamir's trick the first time: one run of squarings for g^u1 · y^u2 (public exponents).
  const v = (tables ? powFromTables([[tables.g, u1], [tables.y, u2]]) : multiPow([[pub.g, u1], [pub.y, u2]], pub.p)) % pub.q;
  return v === r;
}

/**
 * Power tables (power-tables.ts) of a peer's g and y, from the second signature checked
 * under that key on: a peer signs once in every AKE, and conversations with the same person
 * re-key often. Then a check costs ~110 multiplications instead of ~270; the tables cost ~310
 * once. The first signature under a key only notes it, so a key seen once costs nothing more.
 */
const VERIFY_KEYS_KEPT = 16;
const verifyKeys = new Map<string, { g: PowerTable; y: PowerTable } | null>();

function verifyTables(pub: DsaPublicKey): { g: PowerTable; y: PowerTable } | null {
  // libotr accepts keys of any size; tables are kept only for sizes a real key has.
  if (pub.q >= 1n << 256n || pub.p >= 1n << 3072n) return null;
  const name = `${pub.p.toString(16)}:${pub.g.toString(16)}:${pub.y.toString(16)}`;
  let tables = verifyKeys.get(name);
  if (tables === undefined) {
    tables = null;
  } else if (tables === null) {
    const bits = pub.q.toString(2).length;
    tables = { g: powerTable(pub.g, pub.p, bits, 4), y: powerTable(pub.y, pub.p, bits, 4) };
  }
  verifyKeys.delete(name);
  if (verifyKeys.size >= VERIFY_KEYS_KEPT) verifyKeys.delete(verifyKeys.keys().next().value!);
  verifyKeys.set(name, tables);
  return tables;
}

/** SHA-1 of the serialised public key; for DSA keys (type 0) the type is left out. */
export function fingerprint(pub: DsaPublicKey): Uint8Array {
  return sha1(encodePublicKey(pub).subarray(2));
}

/** "XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX", libotr's otrl_privkey_hash_to_human. */
export function formatFingerprint(fp: Uint8Array): string {
  if (fp.length !== 20) fail('invalid-argument', 'fingerprint', `expected 20 bytes, got ${fp.length}`);
  const hex = toHex(fp).toUpperCase();
  return [0, 8, 16, 24, 32].map((i) => hex.slice(i, i + 8)).join(' ');
}

/** Accepts the human form or 40 hex digits, any case, with or without spaces. */
export function parseFingerprint(text: string): Uint8Array {
  const compact = text.trim().replace(/[ \t]+/g, '');
  if (!/^[0-9a-fA-F]{40}$/.test(compact)) fail('malformed', 'fingerprint', 'expected 40 hex digits');
  return Uint8Array.from({ length: 20 }, (_, i) => parseInt(compact.slice(2 * i, 2 * i + 2), 16));
}

export interface DsaPrivateKeyJson {
  p: string;
  q: string;
  g: string;
  y: string;
  x: string;
}

export function privateKeyToJson(key: DsaPrivateKey): DsaPrivateKeyJson {
  const hex = (n: bigint) => n.toString(16);
  return { p: hex(key.p), q: hex(key.q), g: hex(key.g), y: hex(key.y), x: hex(key.x) };
}

/** The inverse of privateKeyToJson; rejects anything that is not a consistent DSA key. */
export function privateKeyFromJson(json: unknown): DsaPrivateKey {
  if (typeof json !== 'object' || json === null) fail('malformed', 'privateKey', 'not an object');
  const obj = json as Record<string, unknown>;
  const read = (name: keyof DsaPrivateKeyJson): bigint => {
    const v = obj[name];
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,2048}$/.test(v)) fail('malformed', `privateKey.${name}`, 'not hex');
    return BigInt('0x' + v);
  };
  const key = { p: read('p'), q: read('q'), g: read('g'), y: read('y'), x: read('x') };
  checkPrivateKey(key);
  return key;
}
