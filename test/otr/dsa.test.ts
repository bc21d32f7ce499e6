/**
 * DSA keys, signatures and fingerprints.
 * Vectors: test/fixtures/otr3_kat.json holds known answers whose
 * alice_dsa_* values come from coyim/otr3's fixtures_test.go (its "alice" key) and were
 * cross-checked against libotr.
 */
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, fromHex, toHex, u32 } from '../../src/otr/bytes';
import {
  checkPrivateKey,
  checkPublicKey,
  dsaSign,
  dsaVerify,
  fingerprint,
  formatFingerprint,
  generateDsaKey,
  parseFingerprint,
  privateKeyFromJson,
  privateKeyToJson,
  publicKeyOf,
  type DsaPrivateKey,
} from '../../src/otr/dsa';
import { isOtrError, OtrError } from '../../src/otr/errors';
import { modPow } from '../../src/otr/group';
import { Reader } from '../../src/otr/wire';

const kat = JSON.parse(readFileSync(new URL('../fixtures/otr3_kat.json', import.meta.url), 'utf8')).vectors;
const random = (n: number) => webcrypto.getRandomValues(new Uint8Array(n));

/** A seeded byte stream (SHA-256 in counter mode), to show key generation uses only `random`. */
function seededRandom(seed: number) {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (pool.length === 0) pool = sha256(new Uint8Array([...u32(seed), ...u32(counter++)]));
      out[i] = pool[0]!;
      pool = pool.subarray(1);
    }
    return out;
  };
}

function expectOtrError(fn: () => unknown, code?: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OtrError);
    if (code) expect((e as OtrError).code).toBe(code);
    return;
  }
  throw new Error('expected an OtrError');
}

describe('fingerprints (known answers)', () => {
  const pub = new Reader(fromHex(kat.alice_dsa_pubkey_PUBKEY), 'pubkey').publicKey('key');

  it('hashes the public key without its type, as libotr does', () => {
    expect(toHex(fingerprint(pub))).toBe(kat.alice_dsa_fingerprint);
    expect(bigIntToBytes(pub.q).length).toBe(kat.alice_dsa_q_bytes);
  });

  it('prints the human form in five upper-case groups', () => {
    expect(formatFingerprint(fingerprint(pub))).toBe(kat.alice_dsa_fingerprint_human);
  });

  it('parses the human form, compact hex in either case, and rejects anything else', () => {
    const fp = fromHex(kat.alice_dsa_fingerprint);
    expect(parseFingerprint(kat.alice_dsa_fingerprint_human)).toEqual(fp);
    expect(parseFingerprint(kat.alice_dsa_fingerprint)).toEqual(fp);
    expect(parseFingerprint(kat.alice_dsa_fingerprint.toUpperCase())).toEqual(fp);
    expect(parseFingerprint(kat.alice_dsa_fingerprint_human.toLowerCase())).toEqual(fp);
    for (const bad of ['', kat.alice_dsa_fingerprint.slice(1), kat.alice_dsa_fingerprint + '0', 'g'.repeat(40)]) {
      expectOtrError(() => parseFingerprint(bad), 'malformed');
    }
    expectOtrError(() => formatFingerprint(new Uint8Array(19)), 'invalid-argument');
  });

  it('round-trips any fingerprint through its human form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (fp) => {
        const human = formatFingerprint(fp);
        expect(human).toMatch(/^([0-9A-F]{8} ){4}[0-9A-F]{8}$/);
        expect(parseFingerprint(human)).toEqual(fp);
      }),
    );
  });

  it('parseFingerprint only ever throws OtrError on garbage', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        try {
          expect(parseFingerprint(s)).toHaveLength(20);
        } catch (e) {
          expect(isOtrError(e)).toBe(true);
        }
      }),
    );
  });
});

describe('key generation', () => {
  let key: DsaPrivateKey;
  beforeAll(() => {
    key = generateDsaKey(random);
  });

  it('makes a 1024-bit p and 160-bit q with q | p-1, g of order q, and y = g^x', () => {
    expect(key.p.toString(2)).toHaveLength(1024);
    expect(key.q.toString(2)).toHaveLength(160);
    expect((key.p - 1n) % key.q).toBe(0n);
    expect(key.g > 1n && key.g < key.p).toBe(true);
    expect(modPow(key.g, key.q, key.p)).toBe(1n);
    expect(key.x > 0n && key.x < key.q).toBe(true);
    expect(modPow(key.g, key.x, key.p)).toBe(key.y);
    // Fermat checks with a few fixed bases; generation already ran Miller-Rabin.
    for (const a of [2n, 3n, 5n, 7n]) {
      expect(modPow(a, key.p - 1n, key.p)).toBe(1n);
      expect(modPow(a, key.q - 1n, key.q)).toBe(1n);
    }
    expect(() => checkPrivateKey(key)).not.toThrow();
  });

  it('takes all its randomness from the injected source', () => {
    const a = generateDsaKey(seededRandom(7));
    const b = generateDsaKey(seededRandom(7));
    expect(a).toEqual(b);
    expect(a.p.toString(2)).toHaveLength(1024);
  });

  it('signs and verifies; any change to hash, signature or key fails', () => {
    const pub = publicKeyOf(key);
    const hash = random(32);
    const sig = dsaSign(random, key, hash);
    expect(sig).toHaveLength(40);
    expect(dsaVerify(pub, hash, sig)).toBe(true);
    const badHash = hash.slice();
    badHash[31]! ^= 1;
    expect(dsaVerify(pub, badHash, sig)).toBe(false);
    for (const at of [0, 19, 20, 39]) {
      const badSig = sig.slice();
      badSig[at]! ^= 0x10;
      expect(dsaVerify(pub, hash, badSig)).toBe(false);
    }
    expect(dsaVerify({ ...pub, y: modPow(key.g, key.x + 1n, key.p) }, hash, sig)).toBe(false);
    expect(dsaVerify(pub, hash, sig.subarray(0, 39))).toBe(false);
  });

  it('rejects r or s equal to 0 or at least q', () => {
    const pub = publicKeyOf(key);
    const hash = random(32);
    const sig = dsaSign(random, key, hash);
    const r = bytesToBigInt(sig.subarray(0, 20));
    const s = bytesToBigInt(sig.subarray(20));
    const make = (rr: bigint, ss: bigint) => new Uint8Array([...bigIntToBytes(rr, 20), ...bigIntToBytes(ss, 20)]);
    expect(dsaVerify(pub, hash, make(r, s))).toBe(true);
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [key.q, s],
      [r, key.q],
      [r + key.q, s],
      [r, s + key.q],
    ] as const) {
      if (rr < 1n << 160n && ss < 1n << 160n) expect(dsaVerify(pub, hash, make(rr, ss))).toBe(false);
    }
  });

  it('signs the whole hash as an integer mod q, as libgcrypt does with what libotr passes', () => {
    const hash = random(32);
    const sig = dsaSign(random, key, hash);
    const reduced = bigIntToBytes(bytesToBigInt(hash) % key.q, 20);
    expect(dsaVerify(publicKeyOf(key), reduced, sig)).toBe(true);
    expect(dsaVerify(publicKeyOf(key), hash.subarray(0, 20), sig)).toBe(false);
  });

  it('dsaSign refuses a q that is not 160 bits instead of looping (q = 2, even g: r always 0)', () => {
    let calls = 0;
    const counted = (n: number) => {
      if (++calls > 1000) throw new Error('dsaSign looped');
      return random(n);
    };
    const legacy = { p: key.p, q: 2n, g: 2n, x: 1n, y: 2n }; // passes the load-time checks
    expect(() => checkPrivateKey(legacy)).not.toThrow();
    expectOtrError(() => dsaSign(counted, legacy, new Uint8Array(32)), 'invalid-argument');
  });

  it('checkPublicKey rejects values no DSA key has, and dsaVerify returns false for them', () => {
    const pub = publicKeyOf(key);
    expect(() => checkPublicKey(pub)).not.toThrow();
    const sig = dsaSign(random, key, new Uint8Array(32));
    for (const bad of [
      { ...pub, p: 0n },
      { ...pub, p: -5n },
      { ...pub, q: 0n },
      { ...pub, g: 0n },
      { ...pub, y: 0n },
      { ...pub, y: 1n },
      { ...pub, y: pub.p },
      { ...pub, y: -2n },
    ]) {
      expectOtrError(() => checkPublicKey(bad), 'malformed');
      expect(dsaVerify(bad, new Uint8Array(32), sig)).toBe(false);
    }
  });

  it('round-trips a private key through JSON and rejects damaged JSON', () => {
    const json = JSON.parse(JSON.stringify(privateKeyToJson(key)));
    expect(privateKeyFromJson(json)).toEqual(key);
    const damaged = [
      null,
      'key',
      {},
      { ...json, x: undefined },
      { ...json, x: (key.x + 1n).toString(16) },
      { ...json, y: 'zz' },
      { ...json, g: '' },
      { ...json, x: '0' },
      { ...json, p: 12 },
    ];
    for (const bad of damaged) expectOtrError(() => privateKeyFromJson(bad), 'malformed');
  });

  it('privateKeyFromJson only ever throws OtrError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expectOtrError(() => privateKeyFromJson(v));
      }),
    );
  });
});
