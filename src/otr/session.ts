/**
 * The engine's public face: one pure function per thing an application does with a
 * conversation. Each takes the state and returns a new state plus the texts to send, the texts
 * to show and the events to report; no I/O, no callbacks, random and clock injected.
 */
import { toHex, utf8 } from './bytes';
import {
  type ConversationState,
  copyState,
  type Identity,
  type InstanceState,
  type OtrEnv,
  Step,
  type StepResult,
} from './conversation';
import { sendingExtraKey } from './data';
import { fail } from './errors';
import { FLAG_IGNORE_UNREADABLE } from './messages';
import { POLICY_REQUIRE_ENCRYPTION, POLICY_SEND_WHITESPACE_TAG } from './policy';
import { queryFor } from './invitation';
import { whitespaceTag } from './query';
import { receiveText, smpContext } from './receive';
import { smpAbort, smpAnswer, smpPhase, smpStart } from './smp';
import { extraSymmetricKeyTlv, type Tlv, TLV_DISCONNECTED } from './tlv';

export { createConversation } from './conversation';
export type { ConversationOptions, ConversationState, Identity, OtrEnv, ShownMessage, StepResult } from './conversation';

function run(env: OtrEnv, me: Identity, state: ConversationState, body: (step: Step) => void): StepResult {
  const step = new Step(env, me, copyState(state));
  body(step);
  return step.result();
}

/** Everything that arrives from the peer goes through here, whatever it looks like. */
export function receiveMessage(env: OtrEnv, me: Identity, state: ConversationState, text: string): StepResult {
  return run(env, me, state, (step) => receiveText(step, text));
}

/**
 * Sends what the user typed. Private: encrypted. Finished: refused (the user must end or
 * refresh first). Not private under "require encryption": held back, a query goes out instead,
 * and the text follows once the conversation is private; it is never sent in the clear.
 * `tlvs` (e.g. a group room's record) ride in the same data message and only in a private
 * one: otherwise the step fails with `bad-state` and nothing is sent.
 */
export function sendMessage(env: OtrEnv, me: Identity, state: ConversationState, text: string, tlvs: readonly Tlv[] = []): StepResult {
  return run(env, me, state, (step) => {
    const inst = step.selected();
    if (inst.msgstate === 'ENCRYPTED') return step.sendData(inst, text, [...tlvs], text === '' && tlvs.length > 0 ? FLAG_IGNORE_UNREADABLE : 0);
    if (tlvs.length > 0) fail('bad-state', 'conversation', 'TLVs go only into a private conversation');
    if (inst.msgstate === 'FINISHED') return step.msgEvent('CONNECTION_ENDED');
    const policy = step.state.policy;
    if (policy & POLICY_REQUIRE_ENCRYPTION) {
      step.state.queued.push(text);
      step.msgEvent('ENCRYPTION_REQUIRED');
      const q = queryFor(step.state);
      if (q) step.send.push(q);
      return;
    }
    if (policy & POLICY_SEND_WHITESPACE_TAG && step.state.offer !== 'rejected') {
      step.state.offer = 'sent';
      step.send.push(text + whitespaceTag(policy));
      return;
    }
    step.send.push(text);
  });
}

/** Asks the peer for a private conversation (or a refresh of the current one). */
export function startOtr(env: OtrEnv, me: Identity, state: ConversationState): StepResult {
  return run(env, me, state, (step) => {
    const q = queryFor(step.state);
    if (!q) fail('invalid-argument', 'policy', 'the policy allows no OTR version');
    step.send.push(q);
  });
}

/** Ends the private conversation with every instance of the peer, telling each of them. */
export function endOtr(env: OtrEnv, me: Identity, state: ConversationState): StepResult {
  return run(env, me, state, (step) => {
    let changed = false;
    for (const inst of Object.values(step.state.instances)) {
      if (inst.msgstate === 'ENCRYPTED') step.sendData(inst, '', [{ type: TLV_DISCONNECTED, value: new Uint8Array() }], FLAG_IGNORE_UNREADABLE);
      if (inst.msgstate !== 'PLAINTEXT') changed = true;
      inst.msgstate = 'PLAINTEXT';
      inst.data = null;
      inst.theirFingerprint = null;
      inst.ssid = null;
      inst.smp = smpAbort(inst.smp).smp;
    }
    step.state.queued = [];
    // Back in plaintext, a whitespace tag may be offered again (spec: "Whitespace tags").
    step.state.offer = 'none';
    if (changed) step.event({ type: 'gone_insecure' });
  });
}

function privateInstance(step: Step): InstanceState {
  const inst = step.selected();
  if (inst.msgstate !== 'ENCRYPTED' || !inst.data) fail('bad-state', 'conversation', 'the conversation is not private');
  return inst;
}

/** Starts the Socialist Millionaires' Protocol, with an optional question for the peer. */
export function startSmp(env: OtrEnv, me: Identity, state: ConversationState, secret: string, question?: string): StepResult {
  return run(env, me, state, (step) => {
    const inst = privateInstance(step);
    const s = smpStart(env.random, inst.smp, smpContext(step, inst), utf8(secret), question);
    inst.smp = s.smp;
    step.events.push(...s.events);
    if (s.send.length > 0) step.sendData(inst, '', s.send, FLAG_IGNORE_UNREADABLE);
  });
}

/** The user's answer (or shared secret) for an SMP the peer started. */
export function answerSmp(env: OtrEnv, me: Identity, state: ConversationState, secret: string): StepResult {
  return run(env, me, state, (step) => {
    const inst = privateInstance(step);
    const s = smpAnswer(env.random, inst.smp, smpContext(step, inst), utf8(secret));
    inst.smp = s.smp;
    step.events.push(...s.events);
    if (s.send.length > 0) step.sendData(inst, '', s.send, FLAG_IGNORE_UNREADABLE);
  });
}

export function abortSmp(env: OtrEnv, me: Identity, state: ConversationState): StepResult {
  return run(env, me, state, (step) => {
    const inst = privateInstance(step);
    const s = smpAbort(inst.smp);
    inst.smp = s.smp;
    step.events.push(...s.events);
    if (s.send.length > 0) step.sendData(inst, '', s.send, FLAG_IGNORE_UNREADABLE);
  });
}

/**
 * Tells the peer to use the session's extra symmetric key for `use` (spec: "Extra symmetric
 * key"); the key itself is reported in a `symkey` event, for the application's own use.
 */
export function useExtraSymmetricKey(env: OtrEnv, me: Identity, state: ConversationState, use: number, useData: Uint8Array): StepResult {
  return run(env, me, state, (step) => {
    const inst = privateInstance(step);
    const { key, state: data } = sendingExtraKey(inst.data!);
    inst.data = data;
    step.sendData(inst, '', [extraSymmetricKeyTlv(use, useData)], FLAG_IGNORE_UNREADABLE);
    step.event({ type: 'symkey', use, key: toHex(key) });
  });
}

export interface ConversationStatus {
  msgstate: 'PLAINTEXT' | 'ENCRYPTED' | 'FINISHED';
  version: 0 | 2 | 3;
  theirFingerprint?: string;
  ssid?: string;
  theirInstanceTag?: number;
  smp: 'idle' | 'in-progress' | 'awaiting-answer';
  smpQuestion?: string;
  queued: number;
}

export function conversationStatus(state: ConversationState): ConversationStatus {
  const inst = state.instances[String(state.selected)];
  if (!inst) return { msgstate: 'PLAINTEXT', version: 0, smp: 'idle', queued: state.queued.length };
  const status: ConversationStatus = {
    msgstate: inst.msgstate,
    version: inst.msgstate === 'PLAINTEXT' ? 0 : inst.version,
    smp: smpPhase(inst.smp),
    queued: state.queued.length,
  };
  if (inst.theirFingerprint) status.theirFingerprint = inst.theirFingerprint;
  if (inst.ssid) status.ssid = inst.ssid;
  if (inst.theirTag) status.theirInstanceTag = inst.theirTag;
  const question = (inst.smp as { question?: string }).question;
  if (status.smp === 'awaiting-answer' && question) status.smpQuestion = question;
  return status;
}
