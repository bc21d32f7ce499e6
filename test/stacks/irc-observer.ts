/**
 * A third IRC client in plain Node: joins the channel and records every line the server relays
 * to it, so tests can prove that only `?OTR` ciphertext crossed the server.
 */
import { connect, type Socket } from 'node:net';

export interface IrcObserver {
  nick: string;
  /** Every raw line received so far (without CRLF). */
  lines: string[];
  /** PRIVMSG/NOTICE texts relayed to us, with sender and target. */
  messages(): Array<{ from: string; target: string; text: string }>;
  /** Sends a raw line (e.g. `PRIVMSG #test :hi`). */
  send(line: string): void;
  waitFor(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export function startIrcObserver(port: number, opts: { host?: string; nick?: string; channels?: string[] } = {}): Promise<IrcObserver> {
  const nick = opts.nick ?? 'observer';
  const channels = opts.channels ?? ['#test'];
  const sock: Socket = connect({ port, host: opts.host ?? '127.0.0.1' });
  const lines: string[] = [];
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let buf = '';
  const send = (line: string): void => {
    sock.write(`${line}\r\n`);
  };
  const observer: IrcObserver = {
    nick,
    lines,
    messages() {
      const out: Array<{ from: string; target: string; text: string }> = [];
      for (const l of lines) {
        const m = /^:([^! ]+)\S* (?:PRIVMSG|NOTICE) (\S+) :(.*)$/.exec(l);
        if (m) out.push({ from: m[1]!, target: m[2]!, text: m[3]! });
      }
      return out;
    },
    send,
    waitFor(pred, timeoutMs = 10_000) {
      const hit = lines.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`IRC observer: no matching line in ${timeoutMs} ms`));
          }
        }, timeoutMs);
      });
    },
    close() {
      if (!sock.destroyed) {
        send('QUIT :bye');
        sock.end();
        setTimeout(() => sock.destroy(), 200).unref();
      }
    },
  };
  return new Promise((resolve, reject) => {
    sock.setEncoding('utf8');
    sock.once('error', reject);
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.startsWith('PING ')) send(`PONG ${line.slice(5)}`);
        // 001 = registered: now join; 366 = end of NAMES for the last channel: ready.
        if (/^:\S+ 001 /.test(line)) for (const c of channels) send(`JOIN ${c}`);
        if (new RegExp(`^:\\S+ 366 ${nick} ${escape(channels[channels.length - 1] ?? '')} `).test(line)) resolve(observer);
        for (const w of [...waiters]) {
          if (w.pred(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    sock.once('connect', () => {
      send(`NICK ${nick}`);
      send(`USER ${nick} 0 * :OffRecord observer`);
    });
  });
}

/** Asks the server (ISON) until `nick` is connected. */
export async function waitOnIrc(irc: IrcObserver, nick: string, timeoutMs = 20_000): Promise<void> {
  const online = new RegExp(` 303 ${escape(irc.nick)} :.*\\b${escape(nick)}\\b`);
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const at = irc.lines.length;
    irc.send(`ISON ${nick}`);
    await new Promise((r) => setTimeout(r, 300));
    if (irc.lines.slice(at).some((l) => online.test(l))) return;
  }
  throw new Error(`${nick} never connected to IRC; last lines: ${irc.lines.slice(-5).join(' | ')}`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
}
