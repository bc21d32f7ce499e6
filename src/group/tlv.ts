/**
 * The room's control record, carried in one OffRecord TLV inside a pairwise OTR data message
 * (so it is encrypted and authenticated as coming from that peer). Type 0x4F52, "OR" in ASCII:
 * far from OTR's 0–8, and libotr, otr.js and OffRecord's engine skip types they do not know
 * (test/interop/group-tlv.test.ts shows it; python-potr alone drops such a message).
 *
 *   BYTE format (1) · 16 room id · name owner · INT list version · BYTE flags ·
 *   [if flags & 1: SHORT n · n × name member] · 16 member-list hash · BYTE op count · ops
 *   op: BYTE type · SHORT length · body
 *     1 invite  name room title · BYTE flags (1: members must be verified)
 *     2 accept  (empty)
 *     3 chain   INT epoch · 32 chain key · INT iteration · 32 Ed25519 public key
 *     4 remove  name member
 *     5 leave   (empty)
 *   name: SHORT length · UTF-8 (1–255 bytes; the title may be empty)
 *
 * An ended epoch's signing secret is not sent here but published in the channel (post.ts).
 *
 * Every record carries the hash of the sender's view of the member list; the list itself only
 * where it is news (invitations and the owner's list changes), so that handing a chain key to
 * every member costs O(members), not O(members²). Only the owner's list is ever adopted.
 * Unknown op types are skipped.
 */
import { equalBytes, fromUtf8, utf8 } from '../otr/bytes';
import { fail } from '../otr/errors';
import type { Tlv } from '../otr/tlv';
import { Reader, Writer } from '../otr/wire';
import { CHAIN_KEY_BYTES, LIST_HASH_BYTES, memberListHash, ROOM_ID_BYTES, SIGNING_KEY_BYTES } from './crypto';
import { MAX_NAME_BYTES } from './post';

export const TLV_GROUP = 0x4f52;
export const GROUP_TLV_FORMAT = 1;
/** Keeps a record (and its fan-out) small; a private room of this size is already unusual. */
export const MAX_MEMBERS = 100;

export type GroupOp =
  | { op: 'invite'; title: string; requireVerified: boolean }
  | { op: 'accept' }
  | { op: 'chain'; epoch: number; chainKey: Uint8Array; iteration: number; signingPublic: Uint8Array }
  | { op: 'remove'; member: string }
  | { op: 'leave' };

export interface GroupRecord {
  roomId: Uint8Array;
  owner: string;
  listVersion: number;
  /** Sorted; null when the record does not carry the list. */
  members: string[] | null;
  /** The hash of the sender's list (decodeGroupRecord checks it against the list when present). */
  listHash: Uint8Array;
  ops: GroupOp[];
}

const FLAG_LIST = 1;

const OP_CODES = { invite: 1, accept: 2, chain: 3, remove: 4, leave: 5 } as const;

function name(w: Writer, text: string, field: string, allowEmpty = false): Writer {
  const bytes = utf8(text);
  if ((!allowEmpty && bytes.length === 0) || bytes.length > MAX_NAME_BYTES) fail('invalid-argument', field, `1 to ${MAX_NAME_BYTES} bytes`);
  return w.short(bytes.length).raw(bytes);
}

function readName(r: Reader, field: string, allowEmpty = false): string {
  const length = r.short(`${field}.length`);
  if ((!allowEmpty && length === 0) || length > MAX_NAME_BYTES) fail('malformed', `group-tlv.${field}`, 'bad length');
  return fromUtf8(r.fixed(length, field), true, `group-tlv.${field}`);
}

function opBody(op: GroupOp): Uint8Array {
  const w = new Writer();
  switch (op.op) {
    case 'invite':
      return name(w, op.title, 'invite.title', true).byte(op.requireVerified ? 1 : 0).finish();
    case 'chain':
      if (op.chainKey.length !== CHAIN_KEY_BYTES || op.signingPublic.length !== SIGNING_KEY_BYTES) fail('invalid-argument', 'chain', 'key length');
      return w.int(op.epoch).raw(op.chainKey).int(op.iteration).raw(op.signingPublic).finish();
    case 'remove':
      return name(w, op.member, 'remove.member').finish();
    case 'accept':
    case 'leave':
      return w.finish();
  }
}

export function encodeGroupRecord(rec: GroupRecord): Tlv {
  if (rec.roomId.length !== ROOM_ID_BYTES) fail('invalid-argument', 'roomId', `expected ${ROOM_ID_BYTES} bytes`);
  if (rec.listHash.length !== LIST_HASH_BYTES) fail('invalid-argument', 'listHash', `expected ${LIST_HASH_BYTES} bytes`);
  if (rec.ops.length > 255) fail('invalid-argument', 'ops', 'at most 255');
  const w = new Writer().byte(GROUP_TLV_FORMAT).raw(rec.roomId);
  name(w, rec.owner, 'owner').int(rec.listVersion).byte(rec.members ? FLAG_LIST : 0);
  if (rec.members) {
    if (rec.members.length > MAX_MEMBERS) fail('invalid-argument', 'members', `at most ${MAX_MEMBERS}`);
    w.short(rec.members.length);
    for (const m of [...rec.members].sort()) name(w, m, 'member');
  }
  w.raw(rec.listHash).byte(rec.ops.length);
  for (const op of rec.ops) {
    const body = opBody(op);
    w.byte(OP_CODES[op.op]).short(body.length).raw(body);
  }
  const value = w.finish();
  if (value.length > 0xffff) fail('invalid-argument', 'group-tlv', 'record longer than 65535 bytes');
  return { type: TLV_GROUP, value };
}

function readOp(code: number, body: Uint8Array): GroupOp | null {
  const r = new Reader(body, 'group-tlv.op');
  let op: GroupOp | null;
  switch (code) {
    case 1:
      op = { op: 'invite', title: readName(r, 'invite.title', true), requireVerified: (r.byte('invite.flags') & 1) === 1 };
      break;
    case 2:
      op = { op: 'accept' };
      break;
    case 3:
      op = { op: 'chain', epoch: r.int('epoch'), chainKey: r.fixed(CHAIN_KEY_BYTES, 'chainKey'), iteration: r.int('iteration'), signingPublic: r.fixed(SIGNING_KEY_BYTES, 'signingPublic') };
      break;
    case 4:
      op = { op: 'remove', member: readName(r, 'remove.member') };
      break;
    case 5:
      op = { op: 'leave' };
      break;
    default:
      return null; // a later format's op: skipped, as OTR skips unknown TLVs
  }
  r.end();
  return op;
}

/** Parses a TLV value; total: a record or an OtrError. The list hash must match the list. */
export function decodeGroupRecord(value: Uint8Array): GroupRecord {
  const r = new Reader(value, 'group-tlv');
  const format = r.byte('format');
  if (format !== GROUP_TLV_FORMAT) fail('unsupported-version', 'group-tlv.format', `format ${format}`);
  const roomId = r.fixed(ROOM_ID_BYTES, 'roomId');
  const owner = readName(r, 'owner');
  const listVersion = r.int('listVersion');
  const flags = r.byte('flags');
  let members: string[] | null = null;
  if (flags & FLAG_LIST) {
    const count = r.short('members.count');
    if (count > MAX_MEMBERS) fail('out-of-range', 'group-tlv.members', `${count} members`);
    members = [];
    for (let i = 0; i < count; i++) members.push(readName(r, 'member'));
    if (new Set(members).size !== members.length) fail('malformed', 'group-tlv.members', 'a member is listed twice');
    members.sort();
  }
  const listHash = r.fixed(LIST_HASH_BYTES, 'listHash');
  if (members && !equalBytes(listHash, memberListHash(roomId, members))) fail('bad-hash', 'group-tlv.listHash', 'does not match the list');
  const opCount = r.byte('ops.count');
  const ops: GroupOp[] = [];
  for (let i = 0; i < opCount; i++) {
    const code = r.byte('op.type');
    const op = readOp(code, r.fixed(r.short('op.length'), 'op.body'));
    if (op) ops.push(op);
  }
  r.end();
  return { roomId, owner, listVersion, members, listHash, ops };
}

/** The room a record is for, so the caller can find the room state to hand it to. */
export function groupRecordRoomId(value: Uint8Array): Uint8Array {
  return new Reader(value, 'group-tlv').fixed(1 + ROOM_ID_BYTES, 'roomId').slice(1);
}
