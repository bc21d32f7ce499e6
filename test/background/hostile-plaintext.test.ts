/**
 * Issue 17 items 4, 6 and 8: plaintext is bound to its conversation and tab, frame tokens to
 * their frame, and the peer's SMP question never reaches a content script.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { FrameTokens, MAX_LIVE } from '../../src/background/tokens';
import { messageIdOf } from '../../src/messaging/message-id';
import { FRAME_PORT, type ContentPush } from '../../src/messaging/ports';
import { cryptoRandom } from '../../src/background/keygen';
import { senders, settle } from './harness';
import { freshDbName } from './helpers';
import { boot, goPrivate, pump, readPlaintext, typed, type Side } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  fakeBrowser.reset();
  alice = await boot('alice', freshDbName());
  bob = await boot('bob', freshDbName());
  await goPrivate(alice, bob);
});

async function aliceSays(text: string): Promise<string> {
  const wire = await typed(alice, text);
  for (const w of wire) await bob.bg.ask(senders.content(bob.tab), 'content.incoming', { conversationId: bob.conv.id, text: w });
  return messageIdOf(wire[wire.length - 1]!);
}

describe('plaintext bound to its conversation and tab (item 4)', () => {
  it("a reader for another conversation gets nothing and does not use up the real reader's delivery", async () => {
    const messageId = await aliceSays('for bob only');
    // Another tab of Bob's browser shows a chat with carol, and asks for a reader on Alice's message id.
    const other = await bob.bg.ask(senders.content(2), 'content.register', { site: 'thelounge', account: 'bob', peer: 'carol' });
    const { token } = await bob.bg.ask(senders.content(2), 'content.frameToken', { conversationId: other.id, role: 'reader', messageId });
    const thief = bob.bg.connect(FRAME_PORT, senders.reader(2));
    thief.deliver({ type: 'hello', token });
    await settle();
    expect(thief.posted).toContainEqual({ type: 'unavailable', messageId });
    expect(JSON.stringify(thief.posted)).not.toContain('for bob only');
    expect(await readPlaintext(bob, messageId)).toEqual([{ type: 'plaintext', messageId, text: 'for bob only' }]);
  });

  it('a tab that does not show the conversation gets nothing', async () => {
    const messageId = await aliceSays('still for bob');
    expect(await bob.bg.sessions.plaintextFor(bob.conv.id, messageId, 77)).toBeNull();
    expect(await bob.bg.sessions.plaintextFor(bob.conv.id, messageId, bob.tab)).toBe('still for bob');
  });

  it("a token is refused when presented by the content script's own frame", async () => {
    // Bob's chat runs in a sub-frame (4) of his tab; a frame claiming to be that same frame is not its child.
    await bob.bg.ask(senders.content(bob.tab, 4), 'content.register', { site: 'thelounge', account: 'bob', peer: 'alice' });
    const { token } = await bob.bg.ask(senders.content(bob.tab, 4), 'content.frameToken', { conversationId: bob.conv.id, role: 'compose' });
    const frame = bob.bg.connect(FRAME_PORT, senders.compose(bob.tab, 4));
    frame.deliver({ type: 'hello', token });
    await settle();
    expect(frame.posted).toContainEqual(expect.objectContaining({ type: 'error', code: 'token' }));
  });
});

describe('frame tokens are pruned (item 8)', () => {
  it('expired, unredeemed tokens go, and at most MAX_LIVE are kept', () => {
    let now = 0;
    const tokens = new FrameTokens(cryptoRandom, () => now);
    const first = tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
    now = 61_000;
    tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
    expect(tokens.size).toBe(1);
    expect(tokens.redeem(first, 1, 5)).toBeNull();
    for (let i = 0; i < MAX_LIVE + 50; i++) tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
    expect(tokens.size).toBe(MAX_LIVE);
  });
});

describe('no peer plaintext to content scripts (item 6)', () => {
  it("Bob's content script never sees Alice's SMP question; his popup does", async () => {
    await alice.bg.ask(senders.popup, 'smp.start', { conversationId: alice.conv.id, secret: 'the answer', question: 'our secret café?' });
    await pump(alice, bob);
    const contentPushes = bob.port.posted as ContentPush[];
    expect(contentPushes.some((p) => p.type === 'conversation' && p.view.smp.status === 'awaiting-answer')).toBe(true);
    expect(JSON.stringify(contentPushes)).not.toContain('our secret café?');
    const registered = await bob.bg.ask(senders.content(bob.tab), 'content.register', { site: 'thelounge', account: 'bob', peer: 'alice' });
    expect(registered.smp.question).toBeUndefined();
    const popup = await bob.bg.ask(senders.popup, 'conversations.list', { tabId: bob.tab });
    expect(popup[0]!.smp.question).toBe('our secret café?');
  });
});
