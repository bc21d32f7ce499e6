/**
 * OffRecord's side of the benchmark: two conversations in this process, wired to each other
 * through an in-memory queue, driven only through the public API in src/otr/session.ts.
 */
import { generateDsaKey } from '../src/otr/dsa';
import { generateInstanceTag } from '../src/otr/instance-tag';
import {
  answerSmp,
  type ConversationState,
  conversationStatus,
  createConversation,
  type Identity,
  type OtrEnv,
  receiveMessage,
  sendMessage,
  startOtr,
  startSmp,
  type StepResult,
} from '../src/otr/session';
import { modexpCount } from '../src/otr/group';
import { AKE_WARMUP, aliceSendsOneWay, check, DATA_MESSAGES, dataText, median, type Results, RUNS, spread, timeRuns } from './stats';

const env: OtrEnv = { random: (n) => crypto.getRandomValues(new Uint8Array(n)), now: () => Date.now() };

interface Side {
  me: Identity;
  state: ConversationState;
  shown: string[];
  smpDone: boolean;
  askedForSecret: boolean;
}

function newSide(me: Identity, account: string, peer: string): Side {
  return {
    me,
    state: createConversation({ account, peer, protocol: 'bench' }),
    shown: [],
    smpDone: false,
    askedForSecret: false,
  };
}

export class Pair {
  readonly a: Side;
  readonly b: Side;
  private queue: { to: Side; text: string }[] = [];

  constructor(keyA: Identity, keyB: Identity) {
    this.a = newSide(keyA, 'alice', 'bob');
    this.b = newSide(keyB, 'bob', 'alice');
  }

  other(s: Side): Side {
    return s === this.a ? this.b : this.a;
  }

  apply(s: Side, r: StepResult): void {
    s.state = r.state;
    for (const m of r.show) s.shown.push(m.text);
    for (const e of r.events) {
      if (e.type === 'smp' && (e.status === 'SUCCESS' || e.status === 'FAILURE')) s.smpDone = true;
      if (e.type === 'smp' && (e.status === 'ASK_FOR_SECRET' || e.status === 'ASK_FOR_ANSWER')) s.askedForSecret = true;
    }
    for (const text of r.send) this.queue.push({ to: this.other(s), text });
  }

  /** Delivers queued wire messages until none are left; `onAsk` answers an SMP request. */
  pump(onAsk?: (s: Side) => void): void {
    for (let guard = 0; this.queue.length > 0; guard++) {
      check(guard < 10_000, 'message loop ended');
      const { to, text } = this.queue.shift()!;
      this.apply(to, receiveMessage(env, to.me, to.state, text));
      if (to.askedForSecret && onAsk) {
        to.askedForSecret = false;
        onAsk(to);
      }
    }
  }

  ake(): void {
    this.apply(this.a, startOtr(env, this.a.me, this.a.state));
    this.pump();
    check(conversationStatus(this.a.state).msgstate === 'ENCRYPTED', 'alice encrypted after AKE');
    check(conversationStatus(this.b.state).msgstate === 'ENCRYPTED', 'bob encrypted after AKE');
  }

  smp(secret: string): void {
    this.a.smpDone = this.b.smpDone = false;
    this.apply(this.a, startSmp(env, this.a.me, this.a.state, secret));
    this.pump((s) => this.apply(s, answerSmp(env, s.me, s.state, secret)));
    check(this.a.smpDone && this.b.smpDone, 'SMP finished on both sides');
  }

  /**
   * Sends `count` messages, alternating direction so that both sides rotate keys, or in the
   * one-way pattern (aliceSendsOneWay) where most messages reuse keys.
   */
  data(count: number, oneWay = false): void {
    for (let i = 0; i < count; i++) {
      const from = (oneWay ? aliceSendsOneWay(i) : i % 2 === 0) ? this.a : this.b;
      const to = this.other(from);
      const text = dataText(i);
      this.apply(from, sendMessage(env, from.me, from.state, text));
      this.pump();
      check(to.shown.pop() === text, `message ${i} arrived`);
    }
  }
}

export function offRecordIdentity(): Identity {
  return { privateKey: generateDsaKey(env.random), instanceTag: generateInstanceTag(env.random) };
}

/** Exponentiations one operation performs, by kind (src/otr/group.ts modexpCount). */
export interface ModexpCounts {
  variable: number;
  fixedBase: number;
  simultaneous: number;
  /** Power tables built for a reused base (src/otr/power-tables.ts). */
  tables: number;
  /** Modular multiplications (squarings included) inside all of the above. */
  mulmods: number;
}
export type OperationCounts = Record<'keygen' | 'ake' | 'smp' | 'data' | 'oneWay', ModexpCounts>;

/** The exponentiations `body` does, divided by `runs` when it repeats an operation. */
function countModexps(body: () => void, runs = 1): ModexpCounts {
  const before = { ...modexpCount };
  body();
  const per = (kind: keyof ModexpCounts) => Math.round(((modexpCount[kind] - before[kind]) / runs) * 10) / 10;
  return { variable: per('variable'), fixedBase: per('fixedBase'), simultaneous: per('simultaneous'), tables: per('tables'), mulmods: Math.round(per('mulmods')) };
}

export function benchOffRecord(log: (s: string) => void): Results & { persist: PersistCost; counts: OperationCounts } {
  // The keygen counts are the mean over the timed runs: one run's count is a geometric draw.
  offRecordIdentity(); // warm-up
  let keygenSamples: number[] = [];
  const keygenCounts = countModexps(() => (keygenSamples = timeRuns(RUNS.keygen, () => offRecordIdentity(), 0)), RUNS.keygen);
  const keygenSpread = spread(keygenSamples);
  const keygen = keygenSpread.median;
  log(`OffRecord keygen ${keygen.toFixed(1)} ms`);
  const alice = offRecordIdentity();
  const bob = offRecordIdentity();

  const ake = median(timeRuns(RUNS.ake, () => new Pair(alice, bob).ake(), AKE_WARMUP));
  log(`OffRecord AKE ${ake.toFixed(2)} ms`);

  const pair = new Pair(alice, bob);
  pair.ake();
  const smp = median(timeRuns(RUNS.smp, () => pair.smp('the bench secret'), 1));
  log(`OffRecord SMP ${smp.toFixed(2)} ms`);

  pair.data(100); // warm-up
  const data = median(timeRuns(RUNS.data, () => pair.data(DATA_MESSAGES), 0));
  log(`OffRecord data ${data.toFixed(1)} ms / ${DATA_MESSAGES}`);
  pair.data(100, true); // warm-up
  const oneWay = median(timeRuns(RUNS.oneWay, () => pair.data(DATA_MESSAGES, true), 0));
  log(`OffRecord one-way data ${oneWay.toFixed(1)} ms / ${DATA_MESSAGES}`);

  // Counted on separate runs, so the counting never sits inside a timed one.
  const counts: OperationCounts = {
    keygen: keygenCounts,
    ake: countModexps(() => new Pair(alice, bob).ake()),
    smp: countModexps(() => pair.smp('the bench secret')),
    data: countModexps(() => pair.data(DATA_MESSAGES)),
    oneWay: countModexps(() => pair.data(DATA_MESSAGES, true)),
  };
  return { keygen, keygenSpread, ake, smp, data, oneWay, persist: persistCost(alice, bob), counts };
}

export interface PersistCost {
  bytes: number;
  stringifyMs: number;
  parseMs: number;
  smpBytes: number;
}

/**
 * What the extension pays per transition: the ConversationState it keeps in storage.session,
 * as JSON, written (stringify) and read back (parse). Measured mid-conversation (keys rotated,
 * old MAC keys pending) and again in the middle of an SMP, where the state is largest.
 */
function persistCost(alice: Identity, bob: Identity): PersistCost {
  const pair = new Pair(alice, bob);
  pair.ake();
  pair.data(11);
  const state = pair.a.state;
  let json = '';
  const stringifyMs = median(timeRuns(201, () => void (json = JSON.stringify(state)), 20));
  let restored: unknown;
  const parseMs = median(timeRuns(201, () => void (restored = JSON.parse(json)), 20));
  check(JSON.stringify(restored) === json, 'state round-trips through JSON');
  // A restored state keeps working: the next message still decrypts on the other side.
  pair.a.state = JSON.parse(json) as ConversationState;
  pair.data(2);

  // Mid-SMP: alice has sent SMP1 and holds her exponents; bob's answer is pending.
  const mid = new Pair(alice, bob);
  mid.ake();
  mid.apply(mid.a, startSmp(env, mid.a.me, mid.a.state, 'secret'));
  const smpBytes = Buffer.byteLength(JSON.stringify(mid.a.state));
  return { bytes: Buffer.byteLength(json), stringifyMs, parseMs, smpBytes };
}
