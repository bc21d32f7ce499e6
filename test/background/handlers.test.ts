/**
 * A compose frame's own requests (outside its port) name only the conversation its token granted
 * it, as its port's actions do: conversation.cancelQueued from a compose frame claimed for another
 * conversation of the same tab, or from one never claimed, is refused.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { CONTENT_PORT, FRAME_PORT } from '../../src/messaging/ports';
import type { ConversationView } from '../../src/messaging/types';
import { makeBackground, senders, settle, type Background } from './harness';
import { freshDbName } from './helpers';

let bg: Background;
let bob: ConversationView;
let carol: ConversationView;
beforeEach(async () => {
  fakeBrowser.reset();
  bg = await makeBackground(freshDbName(), 'handlers:');
  // Under 'always' a text typed before the conversation is private waits (queued).
  await bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
  bg.connect(CONTENT_PORT, senders.content(1));
  bob = await bg.ask(senders.content(1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
  carol = await bg.ask(senders.content(1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'carol' });
});

async function composeFor(conversationId: string, frameId: number) {
  const { token } = await bg.ask(senders.content(1), 'content.frameToken', { conversationId, role: 'compose' });
  const frame = bg.connect(FRAME_PORT, senders.compose(1, frameId));
  expect(await bg.present(frame, token)).toBe(true);
  return frame;
}

describe('conversation.cancelQueued from a compose frame', () => {
  it("cancels only in the conversation the frame is claimed for, while it is", async () => {
    const toCarol = await composeFor(carol.id, 5);
    toCarol.deliver({ type: 'send', text: 'waiting for carol' });
    await settle();
    const queuedId = (await bg.sessions.viewOf(carol.id)).queuedIds![0]!;
    // A compose frame of the same tab claimed for bob's conversation, and one never claimed.
    await composeFor(bob.id, 8);
    await expect(bg.ask(senders.compose(1, 8), 'conversation.cancelQueued', { conversationId: carol.id, queuedId })).rejects.toThrow(/not granted/);
    await expect(bg.ask(senders.compose(1, 9), 'conversation.cancelQueued', { conversationId: carol.id, queuedId })).rejects.toThrow(/not granted/);
    expect((await bg.sessions.viewOf(carol.id)).queued).toBe(1);
    // Carol's own compose frame may; the popup may too (it is not a frame).
    await expect(bg.ask(senders.compose(1, 5), 'conversation.cancelQueued', { conversationId: carol.id, queuedId })).resolves.toMatchObject({ queued: 0 });
    toCarol.deliver({ type: 'send', text: 'another' });
    await settle();
    const next = (await bg.sessions.viewOf(carol.id)).queuedIds![0]!;
    // Its page gone (port closed), the frame's grant goes with it.
    toCarol.disconnect();
    await expect(bg.ask(senders.compose(1, 5), 'conversation.cancelQueued', { conversationId: carol.id, queuedId: next })).rejects.toThrow(/not granted/);
    await expect(bg.ask(senders.popup, 'conversation.cancelQueued', { conversationId: carol.id, queuedId: next })).resolves.toMatchObject({ queued: 0 });
  });
});
