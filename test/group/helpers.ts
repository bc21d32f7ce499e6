/**
 * A simulated channel for room tests: members whose room state goes through JSON after every
 * step, pairwise records delivered to one member each, channel texts to everyone present
 * (the poster too, as a site echoes one's own posts), with hooks to drop, hold or rewrite.
 */
import { expect } from 'vitest';
import { drbg } from '../otr/helpers';
import {
  acceptInvite,
  type ChannelState,
  collectGroupText,
  createChannel,
  createRoom,
  type GroupEnv,
  type GroupEvent,
  type GroupStepResult,
  groupRecordRoomId,
  groupTextRoomId,
  inviteMember,
  leaveRoom,
  postToRoom,
  readInvite,
  receiveGroupText,
  receiveRecord,
  redistribute,
  removeMember,
  type RoomState,
  type ShownPost,
  type Trust,
} from '../../src/group';
import { fromHex, toHex, utf8 } from '../../src/otr/bytes';
import { memberListHash, ratchet, seal, sign } from '../../src/group/crypto';
import { armorGroup, postBytes, postHeaderBytes } from '../../src/group/post';
import { decodeGroupRecord } from '../../src/group/tlv';
import type { Tlv } from '../../src/otr/tlv';

export { drbg };

export interface Clock {
  ms: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function groupEnv(seed: string, clock: Clock = { ms: 1_700_000_000_000 }): GroupEnv {
  return { random: drbg(seed), now: () => clock.ms };
}

export function roundTrip(state: RoomState): RoomState {
  const parsed = JSON.parse(JSON.stringify(state)) as RoomState;
  expect(parsed).toEqual(state);
  return parsed;
}

export interface Direct {
  from: string;
  to: string;
  tlv: Tlv;
}

export interface ChannelText {
  from: string;
  text: string;
}

export class Member {
  room: RoomState | null = null;
  channel: ChannelState = createChannel();
  readonly shown: ShownPost[] = [];
  readonly events: GroupEvent[] = [];
  /** Channel texts for rooms we do not hold: what the UI shows as "not a member". */
  readonly foreign: string[] = [];
  /** This member's pairwise trust in each other member; absent = unverified. */
  trust: Record<string, Trust> = {};
  /** When set, invitations are accepted as they arrive. */
  autoAccept = true;
  readonly env: GroupEnv;

  constructor(
    readonly name: string,
    readonly net: Net,
  ) {
    this.env = groupEnv(`member/${name}`, net.clock);
  }

  get state(): RoomState {
    if (!this.room) throw new Error(`${this.name} holds no room`);
    return this.room;
  }

  apply(r: GroupStepResult): GroupStepResult {
    this.room = roundTrip(r.state);
    this.shown.push(...r.show);
    this.events.push(...r.events);
    for (const d of r.direct) this.net.directs.push({ from: this.name, to: d.to, tlv: d.tlv });
    for (const text of r.send) this.net.texts.push({ from: this.name, text });
    return r;
  }

  create(title = 'room', opts: { requireVerified?: boolean; maxFragmentSize?: number } = {}): GroupStepResult {
    return this.apply(createRoom(this.env, { me: this.name, title, ...opts }));
  }
  invite(who: string): GroupStepResult {
    return this.apply(inviteMember(this.env, this.state, who, this.trust));
  }
  accept(): GroupStepResult {
    return this.apply(acceptInvite(this.env, this.state, this.net.maxFragmentSize));
  }
  post(text: string): GroupStepResult {
    return this.apply(postToRoom(this.env, this.state, text, this.trust));
  }
  remove(who: string): GroupStepResult {
    return this.apply(removeMember(this.env, this.state, who, this.trust));
  }
  leave(): GroupStepResult {
    return this.apply(leaveRoom(this.env, this.state));
  }
  redistribute(): GroupStepResult {
    return this.apply(redistribute(this.env, this.state, this.trust));
  }

  receiveDirect(d: Direct): void {
    const roomId = toHex(groupRecordRoomId(d.tlv.value));
    const gone = this.room?.status === 'left' || this.room?.status === 'removed';
    const invitation = decodeGroupRecord(d.tlv.value).ops.some((o) => o.op === 'invite');
    if (!this.room || this.room.roomId !== roomId || (gone && invitation)) {
      this.apply(readInvite(this.env, this.name, d.from, d.tlv.value, this.trust));
      if (this.autoAccept) this.accept();
      return;
    }
    this.apply(receiveRecord(this.env, this.state, d.from, d.tlv.value, this.trust));
  }

  receiveText(t: ChannelText): void {
    const c = collectGroupText(this.channel, t.from, t.text);
    this.channel = c.state;
    if (c.complete === undefined) return;
    if (!this.room || groupTextRoomId(c.complete) !== this.room.roomId) return void this.foreign.push(c.complete);
    this.apply(receiveGroupText(this.env, this.state, c.complete));
  }

  texts(): string[] {
    return this.shown.map((p) => `${p.sender}: ${p.text}`);
  }
}

export interface FlushHooks {
  /** Return false to lose a record. */
  direct?: (d: Direct) => boolean;
  /** Return replacement text, or null to lose it. */
  text?: (t: ChannelText) => string | null;
}

export class Net {
  readonly members = new Map<string, Member>();
  /** Site names present in the channel who are not OffRecord members (they still see texts). */
  readonly log: ChannelText[] = [];
  directs: Direct[] = [];
  texts: ChannelText[] = [];
  readonly clock: Clock = { ms: 1_700_000_000_000 };

  constructor(readonly maxFragmentSize = 0) {}

  add(...names: string[]): Member[] {
    return names.map((n) => {
      const m = new Member(n, this);
      this.members.set(n, m);
      return m;
    });
  }

  get(name: string): Member {
    const m = this.members.get(name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  /** Delivers everything queued (and whatever that causes) until nothing is left. */
  flush(hooks: FlushHooks = {}): void {
    for (let rounds = 0; this.directs.length || this.texts.length; rounds++) {
      if (rounds > 10_000) throw new Error('the network does not settle');
      const d = this.directs.shift();
      if (d) {
        if (hooks.direct?.(d) === false) continue;
        this.get(d.to).receiveDirect(d);
        continue;
      }
      const t = this.texts.shift()!;
      this.log.push(t);
      const text = hooks.text ? hooks.text(t) : t.text;
      if (text === null) continue;
      for (const m of this.members.values()) m.receiveText({ from: t.from, text });
    }
  }
}

/** A room made by the first name, with every other name invited and accepted. */
export function roomOf(names: string[], opts: { maxFragmentSize?: number; requireVerified?: boolean } = {}): { net: Net; members: Member[] } {
  const net = new Net(opts.maxFragmentSize ?? 0);
  const members = net.add(...names);
  if (opts.requireVerified) for (const m of members) for (const n of names) if (n !== m.name) m.trust[n] = 'verified';
  members[0]!.create('room', opts);
  net.flush();
  for (const m of members.slice(1)) {
    members[0]!.invite(m.name);
    net.flush();
  }
  return { net, members };
}

/**
 * A post made by hand from a member's sending chain, as a member (or whoever holds the keys)
 * could make it: any iteration, any text, optionally another sender name or signing secret.
 */
export function craftPost(
  from: RoomState,
  opts: { iteration: number; text?: string; sender?: string; signingSecret?: Uint8Array; ciphertext?: Uint8Array; epoch?: number; messageKey?: Uint8Array },
): string {
  const chain = from.sending!;
  let messageKey = opts.messageKey;
  if (!messageKey) {
    let ck = fromHex(chain.chainKey);
    if (opts.iteration < chain.iteration) throw new Error('craftPost goes forward only');
    for (let i = chain.iteration; i < opts.iteration; i++) ck = ratchet(ck).nextChainKey;
    messageKey = ratchet(ck).messageKey;
  }
  const associated = postHeaderBytes({
    roomId: fromHex(from.roomId),
    sender: opts.sender ?? from.me,
    epoch: opts.epoch ?? chain.epoch,
    iteration: opts.iteration,
    listHash: memberListHash(fromHex(from.roomId), from.members),
  });
  const nonce = new Uint8Array(24).fill(7);
  const ciphertext = opts.ciphertext ?? seal(messageKey, nonce, associated, utf8(opts.text ?? 'crafted'));
  const signature = sign(opts.signingSecret ?? fromHex(chain.signingSecret), postBytes(associated, nonce, ciphertext, new Uint8Array()));
  return armorGroup(postBytes(associated, nonce, ciphertext, signature));
}
