/**
 * Who wrote a room post is the member whose chain and signature it verifies under, never the
 * name the channel shows for its poster. In a semi-anonymous XMPP groupchat a page sees only
 * `room@service/nick` for a poster whose JID is hidden: the post still reads as its member's,
 * and the same post again under that nick is dropped as a replay.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CHANNEL, NAMES, roomOfThree, SITE, threeMembers } from './rooms-net';

describe('room posts under a channel name that is not the member\'s', () => {
  it('read as the signing member\'s when the channel shows only a nick; the same post again under that nick is dropped', async () => {
    const net = await threeMembers();
    const ana = net.of('ana');
    const { ref } = await roomOfThree(net);
    await net.pump();

    net.posterAs = (name) => `team@conference.example/${name}-nick`;
    for (const name of NAMES) await net.of(name).rooms.post(ref(name), `${name} in a semi-anonymous room ✓`, net.of(name).tab);
    await net.pump();
    for (const to of NAMES) {
      for (const from of NAMES.filter((n) => n !== to)) {
        const got = net.of(to).received.filter((r) => r.from === from).at(-1);
        expect(got?.result.display).toBe('encrypted');
        expect(got?.result.sender).toBe(from);
        expect((await net.readBy(net.of(to), from)).at(-1)).toBe(`${from} in a semi-anonymous room ✓`);
      }
    }

    // The same ciphertext again under ben's nick (someone replaying it): dropped, nothing shown.
    const again = net.of('ana').received.filter((r) => r.from === 'ben').at(-1)!;
    const replay = await ana.rooms.receive(SITE, 'ana', CHANNEL, 'team@conference.example/ben-nick', again.text, ana.tab);
    expect(replay.display).toBe('dropped');
  }, 120_000);
});
