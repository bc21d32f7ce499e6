/**
 * irssi with irssi-plugin-otr (libotr inside) as a real OTR peer on the IRC stack. irssi runs
 * headless on a pseudo-terminal made by util-linux `script`: what we write to its stdin is what a
 * person types, and what irssi shows is read from its log files, not the screen: one log per
 * query (`logs/<nick>.log`, plaintext as irssi-otr shows it) and one of everything
 * (`logs/all.log`, including irssi-otr's notices such as "Session secured").
 *
 * irssi-otr (1.4) names its account after irssi's server tag, here the chat network's name
 * (CHATNET); its key, fingerprints and instance tags live in `<home>/otr/`. The key is made at
 * start with `/otr genkey`: a key made on demand would arrive too late for the first AKE.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killMatching, removeDir, sleep, startProcess, stopProcess, tempDir, type Started } from './process';

export interface IrssiPeer {
  nick: string;
  /** irssi-otr's account name: irssi's server tag. */
  account: string;
  /** Our OTR fingerprint as irssi-otr prints it (five groups of eight hex digits). */
  fingerprint: string;
  /** Types a line into irssi's current window, as a person would (a /command or text). */
  type(line: string): void;
  /** Sends `text` to `to` with /msg; irssi-otr encrypts it when the conversation is private. */
  say(to: string, text: string): void;
  /** The log of everything irssi showed so far. */
  all(): string;
  /** The query log with `peer`: lines such as `12:00 <alice> hello`. */
  query(peer: string): string;
  /** Messages from `peer` in the query log with `peer`, in order. */
  messagesFrom(peer: string): string[];
  /** Our own messages in the query log with `peer` (logged once irssi has sent them), in order. */
  messagesTo(peer: string): string[];
  /** Waits until the log of everything matches `pattern`; fails with the log's tail. */
  waitAll(pattern: RegExp, timeoutMs?: number, since?: number): Promise<string>;
  /** Length of the log of everything now, to wait only for what comes after. */
  mark(): number;
  stop(): Promise<void>;
}

const CHATNET = 'offrecord';

function irssiConfig(nick: string, host: string, port: number, logs: string): string {
  // "irc/core": no flood queue. irssi's (5 lines at once, then one per 2.2 s) spreads one
  // fragmented OTR message over seconds, and an AKE over 15 s; the test's own server needs none.
  return `servers = ( { address = "${host}"; chatnet = "${CHATNET}"; port = "${port}"; autoconnect = "yes"; } );
chatnets = { ${CHATNET} = { type = "IRC"; }; };
settings = {
  core = { real_name = "${nick} (irssi-otr)"; user_name = "${nick}"; nick = "${nick}"; };
  "fe-common/core" = { autolog = "yes"; autolog_level = "ALL"; autolog_path = "${logs}/$0.log"; };
  "irc/core" = { cmds_max_at_once = "1000"; cmd_queue_speed = "10msec"; };
};
`;
}

/** Starts irssi as `nick`, connected to the IRC server at host:port, with a fresh OTR key. */
export async function startIrssi(opts: { ircPort: number; nick: string; host?: string }): Promise<IrssiPeer> {
  const host = opts.host ?? '127.0.0.1';
  const dir = tempDir(`irssi-${opts.nick}`);
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeFileSync(join(dir, 'config'), irssiConfig(opts.nick, host, opts.ircPort, logs));
  // irssi runs its home's `startup` file as commands once it is up.
  writeFileSync(join(dir, 'startup'), `/log open ${logs}/all.log ALL\n/load otr\n`);
  const started: Started = startProcess('script', ['-qfec', `irssi --home=${dir} --config=${join(dir, 'config')}`, '/dev/null'], {
    cwd: dir,
    stdin: 'pipe',
    env: { ...process.env, TERM: 'xterm', HOME: dir, LANG: 'C.UTF-8' },
  });
  const child = started.child;
  const stdin = child.stdin;
  const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const all = () => read(join(logs, 'all.log'));
  const account = CHATNET;

  const peer: IrssiPeer = {
    nick: opts.nick,
    account,
    fingerprint: '',
    type(line) {
      if (!stdin) throw new Error('irssi has no keyboard');
      stdin.write(`${line}\r`);
    },
    say(to, text) {
      peer.type(`/msg ${to} ${text}`);
    },
    all,
    query: (p) => read(join(logs, `${p}.log`)),
    messagesFrom: (p) => queryLines(peer.query(p), p),
    messagesTo: (p) => queryLines(peer.query(p), opts.nick),
    async waitAll(pattern, timeoutMs = 30_000, since = 0) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(all().slice(since));
        if (m) return m[0];
        if (child.exitCode !== null) throw new Error(`irssi exited:\n${all().slice(-2000)}`);
        if (Date.now() > end) throw new Error(`irssi never showed ${pattern}; log ends:\n${all().slice(-2000)}`);
        await sleep(200);
      }
    },
    mark: () => all().length,
    async stop() {
      // No /quit and no grace: the IRC server and irssi's temp home go away with the test.
      await stopProcess(child, 0);
      // irssi runs in a session of its own under `script`, so the group kill above misses it:
      // killed only by the terminal's hang-up, it would still write its logs while the home goes.
      await killMatching((argv) => argv[0] === 'irssi' && argv[1] === `--home=${dir}`);
      removeDir(dir);
    },
  };
  try {
    await peer.waitAll(/Welcome to the Internet Relay Network/, 20_000);
    const since = peer.mark();
    peer.type(`/otr genkey ${account}`);
    // irssi-otr makes the key in a worker and notices completion on the next irssi event.
    const end = Date.now() + 60_000;
    while (!/key generation for \S+ completed/i.test(all().slice(since))) {
      if (Date.now() > end) throw new Error(`irssi-otr key generation did not finish:\n${all().slice(-2000)}`);
      peer.type('/echo waiting for the OTR key');
      await sleep(500);
    }
    const at = peer.mark();
    peer.type('/otr info');
    const line = await peer.waitAll(new RegExp(`Fingerprint for ${account.replace(/\./g, '\\.')}: [0-9A-F ]+`), 10_000, at);
    peer.fingerprint = line.split(': ')[1]!.trim();
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/** The texts of `from`'s lines in a query log (`12:00 <alice> hello`). */
function queryLines(log: string, from: string): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const m = /^\d\d:\d\d <[ @+%~&]?([^> ]+)> (.*)$/.exec(line);
    if (m && m[1] === from) out.push(m[2]!);
  }
  return out;
}
