/**
 * Handling of everything that arrives from the peer (spec: "The protocol state machine",
 * "Receiving" rows): plaintext, whitespace tags, query and error messages, fragments, the AKE
 * messages and data messages with their TLVs.
 */
import { receiveDhCommit, receiveDhKey, receiveRevealSignature, receiveSignature, startAke } from './ake';
import { fromUtf8, toHex } from './bytes';
import { type InstanceState, Step } from './conversation';
import { decryptData, receivingExtraKey } from './data';
import { fingerprint, publicKeyOf } from './dsa';
import { isOtrError, OtrError } from './errors';
import { addFragment, parseFragment } from './fragment';
import { type Decoded, decodeMessageBytes, encodedBytes, FLAG_IGNORE_UNREADABLE, MSG_DH_COMMIT, MSG_DH_KEY, peekHeaderBytes } from './messages';
import {
  allowsVersion,
  bestVersion,
  POLICY_ERROR_START_AKE,
  POLICY_REQUIRE_ENCRYPTION,
  POLICY_WHITESPACE_START_AKE,
} from './policy';
import { queryFor } from './invitation';
import { classify, errorMessage } from './query';
import { smpReceive, type SmpContext } from './smp';
import {
  decodeTlvsLeniently,
  parseExtraSymmetricKeyTlv,
  TLV_DISCONNECTED,
  TLV_EXTRA_SYMMETRIC_KEY,
  TLV_PADDING,
  TLV_SMP_ABORT,
  TLV_SMP1,
  TLV_SMP1Q,
  type Tlv,
} from './tlv';
import { fromHex } from './bytes';

/** libotr sends a heartbeat when it has sent nothing for this long after receiving. */
export const HEARTBEAT_INTERVAL_MS = 60_000;

export const UNREADABLE_ERROR = 'The encrypted message received is unreadable.';
export const NOT_IN_PRIVATE_ERROR = 'You sent an encrypted message, but this conversation is not private.';

export function receiveText(step: Step, text: string): void {
  const c = classify(text);
  switch (c.kind) {
    case 'fragment':
      return receiveFragment(step, c.text);
    case 'encoded':
      return receiveEncoded(step, c.text);
    case 'query':
      return receiveQuery(step, c.versions);
    case 'error':
      step.msgEvent('RCVDMSG_GENERAL_ERR', c.message);
      if (step.state.policy & POLICY_ERROR_START_AKE) {
        const q = queryFor(step.state);
        if (q) step.send.push(q);
      }
      return;
    case 'plaintext':
      return receivePlaintext(step, c.text, c.taggedVersions);
  }
}

function receivePlaintext(step: Step, text: string, tagged: number[]): void {
  const state = step.state;
  if (tagged.length === 0 && state.offer === 'sent') state.offer = 'rejected';
  const inst = step.selected();
  if (text.length > 0) {
    step.show.push({ text, encrypted: false });
    if (inst.msgstate !== 'PLAINTEXT' || state.policy & POLICY_REQUIRE_ENCRYPTION) step.msgEvent('RCVDMSG_UNENCRYPTED', text);
  }
  if (tagged.length > 0 && state.policy & POLICY_WHITESPACE_START_AKE) {
    const version = bestVersion(state.policy, tagged);
    if (version) beginAke(step, version);
  }
}

function receiveQuery(step: Step, versions: number[]): void {
  const version = bestVersion(step.state.policy, versions);
  if (version) beginAke(step, version);
}

/** Sends a DH-Commit; v3 leaves the receiver tag 0 because the peer's instance is unknown yet. */
function beginAke(step: Step, version: 2 | 3): void {
  const inst = step.instance(0);
  const s = startAke(step.env.random, version);
  inst.ake = s.ake;
  if (s.send) step.sendAke(inst, version, s.send);
}

function receiveFragment(step: Step, text: string): void {
  let fragment;
  try {
    fragment = parseFragment(text);
  } catch (e) {
    if (!isOtrError(e)) throw e;
    step.msgEvent('RCVDMSG_MALFORMED', e.message);
    return;
  }
  if (!allowsVersion(step.state.policy, fragment.version)) return;
  if (fragment.version === 3 && fragment.receiverTag !== 0 && fragment.receiverTag !== step.me.instanceTag) {
    step.msgEvent('RCVDMSG_FOR_OTHER_INSTANCE');
    return;
  }
  const inst = step.instance(fragment.senderTag);
  const added = addFragment(inst.fragments, fragment);
  inst.fragments = added.state;
  if (added.complete !== undefined) receiveText(step, added.complete);
}

function receiveEncoded(step: Step, text: string): void {
  let decoded: Decoded;
  try {
    const bytes = encodedBytes(text);
    const header = peekHeaderBytes(bytes);
    if (!allowsVersion(step.state.policy, header.version)) return;
    if (header.version === 3) {
      if (header.receiverTag !== 0 && header.receiverTag !== step.me.instanceTag) {
        step.msgEvent('RCVDMSG_FOR_OTHER_INSTANCE');
        return;
      }
      if (header.receiverTag === 0 && header.type !== MSG_DH_COMMIT) {
        step.msgEvent('RCVDMSG_MALFORMED', 'v3 message without a receiver instance tag');
        return;
      }
    }
    decoded = decodeMessageBytes(bytes);
  } catch (e) {
    if (!isOtrError(e)) throw e;
    step.msgEvent('RCVDMSG_MALFORMED', e.message);
    return;
  }
  const { header } = decoded;
  const inst = step.instance(header.version === 3 ? header.senderTag : 0);
  if (header.version === 3) adoptPendingAke(step, inst, header.type);
  // An answer in another version than the exchange under way is not an answer to it: the
  // header is not authenticated, so a rewritten one would otherwise set the session's version.
  if (decoded.kind !== 'dh-commit' && decoded.kind !== 'data' && inst.ake.state !== 'NONE' && inst.ake.version !== header.version) return;

  switch (decoded.kind) {
    case 'dh-commit': {
      const s = receiveDhCommit(step.env.random, inst.ake, header.version, decoded.body);
      inst.ake = s.ake;
      if (s.send) step.sendAke(inst, header.version, s.send);
      return;
    }
    case 'dh-key': {
      const s = receiveDhKey(step.env.random, step.me.privateKey, inst.ake, decoded.body);
      inst.ake = s.ake;
      if (s.send) step.sendAke(inst, header.version, s.send);
      return;
    }
    case 'reveal-signature': {
      const s = receiveRevealSignature(step.env.random, step.me.privateKey, inst.ake, decoded.body);
      inst.ake = s.ake;
      if (s.send) step.sendAke(inst, header.version, s.send);
      if (s.done) step.goSecure(inst, s.done);
      return;
    }
    case 'signature': {
      const s = receiveSignature(inst.ake, decoded.body);
      inst.ake = s.ake;
      if (s.done) step.goSecure(inst, s.done);
      return;
    }
    case 'data':
      return receiveData(step, inst, decoded);
  }
}

/**
 * Our v3 DH-Commit went out unaddressed (instance "0"). When a peer instance answers, it gets
 * a copy of that pending exchange, so any of the peer's clients may complete it (libotr copies
 * the master context's auth the same way).
 */
function adoptPendingAke(step: Step, inst: InstanceState, type: number): void {
  if (inst.theirTag === 0 || inst.ake.state !== 'NONE') return;
  if (type !== MSG_DH_KEY && type !== MSG_DH_COMMIT) return;
  const pending = step.state.instances['0']?.ake;
  if (pending && pending.state === 'AWAITING_DHKEY' && pending.version === 3) inst.ake = { ...pending };
}

function smpContext(step: Step, inst: InstanceState): SmpContext {
  return {
    ourFingerprint: fingerprint(publicKeyOf(step.me.privateKey)),
    theirFingerprint: fromHex(inst.theirFingerprint ?? ''),
    ssid: fromHex(inst.ssid ?? ''),
  };
}

function receiveData(step: Step, inst: InstanceState, decoded: Extract<Decoded, { kind: 'data' }>): void {
  const m = decoded.body;
  const ignoreUnreadable = (m.flags & FLAG_IGNORE_UNREADABLE) !== 0;
  if (inst.msgstate !== 'ENCRYPTED' || !inst.data) {
    if (!ignoreUnreadable) {
      step.msgEvent('RCVDMSG_NOT_IN_PRIVATE');
      step.send.push(errorMessage(NOT_IN_PRIVATE_ERROR));
    }
    return;
  }
  let plaintext: Uint8Array;
  let secbytes: string;
  try {
    const d = decryptData(step.env.random, inst.data, m, decoded.authenticated);
    inst.data = d.state;
    plaintext = d.plaintext;
    secbytes = d.secbytes;
  } catch (e) {
    if (!(e instanceof OtrError)) throw e;
    if (!ignoreUnreadable) {
      step.msgEvent('RCVDMSG_UNREADABLE', e.message);
      step.send.push(errorMessage(UNREADABLE_ERROR));
    }
    return;
  }

  const nul = plaintext.indexOf(0);
  const message = nul < 0 ? plaintext : plaintext.slice(0, nul);
  const { tlvs, error } = nul < 0 ? { tlvs: [] as Tlv[] } : decodeTlvsLeniently(plaintext.slice(nul + 1));
  if (error) step.msgEvent('RCVDMSG_MALFORMED', error.message);
  const text = fromUtf8(message);
  if (text.length > 0) step.show.push({ text, encrypted: true });
  else if (tlvs.length === 0) step.msgEvent('LOG_HEARTBEAT_RCVD');

  for (const tlv of tlvs) {
    if (inst.msgstate !== 'ENCRYPTED') break;
    handleTlv(step, inst, tlv, secbytes);
  }

  if (inst.msgstate === 'ENCRYPTED' && text.length > 0 && step.env.now() - inst.lastSentAt >= HEARTBEAT_INTERVAL_MS) {
    step.sendData(inst, '', [], FLAG_IGNORE_UNREADABLE);
    step.msgEvent('LOG_HEARTBEAT_SENT');
  }
}

/** `secbytes` is the received message's slot secret; its extra key is derived only for TLV 8. */
function handleTlv(step: Step, inst: InstanceState, tlv: Tlv, secbytes: string): void {
  if (tlv.type === TLV_DISCONNECTED) {
    inst.msgstate = 'FINISHED';
    inst.data = null;
    step.event({ type: 'peer_ended' });
    return;
  }
  if (tlv.type === TLV_EXTRA_SYMMETRIC_KEY) {
    try {
      const { use, useData } = parseExtraSymmetricKeyTlv(tlv.value);
      step.event({ type: 'received_symkey', use, key: toHex(receivingExtraKey(secbytes)), useData: toHex(useData) });
    } catch (e) {
      if (!isOtrError(e)) throw e;
      step.msgEvent('RCVDMSG_MALFORMED', e.message);
    }
    return;
  }
  if ((tlv.type >= TLV_SMP1 && tlv.type <= TLV_SMP_ABORT) || tlv.type === TLV_SMP1Q) {
    const s = smpReceive(step.env.random, inst.smp, smpContext(step, inst), tlv);
    inst.smp = s.smp;
    step.events.push(...s.events);
    if (s.send.length > 0) step.sendData(inst, '', s.send, FLAG_IGNORE_UNREADABLE);
    return;
  }
  // Padding is dropped; other types the protocol does not define are left to the application,
  // which ignores those it does not know either, as the spec requires.
  if (tlv.type !== TLV_PADDING) step.event({ type: 'tlv', tlvType: tlv.type, value: toHex(tlv.value) });
}

export { smpContext };
