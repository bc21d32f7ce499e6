/**
 * A chain hand-over that did not arrive (issue 13): two AKEs crossing can leave a data message
 * sent under the first keys unreadable to its receiver, so the record carrying a member's chain
 * is lost although the sender thinks it went. The hand-over is sent again, the same key at the
 * same iteration, whenever the pairwise conversation is set up anew (a refresh included); a
 * member who already holds it ignores the copy, and a post that waited for it becomes readable.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { conversationIdOf } from '../../src/background/session-manager';
import { CHANNEL, ORIGIN, roomOfThree, SITE, threeMembers } from './rooms-net';

const isData = (text: string) => text.startsWith('?OTR:AAMD');

describe('a lost chain hand-over', () => {
  it('is sent again when the pairwise conversation is set up anew; the post that waited reads; copies are ignored', async () => {
    const net = await threeMembers();
    const [ana, ben] = [net.of('ana'), net.of('ben')];
    const { roomId, ref } = await roomOfThree(net);

    // Ana removes cy: her list reaches ben, the data message with her new chain does not.
    let dataToBen = 0;
    net.lose = (from, to, text) => from === 'ana' && to === 'ben' && isData(text) && ++dataToBen === 2;
    await ana.rooms.remove(ref('ana'), 'cy');
    await net.pump();
    net.lose = null;
    expect(dataToBen).toBeGreaterThanOrEqual(2);
    expect((await ben.rooms.view(ref('ben'))).members.map((m) => m.name)).toEqual(['ana', 'ben']);
    expect((await ana.rooms.view(ref('ana'))).members.find((m) => m.name === 'ben')?.holdsOurKey).toBe(true);

    // Her next post waits at ben's for the key.
    const { texts } = await ana.rooms.post(ref('ana'), 'after the lost hand-over ✓', ana.tab);
    await net.pump();
    const last = texts[texts.length - 1]!;
    expect(ben.received.find((r) => r.text === last)?.result.display).toBe('waiting');
    expect(await ben.rooms.receive(SITE, 'ben', CHANNEL, 'ana', last, ben.tab)).toMatchObject({ display: 'waiting' });

    // Ben refreshes the pairwise conversation: ana's hand-over goes again, the post reads.
    await ben.sessions.start(conversationIdOf(ORIGIN, SITE, 'ben', 'ana'));
    await net.pump();
    const again = await ben.rooms.receive(SITE, 'ben', CHANNEL, 'ana', last, ben.tab);
    expect(again).toMatchObject({ display: 'encrypted', sender: 'ana' });
    expect(await ben.sessions.plaintextFor(`room:${roomId}`, again.messageId, ben.tab.tabId)).toBe('after the lost hand-over ✓');

    // Both refresh at once (AKEs cross): copies of hand-overs already held change nothing.
    await Promise.all([ana.sessions.start(conversationIdOf(ORIGIN, SITE, 'ana', 'ben')), ben.sessions.start(conversationIdOf(ORIGIN, SITE, 'ben', 'ana'))]);
    await net.pump();
    for (const [from, text] of [['ana', 'still readable, ana'], ['ben', 'still readable, ben']] as const) await net.of(from).rooms.post(ref(from), text, net.of(from).tab);
    await net.pump();
    expect((await net.readBy(ben, 'ana')).at(-1)).toBe('still readable, ana');
    expect((await net.readBy(ana, 'ben')).at(-1)).toBe('still readable, ben');
  }, 120_000);
});
