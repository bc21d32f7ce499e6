/**
 * Network agnostic (issue 4): Alice uses OffRecord in The Lounge; her peer is libotr 4.1.1 (the
 * interop harness's C peer) behind a small raw-IRC bridge on the same ngircd. The bridge only
 * moves lines: every PRIVMSG Alice sends to #test becomes `RECV` on the peer's stdin, every
 * `WIRE` the peer prints becomes a PRIVMSG. They hold a private conversation both ways,
 * including messages that both sides split into fragments, and end it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCPeer, esc, spawnPeer, unesc, type Peer } from '../interop/harness';
import { startIrcObserver, startIrcStack, type IrcObserver, type IrcStack } from '../stacks/index';
import { loungeJoin } from './helpers/chat';
import { launchProfile, menu, shot, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';

/** Relays #test traffic between IRC and the libotr peer's line contract. */
function bridge(irc: IrcObserver, peer: Peer, browserNick: string): () => void {
  let at = irc.lines.length;
  const pump = setInterval(() => {
    for (; at < irc.lines.length; at++) {
      const m = /^:([^! ]+)\S* PRIVMSG #test :(.*)$/.exec(irc.lines[at]!);
      if (m && m[1] === browserNick) peer.send('RECV ' + esc(m[2]!));
    }
  }, 20);
  const off = peer.onLine((line) => {
    if (!line.startsWith('WIRE ')) return;
    // IRC lines cannot hold a newline: a query message's explanation goes as its own line.
    for (const part of unesc(line.slice(5)).split('\n')) if (part) irc.send(`PRIVMSG #test :${part}`);
  });
  return () => {
    clearInterval(pump);
    off();
  };
}

describe.sequential('OffRecord in The Lounge with a libotr peer over IRC', () => {
  let stack: IrcStack;
  let irc: IrcObserver;
  let peer: Peer;
  let alice: Profile;
  let stopBridge = () => {};

  beforeAll(async () => {
    buildCPeer();
    stack = await startIrcStack();
    [alice, peer, irc] = await Promise.all([
      launchProfile('libotr-alice'),
      // --max 300: libotr fragments its own messages to fit the same IRC limit as The Lounge's adapter.
      spawnPeer('libotr', { account: 'libotr', peer: '#test', protocol: 'prpl-irc', max: 300 }),
      startIrcObserver(stack.ircPort, { nick: 'libotr' }),
    ]);
    stopBridge = bridge(irc, peer, 'alice');
    await waitIdentity(alice);
    await loungeJoin(alice.page, stack.url, 'alice');
  });
  afterAll(async () => {
    stopBridge();
    await peer?.close();
    irc?.close();
    await alice?.close();
    await stack?.stop();
  });

  it('starts from the lock: the AKE with libotr completes', async () => {
    await menu(alice.page, 'start');
    await waitState(alice.page, 'unverified', 60_000);
    await expect.poll(async () => (await peer.status()).msgstate, { timeout: 30_000 }).toBe('ENCRYPTED');
    // Each side sees the other's real fingerprint.
    const fp = await alice.page.locator('[data-offrecord=fingerprint]').textContent();
    expect(fp?.replace(/\s/g, '').toUpperCase()).toContain(peer.fingerprint.replace(/\s/g, '').toUpperCase());
  });

  it('messages go both ways, short and fragmented', async () => {
    const fromAlice = ['hello libotr, from the browser ✓', 'long from alice: ' + 'lorem ipsum dolor sit amet '.repeat(12).trim()];
    const fromPeer = ['hi Alice, libotr here 🦊', 'long from libotr: ' + 'consectetur adipiscing elit '.repeat(12).trim()];
    for (let i = 0; i < fromAlice.length; i++) {
      const since = peer.mark();
      await typePrivate(alice.page, fromAlice[i]!);
      await peer.waitFor('SHOW ' + esc(fromAlice[i]!), 30_000, since);
      peer.say(fromPeer[i]!);
      await waitReader(alice.page, fromPeer[i]!, LIST);
    }
    const fragments = irc.lines.filter((l) => / PRIVMSG #test :\?OTR\|/.test(l));
    expect(fragments.length).toBeGreaterThanOrEqual(2);
    await shot(alice.page, 'libotr-over-irc');
  });

  it('ends from the lock: libotr sees the conversation finished', async () => {
    await menu(alice.page, 'end');
    await waitState(alice.page, 'plaintext');
    await expect.poll(async () => (await peer.status()).msgstate, { timeout: 30_000 }).toBe('FINISHED');
  });
});
