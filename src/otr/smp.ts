/**
 * The SMP state machine (spec: "The Socialist Millionaires' Protocol (SMP)", "The SMP state
 * machine"), behaving on the wire as libotr 4.1.1 does (src/message.c, SMP part of
 * otrl_message_receiving, init_respond_smp, otrl_message_abort_smp). The state is plain JSON:
 * bigints are lowercase hex strings, so JSON.stringify/parse round-trips it exactly.
 *
 * Events and what libotr does in each case:
 * - SMP1 / SMP1Q accepted: ASK_FOR_SECRET / ASK_FOR_ANSWER (with the question), progress 25.
 * - SMP2 accepted: SMP3 sent, IN_PROGRESS 60. SMP3 accepted: SMP4 sent, SUCCESS or FAILURE 100.
 *   SMP4 accepted: SUCCESS or FAILURE 100.
 * - A failed parse, range check or proof: libotr reports OTRL_SMPEVENT_CHEATED and resets; its
 *   reference client (pidgin-otr) then calls otrl_message_abort_smp. We do both at once: an
 *   abort TLV, a reset and CHEATED (progress 0). Malformed bodies count as failed checks, as in
 *   sm.c, where the parse runs after the state is marked cheated.
 * - An SMP message in the wrong state (or an empty SMP1Q): libotr reports OTRL_SMPEVENT_ERROR,
 *   on which pidgin-otr aborts. Our event union has no ERROR, so we send the abort TLV, reset
 *   and report ABORT (progress 0): the run is over, which is what the user needs to see.
 * - An abort TLV: reset and ABORT (progress 0), in any state, as libotr does.
 * - smpStart and smpAnswer: libotr emits no event there; we report IN_PROGRESS 20 and 60 so a
 *   progress bar has something to show. smpStart restarts from any state and, like libotr,
 *   sends no abort first (libotr handles an abort TLV after SMP1 in the same message, so an
 *   abort-then-SMP1 pair would cancel the new run on a libotr peer).
 * - Trust: libotr marks the fingerprint verified on success, except on the responder's side of
 *   a run that came with a question (message.c, received_question): answering proves nothing
 *   about the asker. So the responder's SUCCESS/FAILURE repeats that question; the caller
 *   should not mark trust when a SUCCESS carries `question`.
 * - Waiting for the user's answer, libotr stays in EXPECT1, so a fresh SMP1 replaces the
 *   pending one and the user may start a run of their own instead of answering.
 */
import { bytesToBigInt, concatBytes, fromUtf8, utf8 } from './bytes';
import { fail, isOtrError } from './errors';
import type { RandomBytes } from './group';
import { encodeMpis, smpSecret, step1, step2a, step2b, step3, step4, step5 } from './smp-math';

import { type Tlv, TLV_SMP1, TLV_SMP1Q, TLV_SMP2, TLV_SMP3, TLV_SMP4, TLV_SMP_ABORT } from './tlv';

export { type Tlv, TLV_SMP1, TLV_SMP1Q, TLV_SMP2, TLV_SMP3, TLV_SMP4, TLV_SMP_ABORT };

export type SmpExpect = 'EXPECT1' | 'EXPECT2' | 'EXPECT3' | 'EXPECT4';

/** Hex-encoded values kept between steps; which ones are present depends on `expect`. */
export type SmpState = {
  expect: SmpExpect;
  /** An incoming SMP1/SMP1Q was verified and waits for smpAnswer (expect stays EXPECT1). */
  awaitingAnswer?: boolean;
  /** The question of that SMP1Q, kept until the run ends (see the header on trust). */
  question?: string;
  /** Our combined secret (x or y), the SHA-256 of spec "Secret information". */
  secret?: string;
  x2?: string;
  x3?: string;
  g2?: string;
  g3?: string;
  /** The peer's g3 half (g3a or g3b), needed to check its final proof. */
  g3o?: string;
  p?: string;
  q?: string;
  pab?: string;
  qab?: string;
};

export interface SmpContext {
  ourFingerprint: Uint8Array;
  theirFingerprint: Uint8Array;
  ssid: Uint8Array;
}

export type SmpEvent = {
  type: 'smp';
  status: 'ASK_FOR_SECRET' | 'ASK_FOR_ANSWER' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILURE' | 'ABORT' | 'CHEATED';
  progress: number;
  question?: string;
};

export interface SmpStep {
  smp: SmpState;
  send: Tlv[];
  events: SmpEvent[];
}

export function initialSmpState(): SmpState {
  return { expect: 'EXPECT1' };
}

export function smpIsWaitingForAnswer(smp: SmpState): boolean {
  return smp.awaitingAnswer === true;
}

/** The summary conversationStatus reports. */
export function smpPhase(smp: SmpState): 'idle' | 'in-progress' | 'awaiting-answer' {
  if (smp.awaitingAnswer) return 'awaiting-answer';
  return smp.expect === 'EXPECT1' ? 'idle' : 'in-progress';
}

const hex = (n: bigint): string => n.toString(16);

function big(smp: SmpState, key: 'secret' | 'x2' | 'x3' | 'g2' | 'g3' | 'g3o' | 'p' | 'q' | 'pab' | 'qab'): bigint {
  const v = smp[key];
  if (v === undefined || !/^[0-9a-f]+$/.test(v)) fail('bad-state', `smp.${key}`, 'missing or not hex');
  return BigInt('0x' + v);
}

const event = (status: SmpEvent['status'], progress: number, question?: string): SmpEvent =>
  question === undefined ? { type: 'smp', status, progress } : { type: 'smp', status, progress, question };

const abortTlv = (): Tlv => ({ type: TLV_SMP_ABORT, value: new Uint8Array(0) });

function checkContext(ctx: SmpContext): void {
  if (ctx.ourFingerprint.length !== 20) fail('invalid-argument', 'smp.ourFingerprint', 'expected 20 bytes');
  if (ctx.theirFingerprint.length !== 20) fail('invalid-argument', 'smp.theirFingerprint', 'expected 20 bytes');
  if (ctx.ssid.length !== 8) fail('invalid-argument', 'smp.ssid', 'expected 8 bytes');
}

/** Begin a run: SMP1, or SMP1Q carrying the question as a NUL-terminated UTF-8 string. */
export function smpStart(
  random: RandomBytes,
  _smp: SmpState,
  ctx: SmpContext,
  secret: Uint8Array,
  question?: string,
): SmpStep {
  checkContext(ctx);
  const q = question === undefined ? undefined : utf8(question);
  // libotr copies the question with strcpy, so an inner NUL would cut it short on the wire.
  if (q?.includes(0)) fail('invalid-argument', 'smp.question', 'question contains NUL');
  const x = smpSecret(ctx.ourFingerprint, ctx.theirFingerprint, ctx.ssid, secret);
  const out = step1(random);
  const body = encodeMpis(out.msg);
  const tlv: Tlv =
    q === undefined
      ? { type: TLV_SMP1, value: body }
      : { type: TLV_SMP1Q, value: concatBytes(q, new Uint8Array([0]), body) };
  return {
    smp: { expect: 'EXPECT2', secret: hex(bytesToBigInt(x)), x2: hex(out.x2), x3: hex(out.x3) },
    send: [tlv],
    events: [event('IN_PROGRESS', 20)],
  };
}

/** The user's secret for a received SMP1/SMP1Q: send SMP2. */
export function smpAnswer(random: RandomBytes, smp: SmpState, ctx: SmpContext, secret: Uint8Array): SmpStep {
  checkContext(ctx);
  if (!smp.awaitingAnswer) fail('bad-state', 'smp', 'no SMP request is waiting for an answer');
  const s = { x2: big(smp, 'x2'), x3: big(smp, 'x3'), g2: big(smp, 'g2'), g3: big(smp, 'g3') };
  const g3o = big(smp, 'g3o');
  // The responder hashes the initiator's (the peer's) fingerprint first.
  const y = bytesToBigInt(smpSecret(ctx.theirFingerprint, ctx.ourFingerprint, ctx.ssid, secret));
  const out = step2b(random, s, y);
  return {
    smp: {
      expect: 'EXPECT3',
      secret: hex(y),
      x3: hex(s.x3),
      g2: hex(s.g2),
      g3: hex(s.g3),
      g3o: hex(g3o),
      p: hex(out.p),
      q: hex(out.q),
      ...(smp.question === undefined ? {} : { question: smp.question }),
    },
    send: [{ type: TLV_SMP2, value: encodeMpis(out.msg) }],
    events: [event('IN_PROGRESS', 60)],
  };
}

/** The user stops the run: abort TLV and reset (libotr otrl_message_abort_smp, no event). */
export function smpAbort(_smp: SmpState): SmpStep {
  return { smp: initialSmpState(), send: [abortTlv()], events: [] };
}

function unexpected(): SmpStep {
  return { smp: initialSmpState(), send: [abortTlv()], events: [event('ABORT', 0)] };
}

function cheated(): SmpStep {
  return { smp: initialSmpState(), send: [abortTlv()], events: [event('CHEATED', 0)] };
}

const result = (success: boolean, question?: string): SmpEvent =>
  event(success ? 'SUCCESS' : 'FAILURE', 100, question);

/** Splits an SMP1Q value as libotr does: the question ends at the first NUL before the last byte. */
function splitQuestion(value: Uint8Array): { question: string; body: Uint8Array } {
  const end = value.subarray(0, value.length - 1).indexOf(0);
  const qBytes = end < 0 ? value : value.subarray(0, end);
  const cut = qBytes.indexOf(0); // libotr reads the question as a C string
  return {
    question: fromUtf8(cut < 0 ? qBytes : qBytes.subarray(0, cut)),
    body: end < 0 ? new Uint8Array(0) : value.subarray(end + 1),
  };
}

/**
 * Handles one received TLV. Types other than 2..7 are not SMP and leave everything unchanged.
 * Never throws for any TLV value; a state this module produced is always accepted.
 */
export function smpReceive(random: RandomBytes, smp: SmpState, ctx: SmpContext, tlv: Tlv): SmpStep {
  checkContext(ctx);
  switch (tlv.type) {
    case TLV_SMP_ABORT:
      return { smp: initialSmpState(), send: [], events: [event('ABORT', 0)] };

    case TLV_SMP1:
    case TLV_SMP1Q: {
      if (smp.expect !== 'EXPECT1' || (tlv.type === TLV_SMP1Q && tlv.value.length === 0)) return unexpected();
      const { question, body } =
        tlv.type === TLV_SMP1Q ? splitQuestion(tlv.value) : { question: undefined, body: tlv.value };
      return guarded(() => {
        const out = step2a(random, body);
        const next: SmpState = {
          expect: 'EXPECT1',
          awaitingAnswer: true,
          x2: hex(out.x2),
          x3: hex(out.x3),
          g2: hex(out.g2),
          g3: hex(out.g3),
          g3o: hex(out.g3o),
        };
        if (question !== undefined) next.question = question;
        return {
          smp: next,
          send: [],
          events: [question === undefined ? event('ASK_FOR_SECRET', 25) : event('ASK_FOR_ANSWER', 25, question)],
        };
      });
    }

    case TLV_SMP2: {
      if (smp.expect !== 'EXPECT2') return unexpected();
      const s = { x2: big(smp, 'x2'), x3: big(smp, 'x3') };
      const secret = big(smp, 'secret');
      return guarded(() => {
        const out = step3(random, s, secret, tlv.value);
        return {
          smp: { expect: 'EXPECT4', x3: hex(s.x3), g3o: hex(out.g3o), pab: hex(out.pab), qab: hex(out.qab) },
          send: [{ type: TLV_SMP3, value: encodeMpis(out.msg) }],
          events: [event('IN_PROGRESS', 60)],
        };
      });
    }

    case TLV_SMP3: {
      if (smp.expect !== 'EXPECT3') return unexpected();
      const s = {
        x3: big(smp, 'x3'),
        g2: big(smp, 'g2'),
        g3: big(smp, 'g3'),
        g3o: big(smp, 'g3o'),
        p: big(smp, 'p'),
        q: big(smp, 'q'),
      };
      return guarded(() => {
        const out = step4(random, s, tlv.value);
        return {
          smp: initialSmpState(),
          send: [{ type: TLV_SMP4, value: encodeMpis(out.msg) }],
          events: [result(out.success, smp.question)],
        };
      });
    }

    case TLV_SMP4: {
      if (smp.expect !== 'EXPECT4') return unexpected();
      const s = { x3: big(smp, 'x3'), g3o: big(smp, 'g3o'), pab: big(smp, 'pab'), qab: big(smp, 'qab') };
      return guarded(() => ({ smp: initialSmpState(), send: [], events: [result(step5(s, tlv.value))] }));
    }

    default:
      return { smp, send: [], events: [] };
  }
}

/** Any typed failure while checking a peer's message means the peer cheated (or is broken). */
function guarded(run: () => SmpStep): SmpStep {
  try {
    return run();
  } catch (e) {
    if (isOtrError(e)) return cheated();
    throw e;
  }
}
