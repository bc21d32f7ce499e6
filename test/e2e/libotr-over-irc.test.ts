/**
 * Network agnostic (issue 4): Alice uses OffRecord in The Lounge; her peer is libotr 4.1.1 (the
 * interop harness's C peer) behind a small raw-IRC bridge on the same ngircd (irc-bridge.ts,
 * which only moves lines). They hold a private conversation both ways, including messages that
 * both sides split into fragments, and end it. Then libotr asks: under
 * the default policy Alice's OffRecord answers nothing by itself; her lock pulses once, the
 * popup's This tab offers Start, and one click there answers libotr's query with a D-H Commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCPeer, esc, spawnPeer, type Peer } from '../interop/harness';
import { bridgeIrc } from '../interop/irc-bridge';
import { startIrcObserver, startIrcStack, type IrcObserver, type IrcStack } from '../stacks/index';
import { loungeJoin } from './helpers/chat';
import { lock, launchProfile, menu, openPopup, shot, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';

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
    stopBridge = bridgeIrc(irc, peer, 'alice');
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

  it('when libotr asks: one pulse, nothing sent by itself, and one click in the popup answers the query', async () => {
    // Counts the times the lock takes the pulse class (the animation itself is CSS).
    await lock(alice.page).evaluate((button) => {
      const w = window as unknown as { offrecordPulses: number };
      w.offrecordPulses = 0;
      let had = button.classList.contains('pulse');
      new MutationObserver(() => {
        const has = button.classList.contains('pulse');
        if (has && !had) w.offrecordPulses++;
        had = has;
      }).observe(button, { attributes: true, attributeFilter: ['class'] });
    });
    const since = irc.lines.length;
    const fromAlice = () => irc.lines.slice(since).filter((l) => /^:alice!\S* PRIVMSG #test :\?OTR/.test(l));
    // The query as libotr's user's IRC client sends it: the tag on its own line. (libotr's own
    // query message is longer than this network's 300 and goes out as fragments that hold
    // newlines, which no IRC line can carry.) libotr then answers Alice's D-H Commit itself.
    irc.send('PRIVMSG #test :?OTRv23?');
    await expect.poll(() => lock(alice.page).getAttribute('data-offrecord-asked'), { timeout: 30_000 }).toBe('true');
    expect(await lock(alice.page).getAttribute('aria-label')).toContain('asks for a private conversation');
    // Never automatic under the default policy: a moment later still no OTR answer from Alice.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(fromAlice()).toEqual([]);
    expect((await peer.status()).msgstate).toBe('FINISHED');
    expect(await alice.page.evaluate(() => (window as unknown as { offrecordPulses: number }).offrecordPulses)).toBe(1);

    const popup = await openPopup(alice, alice.page);
    const card = popup.locator('li.card[data-conversation]').first();
    await expect.poll(() => card.locator('[data-offrecord=peer-asked]').textContent(), { timeout: 10_000 }).toContain('asks for a private conversation');
    await shot(popup, 'popup-peer-asks');
    await card.getByRole('button', { name: 'Start private conversation' }).click();
    await waitState(alice.page, 'unverified', 60_000);
    await expect.poll(async () => (await peer.status()).msgstate, { timeout: 30_000 }).toBe('ENCRYPTED');
    // The click answered libotr's query (a D-H Commit first), not a query of Alice's own.
    // (Whole, or the first of its fragments: "?OTR|sender|receiver,00001,0000n,?OTR:AAMC…".)
    expect(fromAlice()[0]).toMatch(/PRIVMSG #test :(\?OTR\|[0-9a-f]+\|[0-9a-f]+,0*1,0*\d+,)?\?OTR:AAMC/i);
    expect(fromAlice().some((l) => / :\?OTRv/.test(l))).toBe(false);
    await expect.poll(() => card.locator('[data-offrecord=peer-asked]').count(), { timeout: 10_000 }).toBe(0);
    await popup.close();
    expect(await lock(alice.page).getAttribute('data-offrecord-asked')).toBe('false');
  });
});
