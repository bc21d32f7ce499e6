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

/** One pass's samples of each operation, in CPU milliseconds (pooled over passes by offRecordResults). */
export type OffRecordSamples = Record<'keygen' | 'ake' | 'smp' | 'data' | 'oneWay', number[]> & {
  /** Exponentiations over all of this pass's keys (counting is always on; it costs the timing nothing). */
  keygenCounts: ModexpCounts;
};

/** The two long-term keys every pass uses (AKE, SMP and data need keys, not fresh ones). */
export interface BenchKeys {
  alice: Identity;
  bob: Identity;
}

export function offRecordKeys(): BenchKeys {
  offRecordIdentity(); // warm-up
  return { alice: offRecordIdentity(), bob: offRecordIdentity() };
}

/**
 * One pass of every operation. The bench alternates passes with libotr's (bench/index.ts), so a
 * stretch of load on a shared machine falls on both sides' samples instead of one side's.
 */
export function offRecordPass(keys: BenchKeys, keygenRuns: number, log: (s: string) => void): OffRecordSamples {
  const { alice, bob } = keys;
  let keygen: number[] = [];
  const keygenCounts = countModexps(() => (keygen = timeRuns(keygenRuns, () => offRecordIdentity(), 0)));
  const ake = timeRuns(RUNS.ake, () => new Pair(alice, bob).ake(), AKE_WARMUP);
  const pair = new Pair(alice, bob);
  pair.ake();
  const smp = timeRuns(RUNS.smp, () => pair.smp('the bench secret'), 1);
  pair.data(100); // warm-up
  const data = timeRuns(RUNS.data, () => pair.data(DATA_MESSAGES), 0);
  pair.data(100, true); // warm-up
  const oneWay = timeRuns(RUNS.oneWay, () => pair.data(DATA_MESSAGES, true), 0);
  log(`OffRecord pass: keygen ${median(keygen).toFixed(1)} ms, AKE ${median(ake).toFixed(2)} ms, SMP ${median(smp).toFixed(1)} ms, data ${median(data).toFixed(0)} ms, one-way ${median(oneWay).toFixed(0)} ms`);
  return { keygen, ake, smp, data, oneWay, keygenCounts };
}

/** Medians over the pooled passes, the exponentiation counts and the persistence cost. */
export function offRecordResults(keys: BenchKeys, passes: OffRecordSamples[]): Results & { persist: PersistCost; counts: OperationCounts } {
  const pooled = (op: Exclude<keyof OffRecordSamples, 'keygenCounts'>) => passes.flatMap((p) => p[op]);
  const keyCount = pooled('keygen').length;
  const perKey = (kind: keyof ModexpCounts) => Math.round((passes.reduce((n, p) => n + p.keygenCounts[kind], 0) / keyCount) * 10) / 10;
  const { alice, bob } = keys;
  const pair = new Pair(alice, bob);
  pair.ake();
  // Counted on separate runs, so the counting never sits inside a timed one; keygen's is the
  // mean over every timed key, since one key's count is a geometric draw.
  const counts: OperationCounts = {
    keygen: { variable: perKey('variable'), fixedBase: perKey('fixedBase'), simultaneous: perKey('simultaneous'), tables: perKey('tables'), mulmods: Math.round(perKey('mulmods')) },
    ake: countModexps(() => new Pair(alice, bob).ake()),
    smp: countModexps(() => pair.smp('the bench secret')),
    data: countModexps(() => pair.data(DATA_MESSAGES)),
    oneWay: countModexps(() => pair.data(DATA_MESSAGES, true)),
  };
  return {
    keygen: median(pooled('keygen')),
    keygenSpread: spread(pooled('keygen')),
    ake: median(pooled('ake')),
    smp: median(pooled('smp')),
    data: median(pooled('data')),
    oneWay: median(pooled('oneWay')),
    persist: persistCost(alice, bob),
    counts,
  };
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
