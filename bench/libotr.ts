/**
 * libotr 4.1.1 through bench/libotr-bench.c, compiled here at startup. Skipped (with the
 * reason) when gcc or libotr's headers are missing, so the bench still runs elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_BYTES, DATA_MESSAGES, median, type Results, RUNS } from './stats';

export function benchLibotr(root: string, log: (s: string) => void): Results | { skipped: string } {
  const source = join(root, 'bench/libotr-bench.c');
  const binary = join(root, '.tmp/libotr-bench');
  if (!existsSync('/usr/include/libotr/proto.h')) return { skipped: 'libotr headers not installed (Debian libotr5-dev)' };
  try {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    execFileSync('gcc', ['-O2', '-o', binary, source, '-lotr', '-lgcrypt', '-lgpg-error'], { stdio: 'pipe' });
  } catch (e) {
    return { skipped: `could not compile libotr-bench.c: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` };
  }
  const args = [RUNS.keygen, RUNS.ake, RUNS.smp, RUNS.data, DATA_MESSAGES, DATA_BYTES].map(String);
  const output = execFileSync(binary, args, { encoding: 'utf8', timeout: 120_000 });
  const runs: Record<string, number[]> = {};
  for (const line of output.trim().split('\n')) {
    const [op, ms] = line.split(' ');
    if (op && ms) (runs[op] ??= []).push(Number(ms));
  }
  const m = (op: string) => median(runs[op] ?? []);
  const r: Results = { keygen: m('keygen'), ake: m('ake'), smp: m('smp'), data: m('data'), oneWay: m('oneway') };
  log(`libotr keygen ${r.keygen!.toFixed(1)} ms, AKE ${r.ake!.toFixed(2)} ms, SMP ${r.smp!.toFixed(1)} ms, data ${r.data!.toFixed(0)} ms, one-way ${r.oneWay!.toFixed(0)} ms`);
  return r;
}
