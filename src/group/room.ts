/**
 * The state of one private room as this member sees it, and the step that every entry point
 * runs on a copy of it (the shape of src/otr/conversation.ts): plain JSON in, `{ state, send,
 * direct, sent, show, events }` out, random and clock injected.
 *
 * `send` goes into the site's channel (posts and reveals, already split to its limit);
 * `direct` goes to one member each over the pairwise OTR session, as a TLV of a data message.
 */
import { fromHex, toHex } from '../otr/bytes';
import { fail } from '../otr/errors';
import type { RandomBytes } from '../otr/group';
import type { Tlv } from '../otr/tlv';
import type { ReceivingChain, SendingChain } from './chain';
import { CHAIN_KEY_BYTES, memberListHash, signingPublicKey, SIGNING_KEY_BYTES } from './crypto';
import { fragmentGroupText } from './fragment';
import { encodeGroupRecord, type GroupOp } from './tlv';

export interface GroupEnv {
  random: RandomBytes;
  /** Milliseconds; decides when a chain is due for re-keying. */
  now: () => number;
}

/** Pairwise fingerprint trust of each member, as the trust store reports it; absent = unverified. */
export type Trust = 'verified' | 'unverified' | 'changed';
export type TrustMap = Readonly<Record<string, Trust>>;

export type RoomStatus = 'invited' | 'active' | 'left' | 'removed';

/** Why a post or a record was dropped; each is counted in `dropped`. */
export type DropReason =
  | 'malformed'
  | 'other-room'
  | 'non-member'
  | 'forged'
  | 'before-key'
  | 'replay'
  | 'too-far'
  | 'undecryptable'
  | 'unknown-epoch'
  | 'no-key'
  | 'refused';

export interface RoomState {
  format: 1;
  roomId: string;
  title: string;
  me: string;
  owner: string;
  status: RoomStatus;
  /** Sorted; changed only through setMembers, which keeps listHash with it. */
  members: string[];
  /** Hash of roomId and members (hex), kept so a post costs the same whatever the room's size. */
  listHash: string;
  listVersion: number;
  /** Members who left, until the owner's list stops naming them (so a stale list cannot re-add them). */
  departed: string[];
  /** Invitations the owner sent that are not yet accepted. */
  invited: string[];
  requireVerified: boolean;
  maxFragmentSize: number;
  sending: SendingChain | null;
  /** Members who hold our current chain. */
  sentTo: string[];
  /**
   * The chain key and iteration of our current epoch as handed to each member, kept until the
   * epoch ends so the hand-over can be sent again when the pairwise session is set up anew (two
   * AKEs crossing can leave the first record unreadable to its receiver). It derives our posts
   * from that iteration on, as the member's own copy does; sealed at rest like the rest.
   */
  handover?: Record<string, { epoch: number; chainKey: string; iteration: number }>;
  /** Every other member's chains, oldest epoch first, at most MAX_EPOCHS_KEPT each. */
  chains: Record<string, ReceivingChain[]>;
  /** Posts that came before their sender's chain key did; retried when it arrives. */
  waiting: string[];
  /**
   * Records from someone the owner's newer list names but whose list has not reached us yet
   * (pairwise sessions race); handled once we adopt that list. Hex values.
   */
  early: { from: string; value: string }[];
  dropped: Partial<Record<DropReason, number>>;
}

export interface ShownPost {
  sender: string;
  text: string;
  epoch: number;
  iteration: number;
  /** False once the sender published the epoch's signing key: anyone could have signed it. */
  verified: boolean;
  /** The post was made under another member list than ours. */
  listMismatch: boolean;
  /** The whole channel text that carried it (a post shown after waiting for its key is found by it). */
  wire: string;
}

export interface DirectRecord {
  to: string;
  tlv: Tlv;
}

export type GroupEvent =
  | { type: 'invited'; roomId: string; title: string; owner: string; members: string[] }
  | { type: 'members'; members: string[]; added: string[]; removed: string[] }
  | { type: 'epoch'; epoch: number; reason: 'start' | 'membership' | 'rekey' }
  | { type: 'withheld'; member: string; reason: 'key-changed' | 'unverified' }
  | { type: 'dropped'; reason: DropReason; sender?: string; detail?: string }
  | { type: 'own-post'; epoch: number; iteration: number }
  /** A post for this room that we cannot read: we are not (or no longer, or not yet) a member. */
  | { type: 'not-member' }
  | { type: 'not-yet-member' }
  | { type: 'removed' }
  | { type: 'left' };

export interface GroupStepResult {
  state: RoomState;
  send: string[];
  direct: DirectRecord[];
  /** Our own posts in `send`, with the channel texts that carry each. */
  sent: { text: string; wire: string[] }[];
  show: ShownPost[];
  events: GroupEvent[];
}

/** Current and previous epochs of each sender: enough for posts still in flight at a re-key. */
export const MAX_EPOCHS_KEPT = 3;
/** Posts kept while their sender's chain key is on its way over the pairwise session. */
export const MAX_WAITING_POSTS = 64;
/** Records held for a list still on its way. */
export const MAX_EARLY_RECORDS = 16;
/** Re-key after this many posts or this long, whichever comes first. */
export const REKEY_POSTS = 100;
export const REKEY_MS = 7 * 24 * 60 * 60 * 1000;

function copyRoom(state: RoomState): RoomState {
  return JSON.parse(JSON.stringify(state)) as RoomState;
}

export function newSendingChain(env: GroupEnv, epoch: number): SendingChain {
  const secret = env.random(SIGNING_KEY_BYTES);
  return {
    epoch,
    chainKey: toHex(env.random(CHAIN_KEY_BYTES)),
    iteration: 0,
    signingSecret: toHex(secret),
    signingPublic: toHex(signingPublicKey(secret)),
    startedAt: env.now(),
    posts: 0,
  };
}

export function listHashOf(state: RoomState): Uint8Array {
  return fromHex(state.listHash);
}

export function setMembers(state: RoomState, members: readonly string[]): void {
  state.members = [...members].sort();
  state.listHash = toHex(memberListHash(fromHex(state.roomId), state.members));
}

/** Collects what one step sends, shows and reports. */
export class RoomStep {
  readonly send: string[] = [];
  readonly direct: DirectRecord[] = [];
  readonly sent: { text: string; wire: string[] }[] = [];
  readonly show: ShownPost[] = [];
  readonly events: GroupEvent[] = [];
  constructor(
    readonly env: GroupEnv,
    readonly state: RoomState,
  ) {}

  /** A control record to one member; `withList` when it must carry the list itself. */
  record(to: string, ops: GroupOp[], withList = false): void {
    const s = this.state;
    const members = withList ? s.members : null;
    this.direct.push({ to, tlv: encodeGroupRecord({ roomId: fromHex(s.roomId), owner: s.owner, listVersion: s.listVersion, members, listHash: listHashOf(s), ops }) });
  }

  /** A text for the channel, split to the site's limit. */
  channel(text: string): string[] {
    const pieces = fragmentGroupText(text, this.state.maxFragmentSize, this.env.random);
    this.send.push(...pieces);
    return pieces;
  }

  drop(reason: DropReason, sender?: string, detail?: string): void {
    this.state.dropped[reason] = (this.state.dropped[reason] ?? 0) + 1;
    const e: GroupEvent = { type: 'dropped', reason };
    if (sender !== undefined) e.sender = sender;
    if (detail !== undefined) e.detail = detail;
    this.events.push(e);
  }

  others(): string[] {
    return this.state.members.filter((m) => m !== this.state.me);
  }

  result(): GroupStepResult {
    return { state: this.state, send: this.send, direct: this.direct, sent: this.sent, show: this.show, events: this.events };
  }
}

export function runRoom(env: GroupEnv, state: RoomState, body: (step: RoomStep) => void): GroupStepResult {
  const step = new RoomStep(env, copyRoom(state));
  body(step);
  return step.result();
}

export function requireActive(state: RoomState): void {
  if (state.status !== 'active') fail('bad-state', 'room.status', `the room is ${state.status}`);
}
