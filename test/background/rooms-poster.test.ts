/**
 * Who wrote a room post is the member whose chain and signature it verifies under, never the
 * name the channel shows for its poster. In a semi-anonymous XMPP groupchat a page sees only
 * `room@service/nick` for a poster whose JID is hidden: the post still reads as its member's,
 * and the same post again under that nick is dropped as a replay.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { RoomRef } from '../../src/background/rooms/room-manager';
import { CHANNEL, NAMES, SITE, threeMembers, type Name } from './rooms-net';

describe('room posts under a channel name that is not the member\'s', () => {
  it('read as the signing member\'s when the channel shows only a nick; the same post again under that nick is dropped', async () => {
    const net = await threeMembers();
    const ana = net.of('ana');
    const created = await ana.rooms.create(SITE, 'ana', CHANNEL, { title: 'team' }, ana.tab);
    const ref = (name: Name): RoomRef => ({ site: SITE, account: name, channel: CHANNEL, roomId: created.roomId });
    for (const name of ['ben', 'cy'] as const) {
      await ana.rooms.invite(ref('ana'), name);
      await net.pump();
      await net.of(name).rooms.accept(SITE, name, created.roomId, CHANNEL, 0, net.of(name).tab);
      await net.pump();
    }
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
