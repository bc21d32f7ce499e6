/**
 * What goes into the channel: `?OTR-G:` + base64 + `.`, like an OTR data message but read by
 * every member. Two kinds share the frame:
 *
 *   post:   version, kind 1, room id, sender, epoch, iteration, member-list hash, nonce,
 *           XChaCha20-Poly1305 ciphertext, Ed25519 signature over everything before it.
 *           The header (up to the nonce) is the ciphertext's associated data.
 *   reveal: version, kind 2, room id, sender, epoch, that epoch's signing secret — published
 *           once the epoch ended so that anyone could have signed its posts (deniability, as
 *           OTR reveals old MAC keys). It needs no signature: the secret proves itself against
 *           the public key the members already hold.
 */
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from '../otr/bytes';
import { fail } from '../otr/errors';
import { Reader, Writer } from '../otr/wire';
import { LIST_HASH_BYTES, NONCE_BYTES, ROOM_ID_BYTES, SIGNATURE_BYTES, SIGNING_KEY_BYTES } from './crypto';

export const GROUP_PREFIX = '?OTR-G:';
/** A piece of a long group text (fragment.ts). */
export const GROUP_FRAGMENT_PREFIX = '?OTR-G|';
export const GROUP_VERSION = 1;
export const KIND_POST = 1;
export const KIND_REVEAL = 2;
/** Member names are the chat network's user names; none come near this. */
export const MAX_NAME_BYTES = 255;

export interface PostHeader {
  roomId: Uint8Array;
  sender: string;
  epoch: number;
  iteration: number;
  listHash: Uint8Array;
}

export interface EncodedPost extends PostHeader {
  kind: 'post';
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
  /** The bytes the ciphertext authenticates and the bytes the signature covers. */
  associated: Uint8Array;
  signed: Uint8Array;
}

export interface EncodedReveal {
  kind: 'reveal';
  roomId: Uint8Array;
  sender: string;
  epoch: number;
  signingSecret: Uint8Array;
}

function start(kind: number, roomId: Uint8Array, sender: string, epoch: number): Writer {
  const name = utf8(sender);
  if (roomId.length !== ROOM_ID_BYTES) fail('invalid-argument', 'post.roomId', `expected ${ROOM_ID_BYTES} bytes`);
  if (name.length === 0 || name.length > MAX_NAME_BYTES) fail('invalid-argument', 'post.sender', `1 to ${MAX_NAME_BYTES} bytes`);
  return new Writer().byte(GROUP_VERSION).byte(kind).raw(roomId).short(name.length).raw(name).int(epoch);
}

/** The associated data of a post: everything the receiver must trust before decrypting. */
export function postHeaderBytes(h: PostHeader): Uint8Array {
  if (h.listHash.length !== LIST_HASH_BYTES) fail('invalid-argument', 'post.listHash', `expected ${LIST_HASH_BYTES} bytes`);
  return start(KIND_POST, h.roomId, h.sender, h.epoch).int(h.iteration).raw(h.listHash).finish();
}

export function postBytes(associated: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, signature: Uint8Array): Uint8Array {
  return concatBytes(associated, nonce, ciphertext, signature);
}

export function revealBytes(r: Omit<EncodedReveal, 'kind'>): Uint8Array {
  if (r.signingSecret.length !== SIGNING_KEY_BYTES) fail('invalid-argument', 'reveal.signingSecret', `expected ${SIGNING_KEY_BYTES} bytes`);
  return start(KIND_REVEAL, r.roomId, r.sender, r.epoch).raw(r.signingSecret).finish();
}

export function armorGroup(bytes: Uint8Array): string {
  return GROUP_PREFIX + toBase64(bytes) + '.';
}


/** Whether a channel text is OffRecord group traffic (whole or a piece), whatever room it is for. */
export function isGroupText(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith(GROUP_PREFIX) || t.startsWith(GROUP_FRAGMENT_PREFIX);
}

/** Parses a whole `?OTR-G:` text; total: a value or an OtrError. */
export function decodeGroupText(text: string): EncodedPost | EncodedReveal {
  const trimmed = text.trim();
  if (!trimmed.startsWith(GROUP_PREFIX) || !trimmed.endsWith('.')) fail('malformed', 'group', 'not a ?OTR-G: text');
  const bytes = fromBase64(trimmed.slice(GROUP_PREFIX.length, -1), 'group.base64');
  const r = new Reader(bytes, 'group');
  const version = r.byte('version');
  if (version !== GROUP_VERSION) fail('unsupported-version', 'group.version', `version ${version}`);
  const kind = r.byte('kind');
  const roomId = r.fixed(ROOM_ID_BYTES, 'roomId');
  const nameLength = r.short('sender.length');
  if (nameLength === 0 || nameLength > MAX_NAME_BYTES) fail('malformed', 'group.sender', 'bad length');
  const sender = fromUtf8(r.fixed(nameLength, 'sender'), true, 'group.sender');
  const epoch = r.int('epoch');
  if (kind === KIND_REVEAL) {
    const signingSecret = r.fixed(SIGNING_KEY_BYTES, 'signingSecret');
    r.end();
    return { kind: 'reveal', roomId, sender, epoch, signingSecret };
  }
  if (kind !== KIND_POST) fail('malformed', 'group.kind', `unknown kind ${kind}`);
  const iteration = r.int('iteration');
  const listHash = r.fixed(LIST_HASH_BYTES, 'listHash');
  const headerLength = bytes.length - r.remaining;
  const nonce = r.fixed(NONCE_BYTES, 'nonce');
  // Poly1305's 16-byte tag at least, then the signature.
  if (r.remaining < 16 + SIGNATURE_BYTES) fail('malformed', 'group.ciphertext', 'truncated');
  const ciphertext = r.fixed(r.remaining - SIGNATURE_BYTES, 'ciphertext');
  const signature = r.fixed(SIGNATURE_BYTES, 'signature');
  r.end();
  return {
    kind: 'post',
    roomId,
    sender,
    epoch,
    iteration,
    listHash,
    nonce,
    ciphertext,
    signature,
    associated: bytes.slice(0, headerLength),
    signed: bytes.slice(0, bytes.length - SIGNATURE_BYTES),
  };
}
