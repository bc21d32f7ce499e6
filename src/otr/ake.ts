/**
 * The Authenticated Key Exchange (spec: "Authenticated Key Exchange (AKE)" and "The protocol
 * state machine"). Each handler takes the AKE state and one received message and returns the
 * next state, at most one message to send, and, when the exchange completes, the new session.
 * Every row of the spec's table is written out, the ignored ones too.
 */
import { ctr } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bigIntToBytes, bytesToBigInt, equalBytes, fromHex, toHex } from './bytes';
import { type DsaPrivateKey, dsaSign, dsaVerify, fingerprint, publicKeyOf } from './dsa';
import { fail, OtrError } from './errors';
import { checkGroupElement, powG, randomExponent, type RandomBytes } from './group';
import { type AkeKeys, deriveAkeKeys, hmacSha256, hmacSha256_160, sharedSecret } from './keys';
import type { DhCommit, DhKey, RevealSignature, Signature } from './messages';
import { type DsaPublicKey, encodeMpi, Reader, Writer } from './wire';

/** The key id each side gives its first DH key; libotr always uses 1. */
export const AKE_KEY_ID = 1;

export type AkeState =
  | { state: 'NONE' }
  | { state: 'AWAITING_DHKEY'; version: 2 | 3; r: string; x: string; gx: string }
  | { state: 'AWAITING_REVEALSIG'; version: 2 | 3; y: string; gy: string; encryptedGx: string; hashedGx: string }
  | { state: 'AWAITING_SIG'; version: 2 | 3; r: string; x: string; gx: string; gy: string; secbytes: string };

export const AKE_NONE: AkeState = { state: 'NONE' };

/** What the AKE sends; the session adds the header and instance tags. */
export type AkeOutgoing =
  | { kind: 'dh-commit'; body: DhCommit }
  | { kind: 'dh-key'; body: DhKey }
  | { kind: 'reveal-signature'; body: RevealSignature }
  | { kind: 'signature'; body: Signature };

/** A finished exchange: everything the data phase and the SMP need. */
export interface AkeResult {
  version: 2 | 3;
  theirPublicKey: DsaPublicKey;
  theirFingerprint: string; // 40 hex
  theirKeyId: number;
  theirDh: string; // hex
  ourKeyId: number;
  ourX: string;
  ourGx: string;
  ssid: string; // 16 hex
  secbytes: string; // hex MPI of the shared secret
}

export interface AkeStep {
  ake: AkeState;
  send?: AkeOutgoing;
  done?: AkeResult;
  /** Why a message was ignored, for logs and tests; never shown as an error to the user. */
  ignored?: string;
}

const aes0 = (key: Uint8Array, data: Uint8Array) => ctr(key, new Uint8Array(16)).encrypt(data);

function dhCommitBody(r: Uint8Array, gx: bigint): DhCommit {
  const gxMpi = encodeMpi(gx);
  return { encryptedGx: aes0(r, gxMpi), hashedGx: sha256(gxMpi) };
}

/** Starts an exchange (we are "Bob" in the spec): a fresh r and x, and a DH-Commit. */
export function startAke(random: RandomBytes, version: 2 | 3): AkeStep {
  const r = random(16);
  const x = randomExponent(random);
  const gx = powG(x);
  return {
    ake: { state: 'AWAITING_DHKEY', version, r: toHex(r), x: x.toString(16), gx: gx.toString(16) },
    send: { kind: 'dh-commit', body: dhCommitBody(r, gx) },
  };
}

function answerCommit(random: RandomBytes, version: 2 | 3, m: DhCommit): AkeStep {
  const y = randomExponent(random);
  const gy = powG(y);
  return {
    ake: {
      state: 'AWAITING_REVEALSIG',
      version,
      y: y.toString(16),
      gy: gy.toString(16),
      encryptedGx: toHex(m.encryptedGx),
      hashedGx: toHex(m.hashedGx),
    },
    send: { kind: 'dh-key', body: { gy } },
  };
}

export function receiveDhCommit(random: RandomBytes, ake: AkeState, version: 2 | 3, m: DhCommit): AkeStep {
  switch (ake.state) {
    case 'NONE':
      return answerCommit(random, version, m);
    case 'AWAITING_DHKEY': {
      // Both sides sent a DH-Commit: the one with the larger hash wins and keeps its commit.
      const ours = sha256(encodeMpi(BigInt('0x' + ake.gx)));
      if (bytesToBigInt(ours) > bytesToBigInt(m.hashedGx)) {
        return { ake, send: { kind: 'dh-commit', body: dhCommitBody(fromHex(ake.r), BigInt('0x' + ake.gx)) } };
      }
      return answerCommit(random, version, m);
    }
    case 'AWAITING_REVEALSIG':
      // They sent a new commit: keep our y, remember their new commitment, resend our DH-Key.
      return {
        ake: { ...ake, version, encryptedGx: toHex(m.encryptedGx), hashedGx: toHex(m.hashedGx) },
        send: { kind: 'dh-key', body: { gy: BigInt('0x' + ake.gy) } },
      };
    case 'AWAITING_SIG':
      return answerCommit(random, version, m);
  }
}

/** M = HMAC-SHA256(macKey, our g^x || their g^y || our public key || our key id). */
function authenticator(macKey: Uint8Array, first: bigint, second: bigint, pub: DsaPublicKey, keyId: number): Uint8Array {
  return hmacSha256(macKey, new Writer().mpi(first).mpi(second).publicKey(pub).int(keyId).finish());
}

/** The encrypted, MACed signature block X of the spec, as sent in Reveal Signature / Signature. */
function signedBlock(
  random: RandomBytes,
  key: DsaPrivateKey,
  ourDh: bigint,
  theirDh: bigint,
  aesKey: Uint8Array,
  m1: Uint8Array,
  m2: Uint8Array,
): { encryptedSignature: Uint8Array; mac: Uint8Array } {
  const pub = publicKeyOf(key);
  const m = authenticator(m1, ourDh, theirDh, pub, AKE_KEY_ID);
  const x = new Writer().publicKey(pub).int(AKE_KEY_ID).raw(dsaSign(random, key, m)).finish();
  const encryptedSignature = aes0(aesKey, x);
  return { encryptedSignature, mac: hmacSha256_160(m2, new Writer().data(encryptedSignature).finish()) };
}

/** Checks and opens a peer's signature block; throws OtrError when anything fails. */
function openSignedBlock(
  encryptedSignature: Uint8Array,
  mac: Uint8Array,
  theirDh: bigint,
  ourDh: bigint,
  aesKey: Uint8Array,
  m1: Uint8Array,
  m2: Uint8Array,
  field: string,
): { pub: DsaPublicKey; keyId: number } {
  const expected = hmacSha256_160(m2, new Writer().data(encryptedSignature).finish());
  if (!equalBytes(expected, mac)) fail('bad-mac', `${field}.mac`);
  const r = new Reader(aes0(aesKey, encryptedSignature), `${field}.signature`);
  const pub = r.publicKey('publicKey');
  const keyId = r.int('keyId');
  const sig = r.rest();
  if (keyId === 0) fail('out-of-range', `${field}.keyId`, 'key id 0');
  const m = authenticator(m1, theirDh, ourDh, pub, keyId);
  if (!dsaVerify(pub, m, sig)) fail('bad-signature', `${field}.signature`);
  return { pub, keyId };
}

function result(version: 2 | 3, keys: AkeKeys, secbytes: Uint8Array, pub: DsaPublicKey, theirKeyId: number, theirDh: bigint, x: bigint, gx: bigint): AkeResult {
  return {
    version,
    theirPublicKey: pub,
    theirFingerprint: toHex(fingerprint(pub)),
    theirKeyId,
    theirDh: theirDh.toString(16),
    ourKeyId: AKE_KEY_ID,
    ourX: x.toString(16),
    ourGx: gx.toString(16),
    ssid: toHex(keys.ssid),
    secbytes: toHex(secbytes),
  };
}

export function receiveDhKey(random: RandomBytes, key: DsaPrivateKey, ake: AkeState, m: DhKey): AkeStep {
  switch (ake.state) {
    case 'AWAITING_DHKEY': {
      // An out-of-range g^y is ignored like any other bad AKE message (libotr: auth unchanged).
      let gy: bigint;
      try {
        gy = checkGroupElement(m.gy, 'dh-key.gy');
      } catch (e) {
        if (e instanceof OtrError) return { ake, ignored: e.message };
        throw e;
      }
      const x = BigInt('0x' + ake.x);
      const gx = BigInt('0x' + ake.gx);
      const secbytes = sharedSecret(x, gy);
      const keys = deriveAkeKeys(secbytes);
      const block = signedBlock(random, key, gx, gy, keys.c, keys.m1, keys.m2);
      return {
        ake: { state: 'AWAITING_SIG', version: ake.version, r: ake.r, x: ake.x, gx: ake.gx, gy: gy.toString(16), secbytes: toHex(secbytes) },
        send: { kind: 'reveal-signature', body: { revealedKey: fromHex(ake.r), ...block } },
      };
    }
    case 'AWAITING_SIG': {
      // A retransmitted DH-Key gets our Reveal Signature again; a different one is ignored.
      if (m.gy.toString(16) !== ake.gy) return { ake, ignored: 'a different DH-Key while awaiting the signature' };
      const secbytes = fromHex(ake.secbytes);
      const keys = deriveAkeKeys(secbytes);
      const block = signedBlock(random, key, BigInt('0x' + ake.gx), m.gy, keys.c, keys.m1, keys.m2);
      return { ake, send: { kind: 'reveal-signature', body: { revealedKey: fromHex(ake.r), ...block } } };
    }
    case 'NONE':
    case 'AWAITING_REVEALSIG':
      return { ake, ignored: `DH-Key in state ${ake.state}` };
  }
}

export function receiveRevealSignature(random: RandomBytes, key: DsaPrivateKey, ake: AkeState, m: RevealSignature): AkeStep {
  if (ake.state !== 'AWAITING_REVEALSIG') return { ake, ignored: `Reveal Signature in state ${ake.state}` };
  try {
    const gxMpi = aes0(m.revealedKey, fromHex(ake.encryptedGx));
    if (!equalBytes(sha256(gxMpi), fromHex(ake.hashedGx))) fail('bad-hash', 'reveal-signature.revealedKey');
    const reader = new Reader(gxMpi, 'reveal-signature.gx');
    const gx = checkGroupElement(reader.mpi('gx'), 'reveal-signature.gx');
    reader.end();
    const y = BigInt('0x' + ake.y);
    const gy = BigInt('0x' + ake.gy);
    const secbytes = sharedSecret(y, gx);
    const keys = deriveAkeKeys(secbytes);
    const theirs = openSignedBlock(m.encryptedSignature, m.mac, gx, gy, keys.c, keys.m1, keys.m2, 'reveal-signature');
    const block = signedBlock(random, key, gy, gx, keys.cPrime, keys.m1Prime, keys.m2Prime);
    return {
      ake: AKE_NONE,
      send: { kind: 'signature', body: block },
      done: result(ake.version, keys, secbytes, theirs.pub, theirs.keyId, gx, y, gy),
    };
  } catch (e) {
    // The spec: a Reveal Signature that fails any check is ignored; the state stays.
    if (e instanceof OtrError) return { ake, ignored: e.message };
    throw e;
  }
}

export function receiveSignature(ake: AkeState, m: Signature): AkeStep {
  if (ake.state !== 'AWAITING_SIG') return { ake, ignored: `Signature in state ${ake.state}` };
  try {
    const secbytes = fromHex(ake.secbytes);
    const keys = deriveAkeKeys(secbytes);
    const gx = BigInt('0x' + ake.gx);
    const gy = BigInt('0x' + ake.gy);
    const theirs = openSignedBlock(m.encryptedSignature, m.mac, gy, gx, keys.cPrime, keys.m1Prime, keys.m2Prime, 'signature');
    return { ake: AKE_NONE, done: result(ake.version, keys, secbytes, theirs.pub, theirs.keyId, gy, BigInt('0x' + ake.x), gx) };
  } catch (e) {
    if (e instanceof OtrError) return { ake, ignored: e.message };
    throw e;
  }
}

/** Exposed for the known-answer tests. */
export const _internals = { dhCommitBody, authenticator, bigIntToBytes };
