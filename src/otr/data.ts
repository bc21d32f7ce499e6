/**
 * Data messages (spec: "Data Exchange"): key rotation, counters, AES-128-CTR encryption,
 * HMAC-SHA1 authentication and the revealing of old MAC keys. The key state is plain JSON
 * (hex strings), so a session can be stored after every message and restored.
 *
 * Speed (issue 15): the DH secret of each (our key, their key) pair is computed once and kept
 * in its slot; the four AES and MAC keys derived from it are kept in a memo outside the state,
 * keyed by the secret itself, so a message that reuses a pair does no exponentiation and no
 * key derivation, and a restored state simply fills the memo again on its first message.
 */
import { ctr } from '@noble/ciphers/aes.js';
import { bytesToBigInt, concatBytes, equalBytes, fromHex, toHex } from './bytes';
import { fail } from './errors';
import { checkGroupElement, powG, randomExponent, type RandomBytes } from './group';
import { dataKeysFor, type DataKeys, extraSymmetricKey, keyedHmacSha1, sharedSecret } from './keys';
import { type DataMessage, dataMessageAuthenticated, encodeDataMessage, type Header } from './messages';
import type { AkeResult } from './ake';

interface DhPair { x: string; gx: string }

/** Counters and secret of one (our key, their key) pair. */
interface KeySlot {
  secbytes: string;
  sendCtr: number;
  /** Highest counter received, as 16 hex digits (a peer may send any 64-bit value). */
  recvCtr: string;
  /** Set once a message was received with this slot: revealed when the slot is discarded. */
  receivingMac?: string;
}

export interface DataKeyState {
  ourKeyId: number;
  ourCurrent: DhPair;
  ourPrevious: DhPair;
  theirKeyId: number;
  theirCurrent: string;
  theirPrevious: string | null;
  slots: Record<string, KeySlot>;
  /** Receiving MAC keys of discarded slots, revealed in the next message we send (hex). */
  macsToReveal: string;
}

const slotName = (ourId: number, theirId: number) => `${ourId}:${theirId}`;

/**
 * Derived keys per slot secret, outside the JSON state so stored sessions keep their form. A
 * few entries suffice (a conversation uses at most four pairs at once); JavaScript cannot wipe
 * the evicted keys (README "Security"), it can only drop the references.
 */
const MEMO_LIMIT = 64;
interface SlotKeys extends DataKeys {
  sendingHmac: (data: Uint8Array) => Uint8Array;
  receivingHmac: (data: Uint8Array) => Uint8Array;
}
const derivedKeys = new Map<string, SlotKeys>();

/** Public values are canonical hex (no leading zeros), so length then text orders them. */
function hexGreater(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

function keysOf(ourGx: string, theirY: string, secbytes: string): SlotKeys {
  const high = hexGreater(ourGx, theirY);
  const name = (high ? 'h' : 'l') + secbytes;
  let keys = derivedKeys.get(name);
  if (!keys) {
    const derived = dataKeysFor(high, fromHex(secbytes));
    keys = { ...derived, sendingHmac: keyedHmacSha1(derived.sendingMac), receivingHmac: keyedHmacSha1(derived.receivingMac) };
    if (derivedKeys.size >= MEMO_LIMIT) derivedKeys.delete(derivedKeys.keys().next().value!);
    derivedKeys.set(name, keys);
  }
  return keys;
}

function newPair(random: RandomBytes): DhPair {
  const x = randomExponent(random);
  return { x: x.toString(16), gx: powG(x).toString(16) };
}

/** The state right after the AKE: the AKE's key becomes "previous", a fresh one "current". */
export function initialDataKeys(random: RandomBytes, ake: AkeResult): DataKeyState {
  return {
    ourKeyId: ake.ourKeyId + 1,
    ourCurrent: newPair(random),
    ourPrevious: { x: ake.ourX, gx: ake.ourGx },
    theirKeyId: ake.theirKeyId,
    theirCurrent: ake.theirDh,
    theirPrevious: null,
    // The AKE already computed this pair's secret: the first message need not do it again.
    slots: { [slotName(ake.ourKeyId, ake.theirKeyId)]: { secbytes: ake.secbytes, sendCtr: 0, recvCtr: '0'.repeat(16) } },
    macsToReveal: '',
  };
}

function slot(state: DataKeyState, ourId: number, theirId: number): { slot: KeySlot; keys: SlotKeys } {
  const our = ourId === state.ourKeyId ? state.ourCurrent : ourId === state.ourKeyId - 1 ? state.ourPrevious : null;
  const their = theirId === state.theirKeyId ? state.theirCurrent : theirId === state.theirKeyId - 1 ? state.theirPrevious : null;
  if (!our || !their || ourId === 0 || theirId === 0) fail('unknown-key', 'data.keyId', `no key pair ${ourId}:${theirId}`);
  const name = slotName(ourId, theirId);
  let s = state.slots[name];
  if (!s) {
    s = { secbytes: toHex(sharedSecret(BigInt('0x' + our.x), BigInt('0x' + their))), sendCtr: 0, recvCtr: '0'.repeat(16) };
    state.slots[name] = s;
  }
  return { slot: s, keys: keysOf(our.gx, their, s.secbytes) };
}

/** A copy to change: the slots are the only nested objects a step mutates. */
function cloneState(s: DataKeyState): DataKeyState {
  const slots: Record<string, KeySlot> = {};
  for (const name of Object.keys(s.slots)) slots[name] = { ...s.slots[name]! };
  return { ...s, ourCurrent: { ...s.ourCurrent }, ourPrevious: { ...s.ourPrevious }, slots };
}

const counterBlock = (top: Uint8Array) => concatBytes(top, new Uint8Array(8));

export interface Encrypted { state: DataKeyState; wire: string }

/** Encrypts one plaintext (message bytes plus TLVs, already joined) for the peer. */
export function encryptData(state: DataKeyState, header: Header, plaintext: Uint8Array, flags: number): Encrypted {
  const next = cloneState(state);
  const ourId = next.ourKeyId - 1;
  const { slot: s, keys } = slot(next, ourId, next.theirKeyId);
  s.sendCtr += 1;
  const top = fromHex(s.sendCtr.toString(16).padStart(16, '0'));
  const encrypted = ctr(keys.sendingAes, counterBlock(top)).encrypt(plaintext);
  const authenticated = dataMessageAuthenticated(header, {
    flags,
    senderKeyId: ourId,
    recipientKeyId: next.theirKeyId,
    nextDh: BigInt('0x' + next.ourCurrent.gx),
    ctr: top,
    encrypted,
  });
  const mac = keys.sendingHmac(authenticated);
  const wire = encodeDataMessage(authenticated, mac, fromHex(next.macsToReveal));
  next.macsToReveal = '';
  return { state: next, wire };
}

export interface Decrypted {
  state: DataKeyState;
  plaintext: Uint8Array;
  /** The slot's secret (hex MPI), from which the extra symmetric key is derived on demand. */
  secbytes: string;
}

/**
 * Checks and decrypts a data message, then rotates keys as the spec says. Nothing in the
 * state changes unless the MAC verifies and the counter is fresh.
 */
export function decryptData(random: RandomBytes, state: DataKeyState, m: DataMessage, authenticated: Uint8Array): Decrypted {
  const next = cloneState(state);
  const { slot: s, keys } = slot(next, m.recipientKeyId, m.senderKeyId);
  if (!equalBytes(keys.receivingHmac(authenticated), m.mac)) fail('bad-mac', 'data.mac');
  if (bytesToBigInt(m.ctr) <= BigInt('0x' + s.recvCtr)) fail('replay', 'data.ctr', 'counter did not increase');
  s.recvCtr = toHex(m.ctr);
  s.receivingMac = toHex(keys.receivingMac);
  const plaintext = ctr(keys.receivingAes, counterBlock(m.ctr)).decrypt(m.encrypted);

  if (m.senderKeyId === next.theirKeyId) {
    const nextDh = checkGroupElement(m.nextDh, 'data.nextDh');
    next.theirPrevious = next.theirCurrent;
    next.theirCurrent = nextDh.toString(16);
    next.theirKeyId += 1;
    forgetSlots(next, (_, theirId) => theirId < next.theirKeyId - 1);
  }
  if (m.recipientKeyId === next.ourKeyId) {
    next.ourPrevious = next.ourCurrent;
    next.ourCurrent = newPair(random);
    next.ourKeyId += 1;
    forgetSlots(next, (ourId) => ourId < next.ourKeyId - 1);
  }
  return { state: next, plaintext, secbytes: s.secbytes };
}

function forgetSlots(state: DataKeyState, discard: (ourId: number, theirId: number) => boolean): void {
  for (const [name, s] of Object.entries(state.slots)) {
    const [ourId, theirId] = name.split(':').map(Number) as [number, number];
    if (!discard(ourId, theirId)) continue;
    if (s.receivingMac) state.macsToReveal += s.receivingMac;
    delete state.slots[name];
  }
}

/** All MAC keys not yet revealed, for a final message before the session ends. */
export function pendingMacKeys(state: DataKeyState): string {
  return state.macsToReveal;
}

/** The extra symmetric key of the slot the next outgoing message uses. */
export function sendingExtraKey(state: DataKeyState): { key: Uint8Array; state: DataKeyState } {
  const next = cloneState(state);
  const { slot: s } = slot(next, next.ourKeyId - 1, next.theirKeyId);
  return { key: extraSymmetricKey(fromHex(s.secbytes)), state: next };
}

/** The extra symmetric key of the slot a received message used (Decrypted.secbytes). */
export function receivingExtraKey(secbytes: string): Uint8Array {
  return extraSymmetricKey(fromHex(secbytes));
}
