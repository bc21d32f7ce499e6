/**
 * `npm run fuzz [-- --count N] [--seed HEX] [--workers W] [--index I]`: feeds N generated and
 * mutated wire messages (default 1,000,000) to sessions in every AKE, data and SMP state, on
 * worker threads. The seed (printed) makes every input reproducible: `--index I` reruns input
 * I alone and prints it. Exit status 1 when any input fails. `--count 20000` is the fast mode.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { captureConversations, type Capture } from './capture';
import { Rng, seedFromHex } from './rng';
import { CLOCK_START, emptyStats, Fuzzer, type Stats } from './run';

interface Job {
  capture: Capture;
  seed: string;
  from: number;
  to: number;
  step: number;
  progress: Int32Array;
}

const PROGRESS_EVERY = 1000;
/** A worker whose current input has not changed for this long is reported as hung. */
const WATCHDOG_MS = 20_000;

function work(job: Job): void {
  const fuzzer = new Fuzzer(job.capture, seedFromHex(job.seed));
  const stats = emptyStats();
  let sinceReport = 0;
  for (let i = job.from; i < job.to; i += job.step) {
    Atomics.store(job.progress, 0, i);
    fuzzer.run(i, stats);
    if (++sinceReport === PROGRESS_EVERY) {
      parentPort!.postMessage({ type: 'progress', done: sinceReport });
      sinceReport = 0;
    }
  }
  parentPort!.postMessage({ type: 'progress', done: sinceReport });
  parentPort!.postMessage({ type: 'done', stats });
}

function merge(into: Stats, s: Stats): void {
  into.inputs += s.inputs;
  into.calls += s.calls;
  into.slow += s.slow;
  into.maxMs = Math.max(into.maxMs, s.maxMs);
  into.shownEncrypted += s.shownEncrypted;
  into.retimed += s.retimed;
  into.failed += s.failed;
  into.findings.push(...s.findings);
  for (const key of ['perState', 'perKind', 'msPerKind'] as const)
    for (const [k, v] of Object.entries(s[key])) into[key][k] = (into[key][k] ?? 0) + v;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function table(title: string, counts: Record<string, number>, ms?: Record<string, number>): string {
  const rows = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(28)} ${String(v).padStart(9)}` + (ms ? `  ${((ms[k] ?? 0) / v * 1000).toFixed(0).padStart(6)} µs/input` : ''));
  return `${title}\n${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const count = Number(arg(argv, 'count') ?? 1_000_000);
  const seed = arg(argv, 'seed') ?? Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
  const workers = Math.max(1, Number(arg(argv, 'workers') ?? Math.min(availableParallelism(), 8)));
  const only = arg(argv, 'index');
  console.log(`fuzz: seed ${seed}`);

  const t0 = performance.now();
  const captureRng = new Rng(seedFromHex(seed), 2 ** 48);
  const capture = captureConversations(process.cwd(), (n) => captureRng.bytes(n), CLOCK_START);
  console.log(
    `fuzz: captured ${capture.messages.length} wire messages, ${capture.snapshots.length} session states, ` +
      `${capture.external.length} seeds from test/fixtures/captured (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  if (only !== undefined) {
    const fuzzer = new Fuzzer(capture, seedFromHex(seed));
    const { p, kind, m } = fuzzer.input(Number(only));
    console.log(`input ${only}: state ${p.snap.name}, mutation ${kind}\n${JSON.stringify(m.texts, null, 1)}`);
    const stats = emptyStats();
    fuzzer.run(Number(only), stats);
    console.log(stats.findings[0] ? `FAILED: ${stats.findings[0].problem}` : `passed (${stats.maxMs.toFixed(1)} ms)`);
    process.exitCode = stats.failed ? 1 : 0;
    return;
  }

  const total = emptyStats();
  let done = 0;
  const started = performance.now();
  const hangs: string[] = [];
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const progress = new Int32Array(new SharedArrayBuffer(4));
      const job: Omit<Job, 'progress'> & { progress: Int32Array } = { capture, seed, from: w, to: count, step: workers, progress };
      const worker = new Worker(new URL(import.meta.url), { workerData: job });
      let last = -1;
      let lastChange = performance.now();
      const watchdog = setInterval(() => {
        const now = Atomics.load(progress, 0);
        if (now !== last) {
          last = now;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > WATCHDOG_MS) {
          hangs.push(`worker ${w} stuck on input ${now} for over ${WATCHDOG_MS / 1000} s (reproduce: npm run fuzz -- --seed ${seed} --index ${now})`);
          void worker.terminate();
        }
      }, 1000);
      return new Promise<void>((resolve) => {
        worker.on('message', (msg: { type: string; done?: number; stats?: Stats }) => {
          if (msg.type === 'progress') {
            const before = Math.floor(done / 100_000);
            done += msg.done!;
            if (Math.floor(done / 100_000) > before) {
              const s = (performance.now() - started) / 1000;
              process.stderr.write(`fuzz: ${done} / ${count} inputs, ${s.toFixed(0)} s, ${Math.round(done / s)} inputs/s\n`);
            }
          } else if (msg.type === 'done') merge(total, msg.stats!);
        });
        worker.on('error', (e) => {
          hangs.push(`worker ${w} crashed: ${e.stack ?? e.message}`);
        });
        worker.on('exit', () => {
          clearInterval(watchdog);
          resolve();
        });
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  console.log(table('inputs per session state:', total.perState));
  console.log(table('inputs per mutation (with mean time):', total.perKind, total.msPerKind));
  console.log(
    `fuzz: ${total.inputs} inputs (${total.calls} receiveMessage calls) in ${seconds.toFixed(1)} s on ${workers} workers, ` +
      `${Math.round(total.inputs / seconds)} inputs/s; slowest call ${total.maxMs.toFixed(1)} ms, ${total.slow} calls over 100 ms ` +
      `(${total.retimed} over 1 s that ran in under 1 s when repeated); ` +
      `${total.shownEncrypted} encrypted texts shown (all from intact fresh or inner-encrypted messages)`,
  );
  for (const f of total.findings) {
    console.log(`FAILED input ${f.index} in state ${f.state} (${f.kind}): ${f.problem}`);
    console.log(`  reproduce: npm run fuzz -- --seed ${seed} --index ${f.index}`);
    console.log(`  input: ${JSON.stringify(f.texts).slice(0, 3000)}`);
  }
  for (const h of hangs) console.log(`FAILED ${h}`);
  const failed = total.failed + hangs.length;
  const passed = count - failed;
  console.log(`fuzz: ${passed} passed, ${failed} failed`);
  if (failed > 0 || total.inputs !== count - hangs.length) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  work(workerData as Job);
}
