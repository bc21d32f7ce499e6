/**
 * Child-process and temp-dir bookkeeping for the local chat stacks. Every process a stack starts
 * is registered here so it dies with the stack, and also when the test runner exits early.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

function killAllNow(): void {
  for (const child of live) killTree(child, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      // Someone else (a runner, scripts/stacks.mjs) handles the signal and stops us cleanly.
      if (process.listenerCount(sig) > 1) return;
      killAllNow();
      process.exit(130);
    };
    process.on(sig, onSignal);
  }
}

/** Children run in their own process group, so killing -pid also takes their helpers. */
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export function tempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), `offrecord-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  // A process that outlived its parent's kill may still be closing files there (ENOTEMPTY).
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  dirs.delete(dir);
}

export interface Started {
  child: ChildProcess;
  /** Everything the process printed, for error messages when it fails to come up. */
  output(): string;
}

/** `stdin: 'pipe'` gives the process a keyboard (child.stdin); by default it has none. */
export function startProcess(cmd: string, args: string[], opts: SpawnOptions & { stdin?: 'pipe' } = {}): Started {
  hookExit();
  const { stdin = 'ignore', ...spawnOpts } = opts;
  const child = spawn(cmd, args, { ...spawnOpts, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', () => live.delete(child));
  return { child, output: () => out };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killTree(child, 'SIGTERM');
  const timer = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

/**
 * SIGKILLs every process of ours whose argument list `match`es (one started outside the process
 * groups we track) and resolves once all are gone, within 5 s. Reads Linux's /proc.
 */
export async function killMatching(match: (argv: string[]) => boolean): Promise<void> {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // A zombie has closed its files; whoever adopted it reaps it in its own time.
  const running = (pid: number): boolean => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const end = Date.now() + 5000;
  while (pids.some(running) && Date.now() < end) await sleep(50);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns true; fails with the process output when time runs out. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  started?: Started,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (started && (started.child.exitCode !== null || started.child.signalCode !== null)) {
      throw new Error(`${what}: process exited early\n${started.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms\n${started?.output() ?? ''}`);
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}

/** The repository root, found by walking up (this code also runs bundled from .tmp/). */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'offrecord') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}
