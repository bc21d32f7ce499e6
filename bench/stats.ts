/** Timing helpers shared by the benchmark's three implementations. */

/** min, median, mean and max of a sample, for operations whose cost varies run to run. */
export interface Spread {
  n: number;
  min: number;
  median: number;
  mean: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sum = values.reduce((a, b) => a + b, 0);
  return { n: values.length, min: Math.min(...values), median: median(values), mean: sum / values.length, max: Math.max(...values) };
}

export function formatSpread(s: Spread): string {
  return `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.mean.toFixed(1)} / ${s.max.toFixed(1)} ms (n = ${s.n})`;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) of a sample, by linear interpolation between the nearest ranks. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}

/**
 * This process's CPU time in milliseconds (user + system, every thread). The bench measures
 * CPU time, not wall time: on a machine shared with other work, wall time mostly measures
 * the scheduler. libotr-bench.c reads CLOCK_PROCESS_CPUTIME_ID, the same quantity. V8's
 * garbage collector threads count too, so this errs against the JavaScript implementations.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `body` `runs` times (after `warmup` unmeasured runs) and returns each run's CPU milliseconds. */
export function timeRuns(runs: number, body: () => void, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) body();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = cpuMs();
    body();
    out.push(cpuMs() - t);
  }
  return out;
}

/** One implementation's medians, in milliseconds; undefined when not measured. */
export interface Results {
  keygen?: number;
  /** Every keygen run, summarised: its cost is geometric in the number of candidates tried. */
  keygenSpread?: Spread;
  ake?: number;
  smp?: number;
  /** Milliseconds for 1000 data messages encrypted and decrypted, alternating direction. */
  data?: number;
  /** Milliseconds for 1000 data messages, one way with a reply every 10 (oneWaySender). */
  oneWay?: number;
  note?: string;
}

/**
 * DSA keygen's time is set by how many candidates it tries before a prime, a geometric count:
 * single runs range over 10× and the median of 11 moved by a third from run to run, on both
 * sides. 101 runs, and as many for libotr, bring that down to ~10%. Keygen's runs are split
 * over the bench's passes; every other count is per pass (bench/index.ts PASSES).
 */
export const RUNS = { keygen: 101, ake: 21, smp: 11, data: 5, oneWay: 5 } as const;
/**
 * Unmeasured AKE runs before the measured ones. V8 needs about ten before the AKE's code is
 * optimised (measured: the first twenty runs had a median 45% above the next twenty); the
 * median then describes a long-lived worker, which is how the extension runs.
 */
export const AKE_WARMUP = 10;
export const DATA_MESSAGES = 1000;
export const DATA_BYTES = 200;

/** A 200-character ASCII message (200 bytes in UTF-8) that differs per index. */
export function dataText(i: number): string {
  const head = `msg ${i} `;
  return head + 'x'.repeat(DATA_BYTES - head.length);
}

/**
 * The one-way pattern (issue 15): Alice sends, and every tenth message is Bob's reply, so most
 * messages reuse the current keys and only the replies rotate them. True when Alice sends i.
 */
export function aliceSendsOneWay(i: number): boolean {
  return i % 10 !== 9;
}

export function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`bench self-check failed: ${what}`);
}
