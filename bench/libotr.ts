/**
 * libotr 4.1.1 through bench/libotr-bench.c, compiled here at startup. Skipped (with the
 * reason) when gcc or libotr's headers are missing, so the bench still runs elsewhere.
 *
 * The bench runs the binary once per pass, taking turns with OffRecord's passes, and pools
 * the passes' samples (bench/index.ts): on a shared machine the load drifts during a run, and
 * taking turns puts both sides' samples across the whole run instead of each in one corner.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_BYTES, DATA_MESSAGES, median, type Results, RUNS, spread } from './stats';

export type LibotrSamples = Record<string, number[]> | { skipped: string };

let compiled: string | { skipped: string } | undefined;

function binaryPath(root: string): string | { skipped: string } {
  if (compiled) return compiled;
  const source = join(root, 'bench/libotr-bench.c');
  const binary = join(root, '.tmp/libotr-bench');
  if (!existsSync('/usr/include/libotr/proto.h')) return (compiled = { skipped: 'libotr headers not installed (Debian libotr5-dev)' });
  try {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    execFileSync('gcc', ['-O2', '-o', binary, source, '-lotr', '-lgcrypt', '-lgpg-error'], { stdio: 'pipe' });
  } catch (e) {
    return (compiled = { skipped: `could not compile libotr-bench.c: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` });
  }
  return (compiled = binary);
}

/**
 * One pass of the libotr binary: every measured run of every operation, in milliseconds.
 * `keygenRuns`: this pass's share of RUNS.keygen, as OffRecord's pass gets, so the pooled
 * keygen samples are as many as OffRecord's.
 */
export function libotrSamples(root: string, keygenRuns: number): LibotrSamples {
  const binary = binaryPath(root);
  if (typeof binary !== 'string') return binary;
  const args = [keygenRuns, RUNS.ake, RUNS.smp, RUNS.data, DATA_MESSAGES, DATA_BYTES].map(String);
  const output = execFileSync(binary, args, { encoding: 'utf8', timeout: 120_000 });
  const runs: Record<string, number[]> = {};
  for (const line of output.trim().split('\n')) {
    const [op, ms] = line.split(' ');
    if (op && ms) (runs[op] ??= []).push(Number(ms));
  }
  return runs;
}

/** Medians over the pooled samples of several passes. */
export function libotrResults(passes: LibotrSamples[], log: (s: string) => void): Results | { skipped: string } {
  const skipped = passes.find((p): p is { skipped: string } => 'skipped' in p);
  if (skipped) return skipped;
  const samples = (op: string) => passes.flatMap((p) => (p as Record<string, number[]>)[op] ?? []);
  const m = (op: string) => median(samples(op));
  const r: Results = { keygen: m('keygen'), keygenSpread: spread(samples('keygen')), ake: m('ake'), smp: m('smp'), data: m('data'), oneWay: m('oneway') };
  log(`libotr keygen ${r.keygen!.toFixed(1)} ms, AKE ${r.ake!.toFixed(2)} ms, SMP ${r.smp!.toFixed(1)} ms, data ${r.data!.toFixed(0)} ms, one-way ${r.oneWay!.toFixed(0)} ms (${passes.length} passes pooled)`);
  return r;
}
