/**
 * The network for the room tests (issue 13): three members' backgrounds, each with its own
 * database, real OTR between every pair and a room over one channel. It carries what each
 * background hands its content script: pairwise wire texts to the peer's conversation, channel
 * texts to everyone in the channel (the poster too, as sites echo). Not a test file itself.
 */
import 'fake-indexeddb/auto';
import { expect } from 'vitest';
import { ConversationKey } from '../../src/background/conversation-key';
import { followIdentity } from '../../src/background/conversation-life';
import { ConversationStore } from '../../src/background/conversation-store';
import { openDatabase } from '../../src/background/idb';
import { KeyStore } from '../../src/background/key-store';
import { cryptoRandom, inlineGenerator } from '../../src/background/keygen';
import { RoomManager, roomScope, type RoomIncoming, type RoomRef } from '../../src/background/rooms/room-manager';
import { RoomStore } from '../../src/background/rooms/room-store';
import { conversationIdOf, SessionManager, type TabRef } from '../../src/background/session-manager';
import { sessionStoragePersistence } from '../../src/background/session-persistence';
import { TrustStore } from '../../src/background/trust-store';
import type { ContentPush } from '../../src/messaging/ports';
import { conversationStatus } from '../../src/otr/index';
import { freshDbName, TEST_SCRYPT } from './helpers';
import { settle } from './harness';

export const SITE = 'irc';
export const ORIGIN = 'http://localhost:9000';
export const CHANNEL = '#team';
export const NAMES = ['ana', 'ben', 'cy'] as const;
export type Name = (typeof NAMES)[number];

export interface Received {
  from: Name;
  text: string;
  result: RoomIncoming;
}

export interface Member {
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

export async function boot(name: Name, dbName: string, outbox: ContentPush[] = [], received: Received[] = []): Promise<Member> {
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
export async function restart(m: Member): Promise<Member> {
  await m.rooms.idle();
  m.db.close();
  return boot(m.name, m.dbName, m.outbox, m.received);
}

export class Net {
  /** Pairwise texts this returns true for are lost on the way (never reach the peer). */
  lose: ((from: Name, to: Name, text: string) => boolean) | null = null;
  /** The name the channel shows for a poster (a MUC's `room@service/nick`); the member's name by default. */
  posterAs: ((from: Name) => string) | null = null;

  constructor(public members: Member[]) {}

  of(name: Name): Member {
    return this.members.find((m) => m.name === name)!;
  }

  private async deliver(from: Member, conversationId: string, text: string): Promise<void> {
    const peer = NAMES.find((p) => conversationId === conversationIdOf(ORIGIN, SITE, from.name, p));
    if (peer) {
      if (this.lose?.(from.name, peer, text)) return;
      const to = this.of(peer);
      const id = conversationIdOf(ORIGIN, SITE, to.name, from.name);
      const reply = await to.sessions.receive(id, text);
      if (reply.send.length > 0) to.outbox.push({ type: 'send', conversationId: id, texts: reply.send });
      return;
    }
    for (const m of this.members) {
      const result = await m.rooms.receive(SITE, m.name, CHANNEL, this.posterAs?.(from.name) ?? from.name, text, m.tab);
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

/** Under the default policy a peer's query waits for the user's Start (issue 16): m accepts. */
export async function accept(m: Member, peer: Name): Promise<void> {
  const id = conversationIdOf(ORIGIN, SITE, m.name, peer);
  expect((await m.sessions.viewOf(id)).peerAsked).toBe(true);
  await m.sessions.start(id);
}

export async function threeMembers(): Promise<Net> {
  const members: Member[] = [];
  for (const name of NAMES) members.push(await boot(name, freshDbName()));
  const net = new Net(members);
  for (const [a, b] of [['ana', 'ben'], ['ana', 'cy'], ['ben', 'cy']] as const) {
    await net.of(a).sessions.start(conversationIdOf(ORIGIN, SITE, a, b));
    await net.pump();
    await accept(net.of(b), a);
    await net.pump();
  }
  for (const m of members) {
    for (const peer of NAMES.filter((p) => p !== m.name)) {
      expect(conversationStatus(m.sessions.life.records.get(conversationIdOf(ORIGIN, SITE, m.name, peer))!.state).msgstate).toBe('ENCRYPTED');
    }
  }
  return net;
}


/** Ana's room in CHANNEL, ben and cy invited and accepted; `ref(name)` is each one's handle on it. */
export async function roomOfThree(net: Net): Promise<{ roomId: string; ref: (name: Name) => RoomRef }> {
  const ana = net.of('ana');
  const { roomId } = await ana.rooms.create(SITE, 'ana', CHANNEL, { title: 'team' }, ana.tab);
  const ref = (name: Name): RoomRef => ({ site: SITE, account: name, channel: CHANNEL, roomId });
  for (const name of ['ben', 'cy'] as const) {
    await ana.rooms.invite(ref('ana'), name);
    await net.pump();
    await net.of(name).rooms.accept(SITE, name, roomId, CHANNEL, 0, net.of(name).tab);
    await net.pump();
  }
  return { roomId, ref };
}
