/**
 * Known-answer tests for the AKE and data-message key derivation.
 *
 * Source: test/fixtures/otr3_kat.json (the project's copy of the shared known answers). Its inputs
 * (x, y, r, Alice's DSA key) come from coyim/otr3's ake_test.go and fixtures_test.go; the
 * derived values follow the OTR v3 spec (Protocol-v3.html) and were cross-checked there against
 * coyim/otr3 and against the output of libotr's own `otr_sesskeys` tool (libotr-bin), which is
 * kept verbatim in the file as `libotr_otr_sesskeys_output` and parsed below.
 */
import { ctr } from '@noble/ciphers/aes.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { _internals } from '../../src/otr/ake';
import { bigIntToBytes, concatBytes, fromHex, toHex, utf8 } from '../../src/otr/bytes';
import { type DataKeyState, decryptData, encryptData } from '../../src/otr/data';
import { fingerprint, formatFingerprint } from '../../src/otr/dsa';
import { powG } from '../../src/otr/group';
import { deriveAkeKeys, deriveDataKeys, extraSymmetricKey, hmacSha1, sharedSecret } from '../../src/otr/keys';
import { decodeMessage, MSG_DATA } from '../../src/otr/messages';
import { smpSecret } from '../../src/otr/smp-math';
import { encodeMpi, Reader } from '../../src/otr/wire';
import { drbg } from './helpers';

type Fields<K extends string> = Record<K, string>;
type DataKeys = Fields<'end' | 'sending_aes' | 'sending_mac' | 'receiving_aes' | 'receiving_mac'>;
const kat = JSON.parse(readFileSync(new URL('../fixtures/otr3_kat.json', import.meta.url), 'utf8')) as {
  vectors: Fields<
    | 'x' | 'y' | 'r' | 'gx' | 'gy' | 'hashed_gx' | 'encrypted_gx' | 's' | 'ssid' | 'c' | 'c_prime' | 'm1' | 'm2' | 'm1_prime'
    | 'm2_prime' | 'extra_symmetric_key' | 'alice_dsa_pubkey_PUBKEY' | 'alice_dsa_fingerprint' | 'alice_dsa_fingerprint_human'
    | 'toolkit_sha1_sessionid'
  > & {
    gxmpi_len: number;
    alice_dsa_q_bytes: number;
    data_keys_bob: DataKeys;
    data_keys_alice: DataKeys;
    sample_data_msg: Fields<'plaintext' | 'ctr_top' | 'ciphertext_with_bob_sending_aes'>;
    smp_secret_sample: Fields<'input' | 'sha256'>;
  };
  libotr_otr_sesskeys_output: string;
};
const v = kat.vectors;
const big = (hex: string) => BigInt('0x' + hex);
const x = big(v.x);
const y = big(v.y);
const r = fromHex(v.r);
const gx = powG(x);
const gy = powG(y);
const secbytes = sharedSecret(x, gy);

describe('AKE known answers', () => {
  it('g^x and g^y', () => {
    expect(gx.toString(16).padStart(v.gx.length, '0')).toBe(v.gx);
    expect(gy.toString(16).padStart(v.gy.length, '0')).toBe(v.gy);
    expect(encodeMpi(gx).length).toBe(Number(v.gxmpi_len));
  });

  it("DH-Commit's hashed and encrypted g^x", () => {
    const body = _internals.dhCommitBody(r, gx);
    expect(toHex(body.hashedGx)).toBe(v.hashed_gx);
    expect(toHex(body.encryptedGx)).toBe(v.encrypted_gx);
  });

  it('the shared secret s is the same from both ends and serialised as an MPI', () => {
    expect(toHex(secbytes)).toBe(toHex(encodeMpi(big(v.s))));
    expect(toHex(sharedSecret(y, gx))).toBe(toHex(secbytes));
    expect(toHex(new Reader(secbytes, 's').data('s'))).toBe(v.s.padStart(384, '0'));
  });

  it('ssid, c, c\', m1, m2, m1\', m2\'', () => {
    const k = deriveAkeKeys(secbytes);
    expect(toHex(k.ssid)).toBe(v.ssid);
    expect(toHex(k.c)).toBe(v.c);
    expect(toHex(k.cPrime)).toBe(v.c_prime);
    expect(toHex(k.m1)).toBe(v.m1);
    expect(toHex(k.m2)).toBe(v.m2);
    expect(toHex(k.m1Prime)).toBe(v.m1_prime);
    expect(toHex(k.m2Prime)).toBe(v.m2_prime);
  });

  it('extra symmetric key', () => {
    expect(toHex(extraSymmetricKey(secbytes))).toBe(v.extra_symmetric_key);
  });
});

describe('data keys known answers', () => {
  const expectKeys = (keys: ReturnType<typeof deriveDataKeys>, want: DataKeys) => {
    expect(toHex(keys.sendingAes)).toBe(want.sending_aes);
    expect(toHex(keys.sendingMac)).toBe(want.sending_mac);
    expect(toHex(keys.receivingAes)).toBe(want.receiving_aes);
    expect(toHex(keys.receivingMac)).toBe(want.receiving_mac);
  };

  it('bob (g^x, the low end) and alice (g^y, the high end)', () => {
    expect(gx < gy).toBe(v.data_keys_bob.end === 'low');
    expectKeys(deriveDataKeys(gx, gy, secbytes), v.data_keys_bob);
    expectKeys(deriveDataKeys(gy, gx, sharedSecret(y, gx)), v.data_keys_alice);
  });

  it('the sample data message: AES-128-CTR with ctr_top, raw and through encryptData', () => {
    const sample = v.sample_data_msg;
    const aes = fromHex(v.data_keys_bob.sending_aes);
    const block = concatBytes(fromHex(sample.ctr_top), new Uint8Array(8));
    expect(toHex(ctr(aes, block).encrypt(utf8(sample.plaintext)))).toBe(sample.ciphertext_with_bob_sending_aes);

    // Bob's first data message after an AKE in which his key was x (id 1) and Alice's y (id 1).
    const bob: DataKeyState = {
      ourKeyId: 2,
      ourCurrent: { x: '5', gx: powG(5n).toString(16) },
      ourPrevious: { x: v.x, gx: gx.toString(16) },
      theirKeyId: 1,
      theirCurrent: gy.toString(16),
      theirPrevious: null,
      slots: {},
      macsToReveal: '',
    };
    const header = { version: 3 as const, type: MSG_DATA, senderTag: 0x100, receiverTag: 0x101 };
    const { wire } = encryptData(bob, header, utf8(sample.plaintext), 0);
    const m = decodeMessage(wire);
    if (m.kind !== 'data') throw new Error('not a data message');
    expect(toHex(m.body.ctr)).toBe(sample.ctr_top);
    expect(toHex(m.body.encrypted)).toBe(sample.ciphertext_with_bob_sending_aes);
    expect(toHex(m.body.mac)).toBe(toHex(hmacSha1(fromHex(v.data_keys_bob.sending_mac), m.authenticated)));

    // Alice, holding y, reads it with her receiving keys.
    const alice: DataKeyState = {
      ourKeyId: 2,
      ourCurrent: { x: '7', gx: powG(7n).toString(16) },
      ourPrevious: { x: v.y, gx: gy.toString(16) },
      theirKeyId: 1,
      theirCurrent: gx.toString(16),
      theirPrevious: null,
      slots: {},
      macsToReveal: '',
    };
    const d = decryptData(drbg('kat'), alice, m.body, m.authenticated);
    expect(new TextDecoder().decode(d.plaintext)).toBe(sample.plaintext);
  });
});

describe("libotr's otr_sesskeys output", () => {
  const out = kat.libotr_otr_sesskeys_output;
  const field = (label: string) => {
    const line = out.split('\n').find((l) => l.startsWith(label));
    if (!line) throw new Error(`no "${label}" in the libotr output`);
    return line.slice(label.length).trim();
  };

  it('parses and matches our derivation', () => {
    expect(out).toContain('We are the low end of this key exchange.');
    expect(big(field('Our public key:'))).toBe(gx);
    const keys = deriveDataKeys(gx, gy, secbytes);
    expect(field('Sending   AES key:')).toBe(toHex(keys.sendingAes));
    expect(field('Sending   MAC key:')).toBe(toHex(keys.sendingMac));
    expect(field('Receiving AES key:')).toBe(toHex(keys.receivingAes));
    expect(field('Receiving MAC key:')).toBe(toHex(keys.receivingMac));
    // libotr's tool prints the v1-style session id, SHA-1(0x00 || secbytes).
    const sessionId = sha1(concatBytes(new Uint8Array([0]), secbytes));
    expect(field('Session id:')).toBe(toHex(sessionId));
    expect(toHex(sessionId)).toBe(v.toolkit_sha1_sessionid);
  });
});

describe('long-term key and SMP secret known answers', () => {
  it("Alice's DSA fingerprint", () => {
    const pub = new Reader(fromHex(v.alice_dsa_pubkey_PUBKEY), 'pubkey').publicKey('pubkey');
    expect(bigIntToBytes(pub.q).length).toBe(Number(v.alice_dsa_q_bytes));
    const fp = fingerprint(pub);
    expect(toHex(fp)).toBe(v.alice_dsa_fingerprint);
    expect(formatFingerprint(fp)).toBe(v.alice_dsa_fingerprint_human);
  });

  it('SMP secret sample', () => {
    const got = smpSecret(fromHex(v.alice_dsa_fingerprint), new Uint8Array(20), fromHex(v.ssid), utf8('swordfish'));
    expect(toHex(got)).toBe(v.smp_secret_sample.sha256);
    expect(toHex(got)).toBe(
      toHex(sha256(concatBytes(new Uint8Array([1]), fromHex(v.alice_dsa_fingerprint), new Uint8Array(20), fromHex(v.ssid), utf8('swordfish')))),
    );
  });
});
