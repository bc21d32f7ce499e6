/**
 * Private group rooms in the background (issue 13): the pure engine of src/group wired to the
 * pairwise conversations (SessionManager), the trust store, IndexedDB (room-store.ts) and the
 * page. Rooms live per (site, account, channel); every step on an account's rooms runs on that
 * account's promise chain, so each room has one writer whatever the number of tabs. As with
 * conversations, a step is on disk before its channel texts go to a page, its records go to
 * a pairwise session, or a reader may get its plaintext.
 *
 * Pairwise records are TLV_GROUP TLVs; SessionManager hands received ones over (onTlv) on the
 * conversation's own chain, and they are queued here, never awaited there. An invitation
 * waits, under the channel '' of its account, until the user accepts it into a channel.
 */
import {
  acceptInvite, collectGroupText, leaveRoom, resendChain, createChannel, createRoom, groupRecordRoomId, groupTextRoomId, inviteMember, isGroupText, markUndelivered, postToRoom,
  readInvite, receiveGroupText, MAX_WAITING_POSTS, receiveRecord, redistribute, removeMember, roomView, TLV_GROUP, type GroupEnv, type GroupStepResult, type RoomState, type RoomView,
} from '../../group/index';
import { fromHex, toHex } from '../../otr/bytes';
import { isOtrError } from '../../otr/errors';
import { messageIdOf } from '../../messaging/message-id';
import type { ContentPush } from '../../messaging/ports';
import { storeFail } from '../errors';
import type { SessionManager, TabRef, TlvSource } from '../session-manager';
import type { TrustStore } from '../trust-store';
import { channelIdOf, type RoomLoadProblem, type RoomStore, type StoredChannel } from './room-store';
import { roomTrust } from './room-trust';

export interface RoomDeps {
  sessions: SessionManager;
  trust: TrustStore;
  store: RoomStore;
  env: GroupEnv;
  /** Channel texts go to the content script of the tab showing the channel, as other sends. */
  toContent(tab: TabRef, push: ContentPush): void;
  /** A room in this channel changed: the channel's view (lock, popup) is pushed again. */
  changed?(site: string, account: string, channel: string): void;
}

export interface RoomRef {
  site: string;
  account: string;
  channel: string;
  roomId: string;
}

/**
 * What the page shows for a channel text: 'encrypted' (a reader frame gets the plaintext),
 * 'unverifiable' (readable, but its epoch's signing key is public), 'own' (our own post: a
 * reader shows what we typed, if this browser still holds it), 'hidden' (a key reveal),
 * 'partial' (a piece of a longer text), 'waiting' (its sender's key has not come yet: asked
 * again once the room changes, it reads as 'encrypted' if the key came), 'not-a-member' ("private room post —
 * not a member"), 'not-yet-member' (an invitation not accepted yet), 'dropped' (forged,
 * replayed, from a non-member, malformed: never shown).
 */
export type RoomDisplay = 'encrypted' | 'unverifiable' | 'own' | 'hidden' | 'waiting' | 'partial' | 'not-a-member' | 'not-yet-member' | 'dropped';

export interface RoomIncoming {
  messageId: string;
  display: RoomDisplay;
  roomId?: string;
  sender?: string;
}

/** The channel that holds invitations not yet accepted. */
const INVITES = '';
/** Invitations kept per account: a peer sending many cannot grow the state without bound. */
export const MAX_PENDING_INVITES = 20;
/** Rooms a channel may hold before an invitation to another waits in the popup for the user. */
export const MAX_ROOMS_ACCEPTED_AT_ONCE = 8;

/** Where a room's plaintext is kept for reader frames, apart from every conversation's. */
export function roomScope(roomId: string): string {
  return `room:${roomId}`;
}

export class RoomManager {
  private channels = new Map<string, StoredChannel>();
  private chains = new Map<string, Promise<unknown>>();
  /** The tab that last showed each channel: where texts made by pairwise records go. */
  private tabs = new Map<string, TabRef>();
  /**
   * The page conversation showing each channel: channel texts are pushed under its id, and a
   * room's plaintext is kept under it, so only reader frames of a tab showing that channel get it.
   */
  private scopes = new Map<string, string>();
  private fragmentSizes = new Map<string, number>();
  /**
   * Posts that came before their sender's key, by channel text: the message id the page saw
   * (the last piece's). In memory only: after a restart such a post stays unread.
   */
  private awaiting = new Map<string, { messageId: string; tabIds: number[] }>();
  /** Posts read once their key came, by message id, until the page asks again. */
  private late = new Map<string, { roomId: string; sender: string }>();
  problems: RoomLoadProblem[] = [];

  constructor(private readonly deps: RoomDeps) {
    deps.sessions.onTlv = (from, tlvType, value) => {
      if (tlvType === TLV_GROUP) void this.record(from, value).catch(() => undefined);
    };
    deps.sessions.onPrivate = (peer) => void this.sendWaiting(peer).catch(() => undefined);
  }

  /** The channel is shown in `tab` as the page conversation `conversationId`. */
  showing(site: string, account: string, channel: string, tab: TabRef, conversationId: string, fragmentSize?: number): void {
    const id = channelIdOf(site, account, channel);
    this.tabs.set(id, tab);
    this.scopes.set(id, conversationId);
    if (fragmentSize !== undefined) this.fragmentSizes.set(id, fragmentSize);
  }

  private scopeOf(c: StoredChannel, roomId: string): string {
    return this.scopes.get(c.id) ?? roomScope(roomId);
  }

  async restore(): Promise<void> {
    const loaded = await this.deps.store.loadAll();
    this.problems = loaded.problems;
    for (const c of loaded.channels) this.channels.set(c.id, c);
  }

  private serial<T>(site: string, account: string, fn: () => Promise<T>): Promise<T> {
    const id = channelIdOf(site, account, '');
    const prev = this.chains.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.chains.set(id, run.catch(() => undefined));
    return run;
  }

  /** Resolves once every queued step (pairwise records included) has run. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chains.values()];
      await Promise.all(pending);
      if ([...this.chains.values()].every((p, i) => p === pending[i]) && this.chains.size === pending.length) return;
    }
  }

  private channel(site: string, account: string, channel: string): StoredChannel {
    const id = channelIdOf(site, account, channel);
    let c = this.channels.get(id);
    if (!c) {
      c = { id, site, account, channel, fragments: createChannel(), rooms: {} };
      this.channels.set(id, c);
    }
    return c;
  }

  private room(ref: RoomRef): { c: StoredChannel; state: RoomState } {
    const c = this.channels.get(channelIdOf(ref.site, ref.account, ref.channel));
    const state = c?.rooms[ref.roomId];
    if (!c || !state) storeFail('not-found', 'no such room in this channel');
    return { c, state };
  }

  private trustFor(c: StoredChannel, names: readonly string[]) {
    return roomTrust(this.deps.trust, this.deps.sessions, c.site, c.account, names);
  }

  /**
   * Keeps a step: on disk first, then its channel texts to the page, its records to each
   * member's pairwise session (one that cannot go now is marked for sending again), and the
   * plaintext of our own posts for the reader frames.
   */
  private async commit(c: StoredChannel, result: GroupStepResult, tab?: TabRef): Promise<RoomState> {
    let state = result.state;
    c.rooms[state.roomId] = state;
    await this.deps.store.put(c);
    for (const m of result.sent) {
      const last = m.wire[m.wire.length - 1];
      if (last) await this.deps.sessions.keepForReaders(this.scopeOf(c, state.roomId), messageIdOf(last), m.text, tab ? [tab.tabId] : []);
    }
    // Posts that waited for their key, read in this step (a chain arrived).
    for (const post of result.show) {
      const waited = this.awaiting.get(post.wire);
      if (!waited) continue;
      this.awaiting.delete(post.wire);
      await this.deps.sessions.keepForReaders(this.scopeOf(c, state.roomId), waited.messageId, post.text, waited.tabIds);
      this.late.set(waited.messageId, { roomId: state.roomId, sender: post.sender });
    }
    const target = tab ?? this.tabs.get(c.id);
    if (result.send.length > 0 && target) this.deps.toContent(target, { type: 'send', conversationId: this.scopes.get(c.id) ?? c.id, texts: result.send });
    let undelivered = false;
    for (const d of result.direct) {
      if (await this.deps.sessions.sendTlvs(c.site, c.account, d.to, [d.tlv])) continue;
      state = markUndelivered(state, d.to);
      undelivered = true;
    }
    if (undelivered) {
      c.rooms[state.roomId] = state;
      await this.deps.store.put(c);
    }
    if (c.channel !== INVITES) this.deps.changed?.(c.site, c.account, c.channel);
    return state;
  }

  /** A new room in a channel, with us as owner and only member. */
  create(site: string, account: string, channel: string, opts: { title?: string; requireVerified?: boolean; maxFragmentSize?: number } = {}, tab?: TabRef): Promise<RoomView> {
    return this.serial(site, account, async () => {
      const c = this.channel(site, account, channel);
      if (tab) this.tabs.set(c.id, tab);
      const state = await this.commit(c, createRoom(this.deps.env, { me: account, ...opts }), tab);
      return roomView(state, {});
    });
  }

  invite(ref: RoomRef, member: string): Promise<RoomView> {
    return this.step(ref, async (c, state) => inviteMember(this.deps.env, state, member, await this.trustFor(c, [member])));
  }

  remove(ref: RoomRef, member: string): Promise<RoomView> {
    return this.step(ref, async (c, state) => removeMember(this.deps.env, state, member, await this.trustFor(c, state.members)));
  }

  leave(ref: RoomRef): Promise<RoomView> {
    return this.step(ref, async (_c, state) => leaveRoom(this.deps.env, state));
  }

  /** The room a channel's posts go to: the active one (a channel holds at most one at a time). */
  activeRoom(site: string, account: string, channel: string): RoomRef | undefined {
    const c = this.channels.get(channelIdOf(site, account, channel));
    const state = c && Object.values(c.rooms).find((r) => r.status === 'active');
    return state ? { site, account, channel, roomId: state.roomId } : undefined;
  }

  /** What the lock and the popup show for a channel: its active room, else the last one. */
  async summary(site: string, account: string, channel: string): Promise<RoomView | undefined> {
    const c = this.channels.get(channelIdOf(site, account, channel));
    if (!c || channel === INVITES) return undefined;
    const rooms = Object.values(c.rooms);
    const state = rooms.find((r) => r.status === 'active') ?? rooms[rooms.length - 1];
    return state ? roomView(state, await this.trustFor(c, state.members)) : undefined;
  }

  private step(ref: RoomRef, fn: (c: StoredChannel, state: RoomState) => Promise<GroupStepResult>): Promise<RoomView> {
    return this.serial(ref.site, ref.account, async () => {
      const { c, state } = this.room(ref);
      const next = await this.commit(c, await fn(c, state));
      return roomView(next, await this.trustFor(c, next.members));
    });
  }

  /** Invitations waiting for the user, for this account. */
  invitations(site: string, account: string): RoomView[] {
    const c = this.channels.get(channelIdOf(site, account, INVITES));
    return c ? Object.values(c.rooms).map((s) => roomView(s, {})) : [];
  }

  /** The user accepted an invitation, into the channel the room lives in. */
  accept(site: string, account: string, roomId: string, channel: string, maxFragmentSize = 0, tab?: TabRef): Promise<RoomView> {
    if (channel === INVITES) storeFail('invalid', 'a room needs a channel');
    return this.serial(site, account, () => this.acceptNow(site, account, roomId, channel, maxFragmentSize, tab));
  }

  private async acceptNow(site: string, account: string, roomId: string, channel: string, maxFragmentSize: number, tab?: TabRef): Promise<RoomView> {
    const invites = this.room({ site, account, channel: INVITES, roomId });
    const c = this.channel(site, account, channel);
    if (tab) this.tabs.set(c.id, tab);
    const state = await this.commit(c, acceptInvite(this.deps.env, invites.state, maxFragmentSize), tab);
    delete invites.c.rooms[roomId];
    await this.deps.store.put(invites.c);
    return roomView(state, await this.trustFor(c, state.members));
  }

  /** Encrypts a post once; its channel texts go to `tab` (and are returned). */
  post(ref: RoomRef, text: string, tab?: TabRef): Promise<{ texts: string[] }> {
    return this.serial(ref.site, ref.account, async () => {
      const { c, state: stored } = this.room(ref);
      if (tab) this.tabs.set(c.id, tab);
      // The site's limit as the page last said (it may differ from when the room was joined).
      const size = this.fragmentSizes.get(c.id);
      const state = size === undefined || size === stored.maxFragmentSize ? stored : { ...stored, maxFragmentSize: size };
      const result = postToRoom(this.deps.env, state, text, await this.trustFor(c, state.members));
      await this.commit(c, result, tab);
      return { texts: result.send };
    });
  }

  /**
   * A group text seen in the channel, `from` being the site's name for its poster. The answer
   * never carries plaintext: a reader frame asks SessionManager.plaintextFor(messageId).
   */
  receive(site: string, account: string, channel: string, from: string, text: string, tab?: TabRef): Promise<RoomIncoming> {
    const messageId = messageIdOf(text);
    if (!isGroupText(text)) return Promise.resolve({ messageId, display: 'dropped' });
    return this.serial(site, account, async () => {
      const c = this.channel(site, account, channel);
      if (tab) this.tabs.set(c.id, tab);
      const late = this.late.get(messageId);
      if (late) {
        this.late.delete(messageId);
        return { messageId, roomId: late.roomId, display: 'encrypted', sender: late.sender };
      }
      // Asked again while its key is still on its way.
      if ([...this.awaiting.values()].some((w) => w.messageId === messageId)) return { messageId, display: 'waiting' };
      const collected = collectGroupText(c.fragments, from, text);
      c.fragments = collected.state;
      if (collected.complete === undefined) {
        await this.deps.store.put(c);
        return { messageId, display: 'partial' };
      }
      const roomId = groupTextRoomId(collected.complete);
      const state = roomId === null ? undefined : c.rooms[roomId];
      if (!state) {
        await this.deps.store.put(c);
        const invited = roomId !== null && this.channels.get(channelIdOf(site, account, INVITES))?.rooms[roomId] !== undefined;
        return roomId === null ? { messageId, display: 'dropped' } : { messageId, roomId, display: invited ? 'not-yet-member' : 'not-a-member' };
      }
      const result = receiveGroupText(this.deps.env, state, collected.complete);
      if (result.state.waiting.includes(collected.complete) && !state.waiting.includes(collected.complete)) {
        this.awaiting.set(collected.complete, { messageId, tabIds: tab ? [tab.tabId] : [] });
        for (const old of [...this.awaiting.keys()].slice(0, Math.max(0, this.awaiting.size - MAX_WAITING_POSTS))) this.awaiting.delete(old);
        await this.commit(c, result, tab);
        return { messageId, roomId: state.roomId, display: 'waiting' };
      }
      await this.commit(c, result, tab);
      return { messageId, roomId: state.roomId, ...(await this.displayOf(c, result, messageId, tab)) };
    });
  }

  private async displayOf(c: StoredChannel, result: GroupStepResult, messageId: string, tab?: TabRef): Promise<{ display: RoomDisplay; sender?: string }> {
    const post = result.show[0];
    if (post) {
      await this.deps.sessions.keepForReaders(this.scopeOf(c, result.state.roomId), messageId, post.text, tab ? [tab.tabId] : []);
      return { display: post.verified ? 'encrypted' : 'unverifiable', sender: post.sender };
    }
    for (const e of result.events) {
      if (e.type === 'own-post') return { display: 'own' };
      if (e.type === 'not-member') return { display: 'not-a-member' };
      if (e.type === 'not-yet-member') return { display: 'not-yet-member' };
    }
    return { display: result.events.some((e) => e.type === 'dropped') ? 'dropped' : 'hidden' };
  }

  /** A TLV_GROUP record from the pairwise conversation with `from.peer`. */
  private record(from: TlvSource, hex: string): Promise<void> {
    return this.serial(from.site, from.account, async () => {
      let value: Uint8Array;
      let roomId: string;
      try {
        value = fromHex(hex);
        roomId = toHex(groupRecordRoomId(value));
      } catch (e) {
        if (!isOtrError(e)) throw e;
        return;
      }
      const held = [...this.channels.values()].find((c) => c.site === from.site && c.account === from.account && c.channel !== INVITES && c.rooms[roomId]);
      if (held) {
        const state = held.rooms[roomId]!;
        const trust = await this.trustFor(held, [...state.members, ...state.invited, from.peer]);
        const next = await this.commit(held, receiveRecord(this.deps.env, state, from.peer, value, trust));
        // Their record proves the pairwise conversation private: our chain can go if it waited.
        if (next.status === 'active' && next.members.includes(from.peer) && !next.sentTo.includes(from.peer)) {
          await this.commit(held, redistribute(this.deps.env, next, await this.trustFor(held, next.members)));
        }
        return;
      }
      const invites = this.channel(from.site, from.account, INVITES);
      if (invites.rooms[roomId]) return;
      try {
        const result = readInvite(this.deps.env, from.account, from.peer, value, await this.trustFor(invites, [from.peer]));
        // The oldest invitation goes first past the cap (objects keep insertion order).
        for (const old of Object.keys(invites.rooms).slice(0, Math.max(0, Object.keys(invites.rooms).length + 1 - MAX_PENDING_INVITES))) delete invites.rooms[old];
        await this.commit(invites, result);
        // The room names its channel (its title): when we show that channel, OffRecord accepts
        // at once, so joining needs no second step; otherwise the invitation waits in the popup.
        // Only a chat the site calls a channel: a room titled after a 1:1 chat would otherwise
        // turn what we type to that person into posts under the inviter's keys. And only while
        // the channel holds few rooms, since each invitation accepted here leaves the capped list.
        const channel = result.state.title;
        const shown = channel === INVITES ? undefined : this.deps.sessions.contactConversation(from.site, from.account, channel, 'channel');
        const held = Object.keys(this.channels.get(channelIdOf(from.site, from.account, channel))?.rooms ?? {}).length;
        if (shown !== undefined && held < MAX_ROOMS_ACCEPTED_AT_ONCE) {
          const id = channelIdOf(from.site, from.account, channel);
          if (!this.scopes.has(id)) this.scopes.set(id, shown);
          await this.acceptNow(from.site, from.account, result.state.roomId, channel, this.fragmentSizes.get(id) ?? this.deps.sessions.refOf(shown).fragmentSize);
        }
      } catch (e) {
        // Anything but an invitation for a room we do not hold is ignored, as libotr ignores
        // TLVs it does not know.
        if (!isOtrError(e)) throw e;
      }
    });
  }

  /**
   * A pairwise conversation became private: our chain goes to that member in every room where
   * it could not go before (markUndelivered), as far as trust allows.
   */
  private sendWaiting(peer: TlvSource): Promise<void> {
    return this.serial(peer.site, peer.account, async () => {
      for (const c of this.channels.values()) {
        if (c.site !== peer.site || c.account !== peer.account || c.channel === INVITES) continue;
        for (const state of Object.values(c.rooms)) {
          if (state.status !== 'active' || !state.members.includes(peer.peer)) continue;
          // Already handed over: the session may have been set up anew since (AKEs crossing),
          // so the same hand-over goes again; the member ignores a copy it already holds.
          if (state.sentTo.includes(peer.peer)) await this.commit(c, resendChain(this.deps.env, state, peer.peer));
          else await this.commit(c, redistribute(this.deps.env, state, await this.trustFor(c, state.members)));
        }
      }
    });
  }

  /** A room's view for the popup, with members' trust badges. */
  async view(ref: RoomRef): Promise<RoomView> {
    const { c, state } = this.room(ref);
    return roomView(state, await this.trustFor(c, state.members));
  }
}
