/**
 * otr.js 0.2.16 (npm `otr`) measured the same way as OffRecord: two OTR objects in this
 * process, each one's outgoing wire text queued for the other.
 *
 * otr.js hands outgoing text to its 'io' listeners through setTimeout (lib/otr.js, OTR.io),
 * one timer tick per message. Timing that would measure Node's timer clock (≥1 ms a tick), not
 * the protocol, so each instance gets a synchronous io that emits the same 'io' event at once.
 * Its SMP runs in-thread (no webworker option set), as it does by default.
 */
import { createRequire } from 'node:module';
import { AKE_WARMUP, aliceSendsOneWay, check, DATA_MESSAGES, dataText, median, type Results, RUNS, timeRuns } from './stats';

interface OtrJs {
  on(event: string, cb: (...args: unknown[]) => void): void;
  trigger(event: string, args: unknown[]): void;
  io: (msg: string | string[], meta?: unknown) => void;
  sendQueryMsg(): void;
  sendMsg(msg: string): void;
  receiveMsg(msg: string): void;
  smpSecret(secret: string, question?: string): void;
  msgstate: number;
  debug: boolean;
}
interface OtrJsModule {
  OTR: { new (opts: Record<string, unknown>): OtrJs; CONST: Record<string, number> };
  DSA: { new (obj?: unknown, opts?: Record<string, unknown>): unknown };
}

function load(): OtrJsModule {
  const require = createRequire(process.cwd() + '/package.json');
  // otr.js logs debugging text with console.log; keep the bench output clean.
  const log = console.log;
  console.log = () => {};
  try {
    return require('otr') as OtrJsModule;
  } finally {
    console.log = log;
  }
}

/**
 * otr.js is slow enough (a key rotation costs it ~60 ms, an SMP ~2.5 s) that the full run counts
 * would take minutes: SMP gets fewer runs, and data messages are timed in batches of 100 and
 * scaled to 1000 (each message costs the same, a key rotation, so the scaling is linear).
 */
export const OTRJS_SMP_RUNS = 5;
export const OTRJS_DATA_BATCHES = 3;
export const OTRJS_DATA_MESSAGES = 100;

export function benchOtrJs(log: (s: string) => void, keygenRuns: number): Results {
  const { OTR, DSA } = load();
  const CONST = OTR.CONST;

  // Full DSA parameter generation each time (nocache), as OffRecord and libotr do.
  const keygen = median(timeRuns(keygenRuns, () => new DSA(null, { nocache: true }), 0));
  log(`otr.js keygen ${keygen.toFixed(0)} ms (${keygenRuns} runs)`);
  const privA = new DSA();
  const privB = new DSA();

  function makePair() {
    const queue: { to: OtrJs; text: string }[] = [];
    const state = { secureA: false, secureB: false, trustA: false, trustB: false, shown: [] as string[] };
    const mk = (priv: unknown, self: 'A' | 'B') => {
      const o = new OTR({ priv, send_interval: 0 });
      o.io = (msg) => {
        for (const m of ([] as string[]).concat(msg)) o.trigger('io', [m]);
      };
      o.on('io', (m) => void queue.push({ to: self === 'A' ? b : a, text: m as string }));
      o.on('ui', (m) => void state.shown.push(m as string));
      o.on('error', (e) => {
        throw new Error(`otr.js error: ${String(e)}`);
      });
      o.on('status', (s) => {
        if (s === CONST.STATUS_AKE_SUCCESS) state[self === 'A' ? 'secureA' : 'secureB'] = true;
      });
      o.on('smp', (type, trust) => {
        if (type === 'question') o.smpSecret('the bench secret');
        if (type === 'trust' && trust === true) state[self === 'A' ? 'trustA' : 'trustB'] = true;
      });
      return o;
    };
    const a = mk(privA, 'A');
    const b = mk(privB, 'B');
    const pump = () => {
      for (let g = 0; queue.length > 0; g++) {
        check(g < 10_000, 'otr.js message loop ended');
        const { to, text } = queue.shift()!;
        to.receiveMsg(text);
      }
    };
    return { a, b, state, pump };
  }

  const ake = median(
    timeRuns(RUNS.ake, () => {
      const p = makePair();
      p.a.sendQueryMsg();
      p.pump();
      check(p.state.secureA && p.state.secureB, 'otr.js AKE finished');
    }, AKE_WARMUP),
  );
  log(`otr.js AKE ${ake.toFixed(1)} ms`);

  const p = makePair();
  p.a.sendQueryMsg();
  p.pump();
  const smp = median(
    timeRuns(OTRJS_SMP_RUNS, () => {
      p.state.trustA = p.state.trustB = false;
      p.a.smpSecret('the bench secret');
      p.pump();
      check(p.state.trustA && p.state.trustB, 'otr.js SMP succeeded');
    }),
  );
  log(`otr.js SMP ${smp.toFixed(1)} ms`);

  const batch = median(
    timeRuns(OTRJS_DATA_BATCHES, () => {
      for (let i = 0; i < OTRJS_DATA_MESSAGES; i++) {
        const text = dataText(i);
        (i % 2 === 0 ? p.a : p.b).sendMsg(text);
        p.pump();
        check(p.state.shown.pop() === text, `otr.js message ${i} arrived`);
      }
    }),
  );
  const data = (batch * DATA_MESSAGES) / OTRJS_DATA_MESSAGES;
  log(`otr.js data ${batch.toFixed(0)} ms / ${OTRJS_DATA_MESSAGES}`);

  // One way with a reply every 10: the pattern repeats every 10 messages, so 100 scale to 1000.
  const oneWayBatch = median(
    timeRuns(OTRJS_DATA_BATCHES, () => {
      for (let i = 0; i < OTRJS_DATA_MESSAGES; i++) {
        const text = dataText(i);
        (aliceSendsOneWay(i) ? p.a : p.b).sendMsg(text);
        p.pump();
        check(p.state.shown.pop() === text, `otr.js one-way message ${i} arrived`);
      }
    }),
  );
  const oneWay = (oneWayBatch * DATA_MESSAGES) / OTRJS_DATA_MESSAGES;
  log(`otr.js one-way data ${oneWayBatch.toFixed(0)} ms / ${OTRJS_DATA_MESSAGES}`);
  return { keygen, ake, smp, data, oneWay };
}
