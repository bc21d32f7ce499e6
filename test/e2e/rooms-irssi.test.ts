/**
 * A private room beside irssi-otr (issue 13): Alice (Chromium with the built extension, in #test
 * through The Lounge and ngircd) has a private OTR conversation with Erin, who uses irssi with
 * irssi-otr (libotr) and is in the channel too. Alice starts a room in #test and invites Erin:
 * the invitation goes over their OTR conversation as an OffRecord TLV, which libotr ignores, so
 * Erin never joins. Erin's channel log holds only `?OTR-G` text for Alice's posts, and her OTR
 * conversation with Alice goes on as before, in the same session, both ways.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomSummary } from '../../src/messaging/types';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import { loungeJoin, loungeQuery, loungeSwitchTo } from './helpers/chat';
import { launchProfile, lock, menu, openPopup, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const CHANNEL = '#test';

/** Erin's channel log: the texts of `from`'s lines (`12:00 <alice> text`). */
function channelLines(erin: IrssiPeer, from: string): string[] {
  const out: string[] = [];
  for (const line of erin.query(CHANNEL).split('\n')) {
    const m = /^\d\d:\d\d <[ @+%~&]?([^> ]+)> (.*)$/.exec(line);
    if (m && m[1] === from) out.push(m[2]!);
  }
  return out;
}

describe('private rooms beside irssi-otr: a non-member sees prefix text, its OTR conversation goes on', () => {
  let stack: IrcStack;
  let erin: IrssiPeer;
  let alice: Profile;
  let popup: Page;
  /** Alice's own lines in the query with Erin when she left it for the channel. */
  let ownInQuery = 0;
  const ownLines = () => alice.page.locator(`${LIST} .msg.self`).count();

  /** The channel's room as Alice's background reports it to the popup. */
  const room = () => {
    const tabId = Number(new URL(popup.url()).searchParams.get('tab'));
    return popup.evaluate(async (tabId) => {
      const api = (globalThis as unknown as { chrome: { runtime: { sendMessage(x: unknown): Promise<unknown> } } }).chrome;
      const r = (await api.runtime.sendMessage({ kind: 'conversations.list', payload: { tabId } })) as { value?: Array<{ peer: string; room?: unknown }> };
      return r.value?.find((c) => c.peer === '#test')?.room;
    }, tabId) as Promise<RoomSummary | undefined>;
  };

  beforeAll(async () => {
    const [ircStack, p] = await Promise.all([startIrcStack(), launchProfile('rooms-irssi-alice')]);
    stack = ircStack;
    alice = p;
    const erinSide = async () => {
      erin = await startIrssi({ ircPort: stack.ircPort, nick: 'erin' });
      erin.type(`/join ${CHANNEL}`);
      await erin.waitAll(/erin \S* ?has joined #test/, 20_000);
    };
    const aliceSide = async () => {
      await waitIdentity(alice);
      await loungeJoin(alice.page, stack.url, 'alice');
    };
    await Promise.all([erinSide(), aliceSide()]);
    popup = await openPopup(alice, alice.page);
  });
  afterAll(async () => {
    await alice?.close();
    await erin?.stop();
    await stack?.stop();
  });

  it('Alice and Erin (irssi-otr) have a private OTR conversation', async () => {
    await loungeQuery(alice.page, 'erin');
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    await waitState(alice.page, 'unverified', 60_000);
    await erin.waitAll(/Session secured/, 30_000);
    await typePrivate(alice.page, 'hello erin, before the room');
    await expect.poll(() => erin.messagesFrom('alice'), { timeout: 20_000 }).toContain('hello erin, before the room');
    ownInQuery = await ownLines();
  });

  it('Alice starts a room in #test and invites Erin: irssi-otr ignores the OffRecord TLV, Erin stays out', async () => {
    await loungeSwitchTo(alice.page, CHANNEL);
    await menu(alice.page, 'room');
    await expect.poll(() => lock(alice.page).getAttribute('data-offrecord-room')).toBe('active');
    const panel = popup.locator('[data-offrecord-room]');
    await panel.locator('[data-offrecord=room-invite-nick]').fill('erin');
    await panel.locator('[data-offrecord=room-invite]').click();
    await expect.poll(async () => (await room())?.invited).toContain('erin');
    // The invitation waits in Alice's page until it shows the query, then goes in an OTR data
    // message with no text: irssi shows nothing for it, and says nothing back.
    const since = erin.mark();
    await loungeSwitchTo(alice.page, 'erin');
    await expect.poll(ownLines, { timeout: 20_000 }).toBeGreaterThan(ownInQuery);
    await expect.poll(() => alice.page.locator('textarea#input').inputValue()).toBe('');
    await loungeSwitchTo(alice.page, CHANNEL);
    expect(erin.all().slice(since)).not.toMatch(/error|unreadable|malformed/i);
    expect((await room())?.members.map((m) => m.name)).toEqual(['alice']);
  });

  it('Alice\'s posts reach Erin\'s channel log only as ?OTR-G text', async () => {
    const posts = ['room post one — ünïcödé 🔐', `room post two, long: ${'the quick brown fox jumps over the lazy dog '.repeat(9).trim()}`];
    // One line for the short post, several for the long one: every line Erin saw from Alice
    // is prefix text.
    await typePrivate(alice.page, posts[0]!);
    await expect.poll(() => channelLines(erin, 'alice').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1).catch(async (e: unknown) => {
      const box = await alice.page.locator('textarea#input').inputValue();
      const rows = await alice.page.locator(`${LIST} .msg`).evaluateAll((els) => els.slice(-4).map((x) => (x.textContent ?? '').slice(0, 60)));
      const view = await alice.page.locator('#chat .chat-view[data-type]').getAttribute('aria-label');
      throw new Error(`the post did not reach the channel: box=${JSON.stringify(box.slice(0, 40))} view=${view} rows=${JSON.stringify(rows)} lock=${await lock(alice.page).getAttribute('aria-label')}`, { cause: e });
    });
    await typePrivate(alice.page, posts[1]!);
    await expect.poll(() => channelLines(erin, 'alice').length, { timeout: 30_000 }).toBeGreaterThan(2);
    for (const line of channelLines(erin, 'alice')) expect(line).toMatch(/^\?OTR-G[:|]/);
    const log = erin.query(CHANNEL);
    for (const text of posts) expect(log).not.toContain(text.slice(0, 14));
    // Typed right after the switch, a post never lands in the query's private box instead.
    for (const text of posts) expect(erin.messagesFrom('alice')).not.toContain(text);
  });

  it('the OTR conversation between Alice and Erin still works both ways, in the same session', async () => {
    await loungeSwitchTo(alice.page, 'erin');
    await typePrivate(alice.page, 'after the room: still private, erin?');
    await expect.poll(() => erin.messagesFrom('alice'), { timeout: 20_000 }).toContain('after the room: still private, erin?');
    erin.say('alice', 'yes alice, still private — ✓');
    await waitReader(alice.page, 'yes alice, still private — ✓', LIST, 60_000).catch(async (e: unknown) => {
      const rows = await alice.page.locator(`${LIST} .msg`).evaluateAll((els) => els.slice(-5).map((x) => `${x.className} ${(x.textContent ?? '').slice(0, 90)}`));
      throw new Error(`Alice's last rows: ${JSON.stringify(rows)}; Erin's log ends: ${erin.all().slice(-800)}`, { cause: e });
    });
    expect(erin.all().match(/Session secured/g)?.length).toBe(1);
    expect(erin.messagesFrom('alice').some((t) => t.startsWith('?OTR'))).toBe(false);
    await waitState(alice.page, 'unverified');
  });
});
