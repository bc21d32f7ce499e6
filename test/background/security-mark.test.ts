/**
 * Issue 17 item 1: the security mark. Drawn from the random source alone, kept across calls,
 * shown to the options page and to claimed frames, never to a content script or to a frame no
 * content script claimed (a page's copy at the same address).
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { drawSecurityMark, isSecurityMark, MARK_COLOURS, MARK_SYMBOLS } from '../../src/background/security-mark';
import { FRAME_PORT } from '../../src/messaging/ports';
import { messageIdOf } from '../../src/messaging/message-id';
import type { SecurityMark } from '../../src/messaging/types';
import { makeBackground, senders, settle, type Background } from './harness';
import { freshDbName } from './helpers';

let bg: Background;
beforeEach(async () => {
  fakeBrowser.reset();
  bg = await makeBackground(freshDbName(), 'm:');
});

describe('the security mark (item 1)', () => {
  it('is drawn from the random bytes alone, with every colour and symbol reachable', () => {
    const fixed = (bytes: number[]) => (n: number) => new Uint8Array(bytes.slice(0, n));
    expect(drawSecurityMark(fixed([0, 0, 1, 63]))).toEqual({ colour: MARK_COLOURS[0], symbols: `${MARK_SYMBOLS[0]}${MARK_SYMBOLS[1]}${MARK_SYMBOLS[63]}` });
    // High bits are dropped: 16 colours and 64 symbols are powers of two, so no draw is favoured.
    expect(drawSecurityMark(fixed([255, 64, 128, 191])).colour).toBe(MARK_COLOURS[15]);
    expect(new Set(MARK_COLOURS).size).toBe(16);
    expect(new Set(MARK_SYMBOLS).size).toBe(64);
    expect(isSecurityMark({ colour: '#123456', symbols: 'x' })).toBe(false);
  });

  it('is kept once drawn; the options page may draw a new one; content scripts get neither', async () => {
    const first = await bg.ask(senders.options, 'security.mark', {});
    expect(isSecurityMark(first)).toBe(true);
    expect(await bg.ask(senders.options, 'security.mark', {})).toEqual(first);
    const next = await bg.ask(senders.options, 'security.newMark', {});
    expect(await bg.ask(senders.popup, 'security.mark', {})).toEqual(next);
    await expect(bg.ask(senders.content(), 'security.mark', {})).rejects.toMatchObject({ code: 'sender' });
    await expect(bg.ask(senders.content(), 'security.newMark', {})).rejects.toMatchObject({ code: 'sender' });
    await expect(bg.ask(senders.compose(), 'security.mark', {})).rejects.toMatchObject({ code: 'sender' });
  });

  it('goes to a frame its content script claimed, first, and never to an unclaimed copy', async () => {
    const mark = await bg.ask(senders.options, 'security.mark', {});
    const conversation = await bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const { token } = await bg.ask(senders.content(), 'content.frameToken', { conversationId: conversation.id, role: 'compose' });
    const copy = bg.connect(FRAME_PORT, senders.compose(1, 8));
    copy.deliver({ type: 'hello', nonce: 'ef'.repeat(16) });
    const real = bg.connect(FRAME_PORT, senders.compose(1, 5));
    expect(await bg.present(real, token)).toBe(true);
    await settle();
    const types = real.posted.map((m) => (m as { type: string }).type);
    expect(types.slice(0, 2)).toEqual(['mark', 'ready']);
    expect(real.of<{ mark: SecurityMark }>('mark')[0]!.mark).toEqual(mark);
    expect(copy.posted).toEqual([]);
    expect(JSON.stringify(copy.posted)).not.toContain(mark.symbols);
  });

  it("reaches a reader with its message's answer when that is at hand, else first while the reader waits", async () => {
    const mark = await bg.ask(senders.options, 'security.mark', {});
    const conversation = await bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const messageId = messageIdOf('?OTR:AAMDnever-received.');
    // Named and never received: the answer (unavailable) is at hand and carries the mark, one message.
    const named = await bg.ask(senders.content(), 'content.frameToken', { conversationId: conversation.id, role: 'reader', messageId });
    const reader = bg.connect(FRAME_PORT, senders.reader());
    expect(await bg.present(reader, named.token)).toBe(true);
    expect(reader.wire).toEqual([{ type: 'unavailable', messageId, mark }]);
    // Placed as its message arrives (a spare token): the text is not there yet, the mark is at once.
    const spare = await bg.ask(senders.content(), 'content.frameToken', { conversationId: conversation.id, role: 'reader', pending: true });
    const waiting = bg.connect(FRAME_PORT, senders.reader());
    expect(await bg.present(waiting, spare.token, { messageId: messageIdOf('?OTR:AAMDstill-coming.') })).toBe(true);
    expect(waiting.wire).toEqual([{ type: 'mark', mark }]);
  });
});
