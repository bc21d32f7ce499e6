/**
 * Issue 17 item 2 (trigger side): text a hostile page shows cannot make the engine answer at
 * will, so it cannot make the content script take the composer's focus to insert replies.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUCKET_SIZE, REFRESH_MS } from '../../src/background/reply-limit';
import { TAG_BASE, TAG_V3 } from '../../src/otr/classify';
import { senders } from './harness';
import { bootPair, typed, goPrivate, incoming, readPlaintext, type Side, pushed, viewOf } from './sides';
import { messageIdOf } from '../../src/messaging/message-id';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
});

describe('while private', () => {
  beforeEach(() => goPrivate(alice, bob));

  it(`a query shown by the page re-keys at most once in ${REFRESH_MS / 1000} s; the others are answered with nothing`, async () => {
    // A peer's refresh (Pidgin's, or our own lock's) is a query while private: the first is answered.
    const first = await incoming(bob, '?OTRv3?');
    expect(first.send.length).toBeGreaterThan(0);
    for (const q of ['?OTRv3?', '?OTRv23?', '?OTR?v2?', '?OTRv3? please']) {
      const reply = await incoming(bob, q);
      expect(reply.send).toEqual([]);
      expect(reply.display).toBe('hidden');
    }
    expect((await viewOf(bob)).state).toBe('unverified');
    // The conversation carries on with the same keys.
    const wire = await typed(alice, 'still private');
    for (const w of wire) await incoming(bob, w);
    expect(await readPlaintext(bob, messageIdOf(wire[wire.length - 1]!))).toEqual([expect.objectContaining({ text: 'still private' })]);
  });

  it('a whitespace tag is read as plain text without starting an AKE', async () => {
    const reply = await incoming(bob, `hello${TAG_BASE}${TAG_V3}`);
    expect(reply.send).toEqual([]);
    expect(reply.display).toBe('plain');
    expect((await viewOf(bob)).state).toBe('unverified');
  });
});

describe('while not private, under the default policy', () => {
  it("a flood of queries is held, never answered, and the popup offers Start once", async () => {
    const views = () => bob.port.posted.filter((p) => (p as { type: string }).type === 'conversation').length;
    const before = views();
    for (const q of ['?OTRv3?', '?OTRv23?', '?OTR?v3?', '?OTRv3?', '?OTRv3? please']) {
      const reply = await incoming(bob, q);
      expect(reply.send).toEqual([]);
      expect(reply.display).toBe('hidden');
    }
    expect(await viewOf(bob)).toMatchObject({ state: 'plaintext', peerAsked: true });
    // The same held query again is not pushed again (one pulse; no write per flooded line).
    expect(views() - before).toBeLessThanOrEqual(3);
    expect(pushed(bob)).toEqual([]);
    // Only the latest query's versions are kept, never the page's text.
    expect(bob.bg.sessions.life.records.get(bob.conv.id)?.heldQuery).toBe('?OTRv3?');
  });
});

describe('while not private, answering as libotr does (opportunistic)', () => {
  beforeEach(() => bob.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'opportunistic' }));

  it('the same query again within ten seconds is ignored', async () => {
    expect((await incoming(bob, '?OTRv3?')).send.length).toBe(1);
    expect((await incoming(bob, '?OTRv3?')).send).toEqual([]);
  });

  it(`a flood of varied queries gets at most ${BUCKET_SIZE} answers`, async () => {
    const variants = ['?OTRv3?', '?OTRv23?', '?OTR?v3?', '?OTRv32?', '?OTR?v23?'];
    let answered = 0;
    for (let i = 0; i < 30; i++) if ((await incoming(bob, `${variants[i % variants.length]!}`)).send.length > 0) answered++;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(BUCKET_SIZE);
    // Flooding one conversation leaves another untouched.
    const other = await bob.bg.ask(senders.content(bob.tab), 'content.register', { site: 'thelounge', account: 'bob', peer: 'carol' });
    const reply = await bob.bg.ask(senders.content(bob.tab), 'content.incoming', { conversationId: other.id, text: '?OTRv3?' });
    expect(reply.send.length).toBe(1);
  });
});
