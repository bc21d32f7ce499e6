// Interop harness: starts OTR peers that all speak one line contract and wires
// two of them together like a chat server would.
//
// Contract (every peer: OffRecord's bin/otr-peer and the three reference peers
// in ./peers):
//   otr-peer --account A --peer P [--protocol PROT] --dir DIR [--smp-secret S] [--max N] [--policy N]
//   stdin:  RECV <wire> | SEND <text> | QUERY | END | SMP <secret> | SMPQ <question>\t<secret> |
//           SMPABORT | SYMKEY <use> | STATUS | QUIT
//   stdout: READY [<fingerprint>] <instance tag> | WIRE <text> | SHOW <text> | EVENT … | STATUS …
// Newline, tab and backslash inside a field are written \n, \t and \\.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../stacks/process';

// Found by walking up, so the harness also works bundled into dist/ (npm run bench).
export const ROOT = repoRoot();
const TMP = join(ROOT, '.tmp');
const PEERS = join(ROOT, 'test/interop/peers');

export type PeerKind = 'offrecord' | 'libotr' | 'otrjs' | 'potr';

export interface PeerOptions {
  account: string;
  peer: string;
  protocol?: string;
  /** Key/state directory; a fresh one (seeded with a cached key) when absent. */
  dir?: string;
  smpSecret?: string;
  max?: number;
  policy?: number;
}

/** libotr's policy bits. */
export const POLICY = {
  ALLOW_V2: 0x02,
  ALLOW_V3: 0x04,
  REQUIRE_ENCRYPTION: 0x08,
  SEND_WHITESPACE_TAG: 0x10,
  WHITESPACE_START_AKE: 0x20,
  ERROR_START_AKE: 0x40,
  DEFAULT: 0x76,
  /** Default but with v3 switched off, to force a v2 session. */
  V2_ONLY: 0x72,
} as const;

export const esc = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
export const unesc = (s: string): string =>
  s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));

/** Long-term key files per kind, cached across tests so each spawn skips key generation. */
const KEY_FILES: Record<PeerKind, string[]> = {
  libotr: ['otr.private_key'],
  otrjs: ['otrjs.private_key'],
  potr: ['potr.private_key'],
  offrecord: [], // its own format is the lead's; it gets a fresh key each time
};

export function buildCPeer(): void {
  execFileSync('bash', [join(ROOT, 'scripts/build-c-peer.sh')], { stdio: 'inherit' });
}

/** Builds test/interop/c/otr-keytool.c (libotr's own key files and fingerprints) into `dir`; returns its path. */
export function buildKeytool(dir: string): string {
  const tool = join(dir, 'otr-keytool');
  execFileSync('gcc', ['-O1', '-Wall', '-Werror', join(ROOT, 'test/interop/c/otr-keytool.c'), '-o', tool, '-lotr', '-lgcrypt', '-lgpg-error']);
  return tool;
}

function command(kind: PeerKind): [string, string[]] {
  switch (kind) {
    case 'offrecord':
      return [process.execPath, [join(ROOT, 'dist/otr-peer.mjs')]];
    case 'libotr':
      return [join(TMP, 'libotr-peer'), []];
    case 'otrjs':
      return [process.execPath, [join(PEERS, 'otrjs-peer.mjs')]];
    case 'potr':
      // Debian's python: the one on PATH cannot import python3-potr.
      return ['/usr/bin/python3', [join(PEERS, 'potr-peer.py')]];
  }
}

export function freshDir(label: string): string {
  mkdirSync(join(TMP, 'interop'), { recursive: true });
  return mkdtempSync(join(TMP, 'interop', `${label}-`));
}

type LinePredicate = RegExp | string | ((line: string) => boolean);

function matcher(p: LinePredicate): (line: string) => boolean {
  if (typeof p === 'function') return p;
  if (typeof p === 'string') return (l) => l === p;
  return (l) => p.test(l);
}

export class Peer {
  /** Every stdout line, in order. */
  readonly lines: string[] = [];
  fingerprint = '';
  instanceTag = '';
  exitCode: number | null = null;
  private stderr = '';
  private listeners = new Set<(line: string) => void>();
  private exited: Promise<void>;

  constructor(
    readonly kind: PeerKind,
    readonly name: string,
    readonly dir: string,
    private proc: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (line) => {
      this.lines.push(line);
      for (const l of [...this.listeners]) l(line);
    });
    proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((res) =>
      proc.on('exit', (code) => {
        this.exitCode = code ?? -1;
        for (const l of [...this.listeners]) l('');
        res();
      }),
    );
    proc.stdin.on('error', () => {}); // writes after exit are reported by waitFor instead
  }

  get alive(): boolean {
    return this.exitCode === null;
  }

  /** Index to pass as `since` so a wait only sees lines printed from now on. */
  mark(): number {
    return this.lines.length;
  }

  send(line: string): void {
    if (this.alive) this.proc.stdin.write(line + '\n');
  }

  /** Convenience: SEND with the text escaped per the contract. */
  say(text: string): void {
    this.send('SEND ' + esc(text));
  }

  onLine(cb: (line: string) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves with the first line at index >= since that matches. */
  waitFor(pred: LinePredicate, timeoutMs = 15_000, since = 0): Promise<string> {
    const match = matcher(pred);
    for (let i = since; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (match(l)) return Promise.resolve(l);
    }
    return new Promise((res, rej) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${String(pred)}\n${this.describe()}`));
      }, timeoutMs);
      const off = this.onLine((line) => {
        if (!this.alive && line === '') {
          done();
          rej(new Error(`${this.name}: exited (${this.exitCode}) while waiting for ${String(pred)}\n${this.describe()}`));
        } else if (match(line)) {
          done();
          res(line);
        }
      });
    });
  }

  /** Waits for the n-th matching line since `since`; returns all matches. */
  async waitForCount(pred: LinePredicate, n: number, timeoutMs = 30_000, since = 0): Promise<string[]> {
    const match = matcher(pred);
    const count = (): string[] => this.lines.slice(since).filter(match);
    if (count().length >= n) return count();
    await this.waitFor(() => count().length >= n, timeoutMs, this.lines.length);
    return count();
  }

  /** Lines since `since` that match. */
  grep(pred: LinePredicate, since = 0): string[] {
    return this.lines.slice(since).filter(matcher(pred));
  }

  /** Asks for STATUS and returns its fields. */
  async status(timeoutMs = 5_000): Promise<Record<string, string>> {
    const since = this.mark();
    this.send('STATUS');
    const line = await this.waitFor(/^STATUS /, timeoutMs, since);
    const fields: Record<string, string> = {};
    // fingerprint holds spaces: split on " key=" boundaries.
    for (const m of line.slice(7).matchAll(/(\w+)=(.*?)(?= \w+=|$)/g)) fields[m[1]!] = m[2]!;
    if (fields.fingerprint) fields.fingerprint = normalizeFingerprint(fields.fingerprint);
    return fields;
  }

  describe(): string {
    return `--- last lines of ${this.name} (${this.kind}):\n${this.lines.slice(-15).join('\n').slice(-3000)}\n--- stderr:\n${this.stderr.slice(-1500)}`;
  }

  /** QUIT, then kill if it does not exit in time. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (!this.alive) return;
    this.send('QUIT');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }

  /** Hard stop, for tests that simulate a crash. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

function seedKey(kind: PeerKind, opts: PeerOptions, dir: string): string | null {
  if (KEY_FILES[kind].length === 0) return null;
  const cache = join(TMP, 'interop-keys', `${kind}-${opts.account}-${opts.protocol ?? 'prpl-interop'}`);
  if (KEY_FILES[kind].every((f) => existsSync(join(cache, f)))) {
    for (const f of KEY_FILES[kind]) if (!existsSync(join(dir, f))) copyFileSync(join(cache, f), join(dir, f));
  }
  return cache;
}

function storeKey(kind: PeerKind, dir: string, cache: string | null): void {
  if (!cache) return;
  mkdirSync(cache, { recursive: true });
  for (const f of KEY_FILES[kind]) {
    if (existsSync(join(cache, f)) || !existsSync(join(dir, f))) continue;
    // rename is atomic, so concurrent test files never read half a key
    const tmp = join(cache, `${f}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    copyFileSync(join(dir, f), tmp);
    renameSync(tmp, join(cache, f));
  }
}

const live = new Set<Peer>();

/** Starts a peer and waits for its READY line. */
export async function spawnPeer(kind: PeerKind, opts: PeerOptions, readyTimeoutMs = 60_000): Promise<Peer> {
  const dir = opts.dir ?? freshDir(`${kind}-${opts.account}`);
  const cache = seedKey(kind, opts, dir);
  const args = ['--account', opts.account, '--peer', opts.peer, '--dir', dir];
  if (opts.protocol) args.push('--protocol', opts.protocol);
  if (opts.smpSecret !== undefined) args.push('--smp-secret', esc(opts.smpSecret));
  if (opts.max) args.push('--max', String(opts.max));
  if (opts.policy !== undefined) args.push('--policy', String(opts.policy));
  const [cmd, pre] = command(kind);
  const proc = spawn(cmd, [...pre, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const peer = new Peer(kind, `${kind}:${opts.account}`, dir, proc);
  live.add(peer);
  proc.on('exit', () => live.delete(peer));
  proc.on('error', (e) => {
    peer.lines.push(`SPAWN_ERROR ${e.message}`);
  });
  const ready = await peer.waitFor(/^READY /, readyTimeoutMs);
  const parts = ready.split(' ').slice(1);
  peer.instanceTag = parts.pop() ?? '';
  peer.fingerprint = normalizeFingerprint(parts.join(' '));
  storeKey(kind, dir, cache);
  return peer;
}

/** Closes every peer still running (for afterEach/afterAll). */
export async function closeAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.close()));
  live.clear();
}

export interface WireMsg {
  from: Peer;
  to: Peer;
  /** Unescaped wire text. */
  text: string;
}

export interface ConnectHooks {
  /** Return true to lose this message. */
  drop?: (m: WireMsg) => boolean;
  /** Return true to hold this message back and deliver it right after the next one in the same direction. */
  reorder?: (m: WireMsg) => boolean;
  /** Return replacement wire text, or null to drop. */
  transform?: (m: WireMsg) => string | null;
}

export interface Link {
  /** Every wire message seen (before drop/transform), in order. */
  log: WireMsg[];
  /** Messages a→b or b→a. */
  sent(from: Peer): WireMsg[];
  stop(): void;
}

/** Relays every `WIRE x` of one peer as `RECV x` to the other. */
export function connect(a: Peer, b: Peer, hooks: ConnectHooks = {}): Link {
  const log: WireMsg[] = [];
  const held = new Map<Peer, WireMsg[]>([
    [a, []],
    [b, []],
  ]);
  const deliver = (m: WireMsg, text: string): void => m.to.send('RECV ' + esc(text));
  const relay = (from: Peer, to: Peer) => (line: string) => {
    if (!line.startsWith('WIRE ')) return;
    const m: WireMsg = { from, to, text: unesc(line.slice(5)) };
    log.push(m);
    if (hooks.drop?.(m)) return;
    const text = hooks.transform ? hooks.transform(m) : m.text;
    if (text === null) return;
    const queue = held.get(from)!;
    if (hooks.reorder?.(m)) {
      queue.push({ ...m, text });
      return;
    }
    deliver(m, text);
    for (const h of queue.splice(0)) deliver(h, h.text);
  };
  const offA = a.onLine(relay(a, b));
  const offB = b.onLine(relay(b, a));
  return {
    log,
    sent: (from) => log.filter((m) => m.from === from),
    stop: () => {
      offA();
      offB();
    },
  };
}

/** Starts an AKE from `initiator` and waits until both sides report gone_secure. */
export async function goSecure(initiator: Peer, responder: Peer, timeoutMs = 30_000): Promise<{ version: number }> {
  const si = initiator.mark();
  const sr = responder.mark();
  initiator.send('QUERY');
  const [li] = await Promise.all([
    initiator.waitFor(/^EVENT gone_secure v\d/, timeoutMs, si),
    responder.waitFor(/^EVENT gone_secure v\d/, timeoutMs, sr),
  ]);
  return { version: Number(li.slice('EVENT gone_secure v'.length)) };
}

/**
 * Like goSecure, but tries again after a failed AKE. otr.js has a known bug:
 * when it starts the AKE and its random r has a leading zero byte-nibble,
 * libotr rejects the reveal (about 1 run in 16). Use only where otr.js initiates.
 */
export async function goSecureRetrying(initiator: Peer, responder: Peer, tries = 3, timeoutMs = 10_000): Promise<{ version: number }> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await goSecure(initiator, responder, timeoutMs);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

// ---- Scenario steps shared by the reference and matrix suites ----

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Matches how `to` reports receiving `text`. An empty data message is a
 * heartbeat to libotr (and ignored by otr.js/potr), so it may show up as
 * LOG_HEARTBEAT_RCVD instead of an empty SHOW.
 */
export function shownAs(text: string): (line: string) => boolean {
  const show = 'SHOW ' + esc(text);
  return text === '' ? (l) => l === 'SHOW ' || l === 'EVENT msg LOG_HEARTBEAT_RCVD text=' : (l) => l === show;
}

/** Sends each text from `from` and waits until `to` shows all of them, in order. */
export async function deliver(from: Peer, to: Peer, texts: string[], timeoutMs = 30_000): Promise<void> {
  const since = to.mark();
  for (const t of texts) from.say(t);
  const preds = texts.map(shownAs);
  const isShow = (l: string): boolean => preds.some((p) => p(l));
  const got = await to.waitForCount(isShow, texts.length, timeoutMs, since);
  texts.forEach((t, i) => {
    if (!shownAs(t)(got[i]!)) throw new Error(`${to.name}: message ${i} arrived as ${JSON.stringify(got[i])}, expected ${JSON.stringify(t)}`);
  });
}

/**
 * n messages each way, in rounds of `batch` from both sides at once, so each
 * side's acknowledgements drive the other's DH key rotation.
 */
export async function chat(a: Peer, b: Peer, n: number, batch = 10): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const fromA = Array.from({ length: k }, (_, j) => `${a.kind}→${b.kind} #${i + j}`);
    const fromB = Array.from({ length: k }, (_, j) => `${b.kind}→${a.kind} #${i + j}`);
    await Promise.all([deliver(a, b, fromA), deliver(b, a, fromB)]);
  }
}

/** Each side reports the other's READY fingerprint as new (the event may trail gone_secure). */
export async function assertFingerprints(a: Peer, b: Peer, timeoutMs = 5_000): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const want = 'EVENT new_fingerprint ' + y.fingerprint;
    await x.waitFor(want, timeoutMs).catch(() => {
      const seen = x.grep(/^EVENT new_fingerprint /);
      throw new Error(`${x.name} reported ${JSON.stringify(seen)}, not ${y.name}'s fingerprint ${y.fingerprint}`);
    });
  }
}

/** Fingerprints as 5 groups of 8 uppercase hex digits, however a peer spaced them. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/\s+/g, '');
  return /^[0-9a-fA-F]{40}$/.test(hex) ? hex.toUpperCase().match(/.{8}/g)!.join(' ') : fp;
}

export interface SmpResult {
  asker: string;
  answerer: string;
  question: string | null;
}

/** Runs SMP: `asker` starts (with an optional question), `answerer` replies with its secret. */
export async function runSmp(asker: Peer, answerer: Peer, secretA: string, secretB: string, question?: string, timeoutMs = 30_000): Promise<SmpResult> {
  const sa = asker.mark();
  const sb = answerer.mark();
  asker.send(question === undefined ? 'SMP ' + esc(secretA) : `SMPQ ${esc(question)}\\t${esc(secretA)}`);
  const ask = await answerer.waitFor(/^EVENT smp ASK_FOR_ANSWER /, timeoutMs, sb);
  const q = / question=(.*)$/.exec(ask);
  answerer.send('SMP ' + esc(secretB));
  const done = /^EVENT smp (SUCCESS|FAILURE|ABORT|CHEATED) /;
  const [ra, rb] = await Promise.all([asker.waitFor(done, timeoutMs, sa), answerer.waitFor(done, timeoutMs, sb)]);
  return { asker: ra.split(' ')[2]!, answerer: rb.split(' ')[2]!, question: q ? unesc(q[1]!) : null };
}

/**
 * `ender` ends the session; `other` must report peer_ended, and a SEND from
 * `other` afterwards must not go out in the clear nor reach `ender`.
 */
export async function endAndRefuse(ender: Peer, other: Peer, timeoutMs = 15_000): Promise<void> {
  const so = other.mark();
  ender.send('END');
  await other.waitFor('EVENT peer_ended', timeoutMs, so);
  const se = ender.mark();
  const so2 = other.mark();
  const secret = 'must not leak ' + Math.random().toString(36).slice(2);
  other.say(secret);
  // Give it time to (wrongly) send something.
  await sleep(500);
  const leaked = other.grep((l) => l.startsWith('WIRE ') && l.includes(secret), so2);
  if (leaked.length) throw new Error(`${other.name} sent after END in the clear: ${leaked[0]}`);
  if (ender.grep((l) => l.includes(secret), se).length) throw new Error(`${ender.name} received text sent after END`);
  const st = await other.status();
  if (st.msgstate !== 'FINISHED') throw new Error(`${other.name} msgstate ${st.msgstate} after peer END, expected FINISHED`);
}
