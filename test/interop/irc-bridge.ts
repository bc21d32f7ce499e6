/**
 * Puts an interop peer (harness.ts line contract) on an IRC channel through a plain IRC
 * connection: every PRIVMSG that `browserNick` sends to the channel becomes `RECV` on the peer's
 * stdin, and every `WIRE` the peer prints becomes a PRIVMSG. The bridge only moves lines; the
 * peer's OTR library does the rest. Used by the libotr-over-IRC e2e test and `npm run bench`.
 */
import type { IrcObserver } from '../stacks/irc-observer';
import { esc, unesc, type Peer } from './harness';

export function bridgeIrc(irc: IrcObserver, peer: Peer, browserNick: string, channel = '#test'): () => void {
  let at = irc.lines.length;
  const pump = setInterval(() => {
    for (; at < irc.lines.length; at++) {
      const m = /^:([^! ]+)\S* PRIVMSG (\S+) :(.*)$/.exec(irc.lines[at]!);
      if (m && m[1] === browserNick && m[2] === channel) peer.send('RECV ' + esc(m[3]!));
    }
  }, 20);
  const off = peer.onLine((line) => {
    if (!line.startsWith('WIRE ')) return;
    // IRC lines cannot hold a newline: a query message's explanation goes as its own line.
    for (const part of unesc(line.slice(5)).split('\n')) if (part) irc.send(`PRIVMSG ${channel} :${part}`);
  });
  return () => {
    clearInterval(pump);
    off();
  };
}
