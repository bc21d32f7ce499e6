/**
 * Private group rooms in the background (issue 13): three members' backgrounds over the
 * in-test network of rooms-net.ts, real OTR between every pair and a room over one channel.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_INVITES, roomScope, type RoomRef } from '../../src/background/rooms/room-manager';
import { conversationIdOf } from '../../src/background/session-manager';
import { conversationStatus } from '../../src/otr/index';
import { freshDbName } from './helpers';
import { accept, boot, CHANNEL, Net, NAMES, ORIGIN, restart, SITE, threeMembers, type Member, type Name } from './rooms-net';

describe('rooms over three backgrounds', () => {
  it('create, invite, accept, 20 posts each, a restart, a removal; replays and forgeries dropped', async () => {
    const net = await threeMembers();
    const ana = net.of('ana');
    const created = await ana.rooms.create(SITE, 'ana', CHANNEL, { title: 'team' }, ana.tab);
    const ref = (name: Name): RoomRef => ({ site: SITE, account: name, channel: CHANNEL, roomId: created.roomId });

    // Invitations wait for an explicit acceptance.
    for (const name of ['ben', 'cy'] as const) {
      await ana.rooms.invite(ref('ana'), name);
      await net.pump();
      const waiting = net.of(name).rooms.invitations(SITE, name);
      expect(waiting.map((v) => [v.roomId, v.status, v.title])).toEqual([[created.roomId, 'invited', 'team']]);
      await net.of(name).rooms.accept(SITE, name, created.roomId, CHANNEL, 0, net.of(name).tab);
      await net.pump();
      expect(net.of(name).rooms.invitations(SITE, name)).toEqual([]);
    }
    for (const name of NAMES) {
      const view = await net.of(name).rooms.view(ref(name));
      expect(view.status).toBe('active');
      expect(view.members.map((m) => m.name)).toEqual(['ana', 'ben', 'cy']);
      expect(view.members.filter((m) => !m.me).every((m) => m.badge === 'unverified')).toBe(true);
    }

    // 20 posts from each member, UTF-8 included, interleaved.
    const said: Record<Name, string[]> = { ana: [], ben: [], cy: [] };
    for (let i = 0; i < 20; i++) {
      for (const name of NAMES) {
        const text = `${name} ${i}: héllo ✓ 🙂 Ωμέγα`;
        said[name].push(text);
        await net.of(name).rooms.post(ref(name), text, net.of(name).tab);
      }
      await net.pump();
    }
    for (const to of NAMES) {
      for (const from of NAMES.filter((n) => n !== to)) expect(await net.readBy(net.of(to), from)).toEqual(said[from]);
      // Our own posts come back from the channel as our own: a reader shows what we typed.
      expect(net.of(to).received.filter((r) => r.from === to).every((r) => r.result.display === 'own')).toBe(true);
    }

    // Ben's worker restarts: the room and the pairwise sessions come back from disk.
    net.members[1] = await restart(net.of('ben'));
    const ben = net.of('ben');
    for (const name of NAMES) {
      const text = `${name} after restart ✓`;
      said[name].push(text);
      await net.of(name).rooms.post(ref(name), text, net.of(name).tab);
    }
    await net.pump();
    expect((await net.readBy(ben, 'ana')).at(-1)).toBe('ana after restart ✓');
    expect((await net.readBy(net.of('cy'), 'ben')).at(-1)).toBe('ben after restart ✓');

    // Cy is removed: a new epoch, and what is posted later is unreadable to cy.
    await ana.rooms.remove(ref('ana'), 'cy');
    await net.pump();
    expect((await net.of('cy').rooms.view(ref('cy'))).status).toBe('removed');
    expect((await ben.rooms.view(ref('ben'))).members.map((m) => m.name)).toEqual(['ana', 'ben']);
    const cySeen = net.of('cy').received.length;
    await ana.rooms.post(ref('ana'), 'secret after removal', ana.tab);
    await ben.rooms.post(ref('ben'), 'ben, also after removal', ben.tab);
    await net.pump();
    const cyLater = net.of('cy').received.slice(cySeen);
    expect(cyLater.map((r) => r.result.display)).toEqual(['not-a-member', 'not-a-member']);
    for (const r of cyLater) expect(await net.of('cy').sessions.plaintextFor(roomScope(r.result.roomId ?? ''), r.result.messageId)).toBeNull();
    expect((await net.readBy(ben, 'ana')).at(-1)).toBe('secret after removal');
    expect((await net.readBy(ana, 'ben')).at(-1)).toBe('ben, also after removal');

    // A replayed post and a forged one are dropped, never shown.
    const last = ben.received.filter((r) => r.from === 'ana' && r.result.display === 'encrypted').at(-1)!;
    const replay = await ben.rooms.receive(SITE, 'ben', CHANNEL, 'ana', last.text, ben.tab);
    expect(replay.display).toBe('dropped');
    const body = last.text.trim();
    const at = Math.floor(body.length / 2);
    const forged = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
    expect((await ben.rooms.receive(SITE, 'ben', CHANNEL, 'ana', forged, ben.tab)).display).toBe('dropped');
    expect((await ben.rooms.view(ref('ben'))).dropped).toMatchObject({ replay: 1, forged: 1 });
  }, 120_000);

  it('records over conversations not yet private start OTR and go once private; badges follow the trust store; invitations are capped', async () => {
    const members: Member[] = [];
    for (const name of NAMES) members.push(await boot(name, freshDbName()));
    const net = new Net(members);
    const [ana, ben, cy] = members as [Member, Member, Member];
    const created = await ana.rooms.create(SITE, 'ana', CHANNEL, {}, ana.tab);
    const ref: RoomRef = { site: SITE, account: 'ana', channel: CHANNEL, roomId: created.roomId };

    // Nothing private yet: the record cannot go, OTR starts instead, and nothing is invited.
    await ana.rooms.invite(ref, 'ben');
    await net.pump();
    await accept(ben, 'ana');
    await net.pump();
    expect(conversationStatus(ben.sessions.life.records.get(conversationIdOf(ORIGIN, SITE, 'ben', 'ana'))!.state).msgstate).toBe('ENCRYPTED');
    expect(ben.rooms.invitations(SITE, 'ben')).toEqual([]);
    await ana.rooms.invite(ref, 'ben');
    await net.pump();
    expect(ben.rooms.invitations(SITE, 'ben').map((v) => v.roomId)).toEqual([created.roomId]);
    await ben.rooms.accept(SITE, 'ben', created.roomId, CHANNEL, 0, ben.tab);
    await net.pump();

    // A text for a room cy does not hold: "not a member", nothing kept for a reader.
    const { texts } = await ana.rooms.post(ref, 'only for members', ana.tab);
    await net.pump();
    const atCy = cy.received.filter((r) => r.from === 'ana');
    expect(atCy.map((r) => r.result.display)).toEqual(['not-a-member']);
    expect(await cy.sessions.plaintextFor(roomScope(atCy[0]!.result.roomId ?? ''), atCy[0]!.result.messageId)).toBeNull();
    expect(await net.readBy(ben, 'ana')).toEqual(['only for members']);
    expect(texts.every((t) => t.startsWith('?OTR-G'))).toBe(true);

    // The badge comes from the pairwise fingerprint's trust.
    expect((await ana.rooms.view(ref)).members.find((m) => m.name === 'ben')?.badge).toBe('unverified');
    const fingerprint = ana.sessions.refOf(conversationIdOf(ORIGIN, SITE, 'ana', 'ben')).fingerprint!;
    await ana.trust.setTrust(fingerprint, 'manual');
    expect((await ana.rooms.view(ref)).members.find((m) => m.name === 'ben')?.badge).toBe('verified');

    // Cy joins later; every member's chain reaches the newcomer and the newcomer's reaches them.
    await ana.sessions.start(conversationIdOf(ORIGIN, SITE, 'ana', 'cy'));
    await ben.sessions.start(conversationIdOf(ORIGIN, SITE, 'ben', 'cy'));
    await net.pump();
    await accept(cy, 'ana');
    await accept(cy, 'ben');
    await net.pump();
    await ana.rooms.invite(ref, 'cy');
    await net.pump();
    await cy.rooms.accept(SITE, 'cy', created.roomId, CHANNEL, 0, cy.tab);
    await net.pump();
    expect(conversationStatus(cy.sessions.life.records.get(conversationIdOf(ORIGIN, SITE, 'cy', 'ben'))!.state).msgstate).toBe('ENCRYPTED');
    for (const m of [ana, ben, cy]) expect((await m.rooms.view({ ...ref, account: m.name })).members.every((x) => x.me || x.holdsOurKey)).toBe(true);
    await ben.rooms.post({ ...ref, account: 'ben' }, 'welcome, cy', ben.tab);
    await cy.rooms.post({ ...ref, account: 'cy' }, 'thanks, ben', cy.tab);
    await net.pump();
    expect(await net.readBy(cy, 'ben')).toEqual(['welcome, cy']);
    expect(await net.readBy(ben, 'cy')).toEqual(['thanks, ben']);

    // A flood of invitations keeps only the newest MAX_PENDING_INVITES, each still acceptable.
    const flood: string[] = [];
    for (let i = 0; i <= MAX_PENDING_INVITES; i++) {
      const room = await ana.rooms.create(SITE, 'ana', `#room${i}`, {}, ana.tab);
      flood.push(room.roomId);
      await ana.rooms.invite({ site: SITE, account: 'ana', channel: `#room${i}`, roomId: room.roomId }, 'ben');
      await net.pump();
    }
    expect(ben.rooms.invitations(SITE, 'ben').map((v) => v.roomId)).toEqual(flood.slice(1));
    await ben.rooms.accept(SITE, 'ben', flood.at(-1)!, `#room${MAX_PENDING_INVITES}`, 0, ben.tab);
    await net.pump();
    expect((await ben.rooms.view({ site: SITE, account: 'ben', channel: `#room${MAX_PENDING_INVITES}`, roomId: flood.at(-1)! })).status).toBe('active');
  }, 120_000);

  it('an invitation is accepted by itself only for a chat the site calls a channel, never one titled after a 1:1 chat', async () => {
    const net = await threeMembers();
    const [ana, ben] = [net.of('ana'), net.of('ben')];
    // Ben shows #team, a channel, and his 1:1 chat with ana (the site says which is which).
    await ben.sessions.register({ origin: ORIGIN, site: SITE, account: 'ben', peer: CHANNEL, policy: 'manual', fragmentSize: 0, kind: 'channel' }, ben.tab);
    await ben.sessions.register({ origin: ORIGIN, site: SITE, account: 'ben', peer: 'ana', policy: 'manual', fragmentSize: 0, kind: 'direct' }, ben.tab);
    // A room titled "ana": accepted by itself, what Ben types to ana would become room posts.
    const lure = await ana.rooms.create(SITE, 'ana', '#lure', { title: 'ana' }, ana.tab);
    await ana.rooms.invite({ site: SITE, account: 'ana', channel: '#lure', roomId: lure.roomId }, 'ben');
    await net.pump();
    expect(ben.rooms.invitations(SITE, 'ben').map((v) => [v.roomId, v.status])).toEqual([[lure.roomId, 'invited']]);
    expect(ben.rooms.activeRoom(SITE, 'ben', 'ana')).toBeUndefined();
    // A room over the channel Ben shows: joined at once, as before.
    const team = await ana.rooms.create(SITE, 'ana', CHANNEL, { title: CHANNEL }, ana.tab);
    await ana.rooms.invite({ site: SITE, account: 'ana', channel: CHANNEL, roomId: team.roomId }, 'ben');
    await net.pump();
    expect(ben.rooms.activeRoom(SITE, 'ben', CHANNEL)?.roomId).toBe(team.roomId);
    expect(ben.rooms.invitations(SITE, 'ben').map((v) => v.roomId)).toEqual([lure.roomId]);
  });
});
