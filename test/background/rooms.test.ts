/**
 * Private group rooms in the background (issue 13): three members' backgrounds, each with its
 * own database, real OTR between every pair and a room over one channel. An in-test network
 * carries what each background hands its content script: pairwise wire texts to the peer's
 * conversation, channel texts to everyone in the channel (the poster too, as sites echo).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ConversationKey } from '../../src/background/conversation-key';
import { followIdentity } from '../../src/background/conversation-life';
import { ConversationStore } from '../../src/background/conversation-store';
import { openDatabase } from '../../src/background/idb';
import { KeyStore } from '../../src/background/key-store';
import { cryptoRandom, inlineGenerator } from '../../src/background/keygen';
import { MAX_PENDING_INVITES, RoomManager, roomScope, type RoomIncoming, type RoomRef } from '../../src/background/rooms/room-manager';
import { RoomStore } from '../../src/background/rooms/room-store';
import { conversationIdOf, SessionManager, type TabRef } from '../../src/background/session-manager';
import { sessionStoragePersistence } from '../../src/background/session-persistence';
import { TrustStore } from '../../src/background/trust-store';
import type { ContentPush } from '../../src/messaging/ports';
import { conversationStatus } from '../../src/otr/index';
import { freshDbName, TEST_SCRYPT } from './helpers';
import { settle } from './harness';

const SITE = 'irc';
const ORIGIN = 'http://localhost:9000';
const CHANNEL = '#team';
const NAMES = ['ana', 'ben', 'cy'] as const;
type Name = (typeof NAMES)[number];

interface Received {
  from: Name;
  text: string;
  result: RoomIncoming;
}

interface Member {
  name: Name;
  dbName: string;
  db: IDBDatabase;
  sessions: SessionManager;
  rooms: RoomManager;
  trust: TrustStore;
  tab: TabRef;
  outbox: ContentPush[];
  received: Received[];
}

async function boot(name: Name, dbName: string, outbox: ContentPush[] = [], received: Received[] = []): Promise<Member> {
  const db = await openDatabase(dbName);
  const keys = new KeyStore(db, { generator: inlineGenerator, random: cryptoRandom, scrypt: TEST_SCRYPT });
  const conversationKey = new ConversationKey(db, cryptoRandom, keys);
  const trust = new TrustStore(db);
  const env = { random: cryptoRandom, now: Date.now };
  const toContent = (_tab: TabRef, push: ContentPush) => void outbox.push(JSON.parse(JSON.stringify(push)) as ContentPush);
  const sessions = new SessionManager({
    keys, trust, persistence: sessionStoragePersistence(`rooms-${name}:`), store: new ConversationStore(db, conversationKey, cryptoRandom), env, notify: () => undefined, toContent,
  });
  keys.onStatus((status) => void followIdentity(status, conversationKey, sessions.life));
  await keys.init();
  await keys.whenReady();
  await sessions.restore();
  const rooms = new RoomManager({ sessions, trust, store: new RoomStore(db, conversationKey, cryptoRandom), env, toContent });
  await rooms.restore();
  const tab = { tabId: 1, frameId: 0 };
  for (const peer of NAMES) if (peer !== name) await sessions.register({ origin: ORIGIN, site: SITE, account: name, peer, policy: 'manual', fragmentSize: 0 }, tab);
  return { name, dbName, db, sessions, rooms, trust, tab, outbox, received };
}

/** The worker restarts: a new background on the same database and storage.session. */
async function restart(m: Member): Promise<Member> {
  await m.rooms.idle();
  m.db.close();
  return boot(m.name, m.dbName, m.outbox, m.received);
}

class Net {
  constructor(public members: Member[]) {}

  of(name: Name): Member {
    return this.members.find((m) => m.name === name)!;
  }

  private async deliver(from: Member, conversationId: string, text: string): Promise<void> {
    const peer = NAMES.find((p) => conversationId === conversationIdOf(ORIGIN, SITE, from.name, p));
    if (peer) {
      const to = this.of(peer);
      const id = conversationIdOf(ORIGIN, SITE, to.name, from.name);
      const reply = await to.sessions.receive(id, text);
      if (reply.send.length > 0) to.outbox.push({ type: 'send', conversationId: id, texts: reply.send });
      return;
    }
    for (const m of this.members) {
      const result = await m.rooms.receive(SITE, m.name, CHANNEL, from.name, text, m.tab);
      m.received.push({ from: from.name, text, result });
    }
  }

  /** Carries everything until no background has anything left to hand its page. */
  async pump(): Promise<void> {
    for (let round = 0; round < 500; round++) {
      await settle();
      await Promise.all(this.members.map((m) => m.rooms.idle()));
      let moved = false;
      for (const m of this.members) {
        for (const push of m.outbox.splice(0)) {
          if (push.type !== 'send') continue;
          moved = true;
          for (const text of push.texts) await this.deliver(m, push.conversationId, text);
        }
      }
      if (!moved) return;
    }
    throw new Error('the network did not settle');
  }

  /** Posts of `from` that `to` could read, in order, as its reader frames get them. */
  async readBy(to: Member, from: Name): Promise<string[]> {
    const out: string[] = [];
    for (const r of to.received.filter((x) => x.from === from && x.result.display === 'encrypted')) {
      const text = await to.sessions.plaintextFor(roomScope(r.result.roomId ?? ''), r.result.messageId, to.tab.tabId);
      if (text !== null) out.push(text);
    }
    return out;
  }
}

async function threeMembers(): Promise<Net> {
  const members: Member[] = [];
  for (const name of NAMES) members.push(await boot(name, freshDbName()));
  const net = new Net(members);
  for (const [a, b] of [['ana', 'ben'], ['ana', 'cy'], ['ben', 'cy']] as const) {
    await net.of(a).sessions.start(conversationIdOf(ORIGIN, SITE, a, b));
    await net.pump();
  }
  for (const m of members) {
    for (const peer of NAMES.filter((p) => p !== m.name)) {
      expect(conversationStatus(m.sessions.life.records.get(conversationIdOf(ORIGIN, SITE, m.name, peer))!.state).msgstate).toBe('ENCRYPTED');
    }
  }
  return net;
}

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
});
