/**
 * Issue 17 items 4, 6 and 8: plaintext is bound to its conversation and tab, frame tokens to
 * their frame, and the peer's SMP question never reaches a content script.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { FrameTokens, MAX_LIVE } from '../../src/background/tokens';
import { messageIdOf } from '../../src/messaging/message-id';
import { FRAME_PORT, type ContentPush } from '../../src/messaging/ports';
import { cryptoRandom } from '../../src/background/keygen';
import { senders, settle } from './harness';
import { bootPair, typed, goPrivate, readPlaintext, type Side, pump } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
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
    expect(await bob.bg.present(thief, token, { content: senders.content(2) })).toBe(true);
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
    expect(await bob.bg.present(frame, token, { content: senders.content(bob.tab, 4) })).toBe(false);
    expect(frame.posted).toEqual([]);
  });
});

describe('frame tokens are bound to the frame and its parent (item 8)', () => {
  it('a frame the page makes at our address gets nothing; the frame its content script placed still gets the text', async () => {
    const messageId = await aliceSays('for the real reader');
    const { token } = await bob.bg.ask(senders.content(bob.tab), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', messageId });
    // The page framed reader.html itself: its port says hello, and no content script claims it.
    const pageMade = bob.bg.connect(FRAME_PORT, senders.reader(bob.tab, 8));
    pageMade.deliver({ type: 'hello', nonce: 'cd'.repeat(16), messageId });
    await settle();
    expect(pageMade.posted).toEqual([]);
    const real = bob.bg.connect(FRAME_PORT, senders.reader(bob.tab, 9));
    expect(await bob.bg.present(real, token)).toBe(true);
    expect(real.of('plaintext')).toEqual([{ type: 'plaintext', messageId, text: 'for the real reader' }]);
    expect(JSON.stringify(pageMade.posted)).not.toContain('for the real reader');
  });

  it("a content script in another frame of the tab cannot claim with the top frame's token, and the token is then spent", async () => {
    const { token } = await bob.bg.ask(senders.content(bob.tab), 'content.frameToken', { conversationId: bob.conv.id, role: 'compose' });
    const frame = bob.bg.connect(FRAME_PORT, senders.compose(bob.tab, 5));
    expect(await bob.bg.present(frame, token, { content: senders.content(bob.tab, 3) })).toBe(false);
    const again = bob.bg.connect(FRAME_PORT, senders.compose(bob.tab, 6));
    expect(await bob.bg.present(again, token)).toBe(false);
  });

  it('verify actions go over the port, for the conversation its token names only; runtime messages from a verify frame are refused', async () => {
    const { token } = await bob.bg.ask(senders.content(bob.tab), 'content.frameToken', { conversationId: bob.conv.id, role: 'verify' });
    const verify = bob.bg.connect(FRAME_PORT, senders.verify(bob.tab));
    expect(await bob.bg.present(verify, token)).toBe(true);
    verify.deliver({ type: 'verify', action: 'smp.start', secret: 'a shared secret', conversationId: 'some other conversation' });
    await settle();
    expect(verify.of('error')).toEqual([expect.objectContaining({ code: 'schema' })]);
    verify.deliver({ type: 'verify', action: 'smp.start', secret: 'a shared secret' });
    await settle();
    expect((await bob.bg.sessions.viewOf(bob.conv.id)).smp.status).toBe('in-progress');
    await expect(bob.bg.ask(senders.verify(bob.tab), 'smp.abort', { conversationId: bob.conv.id })).rejects.toMatchObject({ code: 'sender' });
    verify.deliver({ type: 'verify', action: 'trust' });
    await settle();
    expect((await bob.bg.sessions.viewOf(bob.conv.id)).trust).toBe('manual');
  });
});

describe('frame tokens are pruned (item 8)', () => {
  it('expired, unclaimed tokens and hellos go, and at most MAX_LIVE of each are kept', async () => {
    let now = 0;
    const tokens = new FrameTokens(cryptoRandom, () => now);
    const granted: string[] = [];
    const first = tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
    const waiting = 'ab'.repeat(16);
    tokens.hello(waiting, 'compose', 1, 5, (g) => granted.push(g.conversationId));
    now = 61_000;
    tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
    expect(tokens.size).toBe(1);
    expect(tokens.waiting).toBe(0);
    expect(await tokens.claim(first, waiting, 1, 0)).toBe(false);
    expect(granted).toEqual([]);
    for (let i = 0; i < MAX_LIVE + 50; i++) {
      tokens.issue({ tabId: 1, frameId: 0, conversationId: 'c', role: 'compose' });
      tokens.hello(i.toString(16).padStart(32, '0'), 'compose', 1, 5, () => undefined);
    }
    expect(tokens.size).toBe(MAX_LIVE);
    expect(tokens.waiting).toBe(MAX_LIVE);
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
