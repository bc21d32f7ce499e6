/**
 * The AKE's state table (spec: "The protocol state machine", "Receiving a D-H Commit / D-H Key /
 * Reveal Signature / Signature Message"), one test per row, plus tampered and out-of-range input,
 * which the spec says to ignore with the state unchanged.
 */
import { ctr } from '@noble/ciphers/aes.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  _internals,
  AKE_NONE,
  type AkeState,
  type AkeStep,
  receiveDhCommit,
  receiveDhKey,
  receiveRevealSignature,
  receiveSignature,
  startAke,
} from '../../src/otr/ake';
import { bytesToBigInt, fromHex, toHex } from '../../src/otr/bytes';
import { type DsaPrivateKey, fingerprint, publicKeyOf } from '../../src/otr/dsa';
import { MODULUS } from '../../src/otr/group';
import { deriveAkeKeys, hmacSha256_160, sharedSecret } from '../../src/otr/keys';
import type { DhCommit, RevealSignature, Signature } from '../../src/otr/messages';
import { Writer } from '../../src/otr/wire';
import { drbg, flipByte, testKey } from './helpers';

let bobKey: DsaPrivateKey;
let aliceKey: DsaPrivateKey;
beforeAll(() => {
  bobKey = testKey('ake-bob');
  aliceKey = testKey('ake-alice');
});

const random = drbg('ake');

/** Narrows a step's outgoing message to the kind expected. */
function sent<K extends NonNullable<AkeStep['send']>['kind']>(s: AkeStep, kind: K): Extract<NonNullable<AkeStep['send']>, { kind: K }>['body'] {
  expect(s.send?.kind).toBe(kind);
  return s.send!.body as never;
}

/** An honest exchange, Bob initiating; every intermediate state and message. */
function exchange(version: 2 | 3 = 3) {
  const bob1 = startAke(random, version); // Bob: AWAITING_DHKEY
  const commit = sent(bob1, 'dh-commit');
  const alice1 = receiveDhCommit(random, AKE_NONE, version, commit); // Alice: AWAITING_REVEALSIG
  const dhKey = sent(alice1, 'dh-key');
  const bob2 = receiveDhKey(random, bobKey, bob1.ake, dhKey); // Bob: AWAITING_SIG
  const reveal = sent(bob2, 'reveal-signature');
  const alice2 = receiveRevealSignature(random, aliceKey, alice1.ake, reveal); // Alice: done
  const sig = sent(alice2, 'signature');
  const bob3 = receiveSignature(bob2.ake, sig); // Bob: done
  return { bob1, commit, alice1, dhKey, bob2, reveal, alice2, sig, bob3 };
}

function expectIgnored(s: AkeStep, before: AkeState): void {
  expect(s.ignored).toBeTruthy();
  expect(s.send).toBeUndefined();
  expect(s.done).toBeUndefined();
  expect(s.ake).toEqual(before);
}

/** Re-encrypts a signature block with its last signature byte changed, under a valid MAC. */
function forgeBlock(enc: Uint8Array, aesKey: Uint8Array, macKey: Uint8Array): { encryptedSignature: Uint8Array; mac: Uint8Array } {
  const aes = (d: Uint8Array) => ctr(aesKey, new Uint8Array(16)).encrypt(d);
  const encryptedSignature = aes(flipByte(aes(enc), -1));
  return { encryptedSignature, mac: hmacSha256_160(macKey, new Writer().data(encryptedSignature).finish()) };
}

describe('honest exchange', () => {
  it('completes in v3 and v2 with matching results on both sides', () => {
    for (const version of [3, 2] as const) {
      const { bob1, alice1, bob2, alice2, bob3 } = exchange(version);
      expect([bob1.ake.state, alice1.ake.state, bob2.ake.state, alice2.ake.state, bob3.ake.state]).toEqual([
        'AWAITING_DHKEY',
        'AWAITING_REVEALSIG',
        'AWAITING_SIG',
        'NONE',
        'NONE',
      ]);
      const a = alice2.done!;
      const b = bob3.done!;
      expect(a.version).toBe(version);
      expect(b.version).toBe(version);
      expect(a.ssid).toBe(b.ssid);
      expect(a.secbytes).toBe(b.secbytes);
      expect(a.theirFingerprint).toBe(toHex(fingerprint(publicKeyOf(bobKey))));
      expect(b.theirFingerprint).toBe(toHex(fingerprint(publicKeyOf(aliceKey))));
      expect(a.theirDh).toBe(b.ourGx);
      expect(b.theirDh).toBe(a.ourGx);
      expect([a.theirKeyId, b.theirKeyId, a.ourKeyId, b.ourKeyId]).toEqual([1, 1, 1, 1]);
    }
  });
});

describe('Receiving a D-H Commit Message', () => {
  it('in NONE: reply with a D-H Key, go to AWAITING_REVEALSIG', () => {
    const { commit, alice1 } = exchange();
    expect(alice1.ake).toMatchObject({ state: 'AWAITING_REVEALSIG', encryptedGx: toHex(commit.encryptedGx), hashedGx: toHex(commit.hashedGx) });
    expect(sent(alice1, 'dh-key').gy.toString(16)).toBe((alice1.ake as { gy: string }).gy);
  });

  it('in AWAITING_DHKEY: the larger hashed g^x keeps its commit and resends it, the smaller answers', () => {
    const one = startAke(random, 3);
    const two = startAke(random, 3);
    const c1 = sent(one, 'dh-commit');
    const c2 = sent(two, 'dh-commit');
    const [hi, lo, hiCommit, loCommit] = bytesToBigInt(c1.hashedGx) > bytesToBigInt(c2.hashedGx) ? [one, two, c1, c2] : [two, one, c2, c1];

    const winner = receiveDhCommit(random, hi.ake, 3, loCommit);
    expect(winner.ake).toEqual(hi.ake);
    expect(sent(winner, 'dh-commit')).toEqual(hiCommit);

    const loser = receiveDhCommit(random, lo.ake, 3, hiCommit);
    expect(loser.ake).toMatchObject({ state: 'AWAITING_REVEALSIG', hashedGx: toHex(hiCommit.hashedGx) });
    expect(sent(loser, 'dh-key').gy).toBeGreaterThan(1n);
  });

  it('in AWAITING_REVEALSIG: resend the same D-H Key and use the new commit', () => {
    const { alice1, dhKey } = exchange();
    const other = sent(startAke(random, 3), 'dh-commit');
    const s = receiveDhCommit(random, alice1.ake, 3, other);
    expect(sent(s, 'dh-key')).toEqual(dhKey);
    expect(s.ake).toEqual({ ...alice1.ake, encryptedGx: toHex(other.encryptedGx), hashedGx: toHex(other.hashedGx) });
  });

  it('in AWAITING_SIG: reply with a new D-H Key, go to AWAITING_REVEALSIG', () => {
    const { bob2, dhKey } = exchange();
    const other = sent(startAke(random, 3), 'dh-commit');
    const s = receiveDhCommit(random, bob2.ake, 3, other);
    expect(s.ake).toMatchObject({ state: 'AWAITING_REVEALSIG', hashedGx: toHex(other.hashedGx) });
    expect(sent(s, 'dh-key').gy).not.toBe(dhKey.gy);
    expect(sent(s, 'dh-key').gy.toString(16)).toBe((s.ake as { gy: string }).gy);
  });
});

describe('Receiving a D-H Key Message', () => {
  it('in AWAITING_DHKEY: reply with a Reveal Signature, go to AWAITING_SIG', () => {
    const { bob1, bob2, dhKey } = exchange();
    expect(bob2.ake).toMatchObject({ state: 'AWAITING_SIG', r: (bob1.ake as { r: string }).r, gy: dhKey.gy.toString(16) });
    expect(toHex(sent(bob2, 'reveal-signature').revealedKey)).toBe((bob1.ake as { r: string }).r);
  });

  it('in AWAITING_SIG, the same D-H Key: resend the Reveal Signature (still valid)', () => {
    const { bob2, alice1, dhKey, reveal } = exchange();
    const s = receiveDhKey(random, bobKey, bob2.ake, dhKey);
    expect(s.ake).toEqual(bob2.ake);
    const again = sent(s, 'reveal-signature');
    expect(again.revealedKey).toEqual(reveal.revealedKey);
    expect(receiveRevealSignature(random, aliceKey, alice1.ake, again).done).toBeDefined();
  });

  it('in AWAITING_SIG, a different D-H Key: ignore', () => {
    const { bob2 } = exchange();
    const other = sent(receiveDhCommit(random, AKE_NONE, 3, sent(startAke(random, 3), 'dh-commit')), 'dh-key');
    expectIgnored(receiveDhKey(random, bobKey, bob2.ake, other), bob2.ake);
  });

  it('in NONE and AWAITING_REVEALSIG: ignore', () => {
    const { alice1, dhKey } = exchange();
    expectIgnored(receiveDhKey(random, aliceKey, AKE_NONE, dhKey), AKE_NONE);
    expectIgnored(receiveDhKey(random, aliceKey, alice1.ake, dhKey), alice1.ake);
  });

  it('an out-of-range g^y is ignored with the state unchanged', () => {
    const { bob1 } = exchange();
    for (const gy of [0n, 1n, MODULUS - 1n, MODULUS, MODULUS + 5n]) expectIgnored(receiveDhKey(random, bobKey, bob1.ake, { gy }), bob1.ake);
  });
});

describe('Receiving a Reveal Signature Message', () => {
  it('in AWAITING_REVEALSIG: reply with a Signature, go to NONE, done', () => {
    const { alice2 } = exchange();
    expect(alice2.ake).toEqual(AKE_NONE);
    expect(alice2.done).toBeDefined();
    expect(alice2.send?.kind).toBe('signature');
  });

  it('in NONE, AWAITING_DHKEY and AWAITING_SIG: ignore', () => {
    const { bob1, bob2, reveal } = exchange();
    for (const st of [AKE_NONE, bob1.ake, bob2.ake]) expectIgnored(receiveRevealSignature(random, aliceKey, st, reveal), st);
  });

  const tamper = (f: (m: RevealSignature, ctx: ReturnType<typeof exchange>) => RevealSignature) => () => {
    const ctx = exchange();
    expectIgnored(receiveRevealSignature(random, aliceKey, ctx.alice1.ake, f(ctx.reveal, ctx)), ctx.alice1.ake);
  };

  it('a tampered r is ignored', tamper((m) => ({ ...m, revealedKey: flipByte(m.revealedKey, 3) })));
  it('a tampered MAC is ignored', tamper((m) => ({ ...m, mac: flipByte(m.mac, 0) })));
  it('a tampered encrypted signature is ignored', tamper((m) => ({ ...m, encryptedSignature: flipByte(m.encryptedSignature, 10) })));
  it(
    'a bad signature under a valid MAC is ignored',
    tamper((m, ctx) => {
      const st = ctx.bob2.ake as { secbytes: string };
      const keys = deriveAkeKeys(fromHex(st.secbytes));
      return { ...m, ...forgeBlock(m.encryptedSignature, keys.c, keys.m2) };
    }),
  );
  it('a tampered hashed g^x in the stored commit is ignored', () => {
    const { alice1, reveal } = exchange();
    const st = alice1.ake as { hashedGx: string };
    const bad: AkeState = { ...(alice1.ake as Extract<AkeState, { state: 'AWAITING_REVEALSIG' }>), hashedGx: toHex(flipByte(fromHex(st.hashedGx), 31)) };
    expectIgnored(receiveRevealSignature(random, aliceKey, bad, reveal), bad);
  });
  it('an out-of-range g^x (committed honestly) is ignored', () => {
    const r = random(16);
    for (const gx of [1n, MODULUS - 1n]) {
      const commit: DhCommit = _internals.dhCommitBody(r, gx);
      const alice1 = receiveDhCommit(random, AKE_NONE, 3, commit);
      const m: RevealSignature = { revealedKey: r, encryptedSignature: new Uint8Array(60), mac: new Uint8Array(20) };
      const s = receiveRevealSignature(random, aliceKey, alice1.ake, m);
      expectIgnored(s, alice1.ake);
      expect(s.ignored).toMatch(/out-of-range/);
    }
  });
});

describe('Receiving a Signature Message', () => {
  it('in AWAITING_SIG: go to NONE, done', () => {
    const { bob3 } = exchange();
    expect(bob3.ake).toEqual(AKE_NONE);
    expect(bob3.done).toBeDefined();
    expect(bob3.send).toBeUndefined();
  });

  it('in NONE, AWAITING_DHKEY and AWAITING_REVEALSIG: ignore', () => {
    const { bob1, alice1, sig } = exchange();
    for (const st of [AKE_NONE, bob1.ake, alice1.ake]) expectIgnored(receiveSignature(st, sig), st);
  });

  const tamper = (f: (m: Signature, ctx: ReturnType<typeof exchange>) => Signature) => () => {
    const ctx = exchange();
    expectIgnored(receiveSignature(ctx.bob2.ake, f(ctx.sig, ctx)), ctx.bob2.ake);
  };
  it('a tampered MAC is ignored', tamper((m) => ({ ...m, mac: flipByte(m.mac, 19) })));
  it('a tampered encrypted signature is ignored', tamper((m) => ({ ...m, encryptedSignature: flipByte(m.encryptedSignature, 0) })));
  it(
    'a bad signature under a valid MAC is ignored',
    tamper((m, ctx) => {
      const st = ctx.bob2.ake as { secbytes: string };
      const keys = deriveAkeKeys(fromHex(st.secbytes));
      return forgeBlock(m.encryptedSignature, keys.cPrime, keys.m2Prime);
    }),
  );
  it('a Signature made with the wrong keys (another exchange) is ignored', () => {
    const a = exchange();
    const b = exchange();
    expectIgnored(receiveSignature(a.bob2.ake, b.sig), a.bob2.ake);
  });
});

describe('key derivation inside the exchange', () => {
  it('both sides derive the secret from each other\'s values', () => {
    const { bob2, alice1 } = exchange();
    const bob = bob2.ake as { x: string; gy: string; secbytes: string };
    const alice = alice1.ake as { y: string; gy: string };
    expect(bob.gy).toBe(alice.gy);
    expect(toHex(sharedSecret(BigInt('0x' + bob.x), BigInt('0x' + bob.gy)))).toBe(bob.secbytes);
  });
});
