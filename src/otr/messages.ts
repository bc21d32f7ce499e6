/**
 * Encoded OTR messages (spec: "OTR Messages": "?OTR:" base64 "."): the common header and the
 * five message types of versions 2 and 3. Decoding is total: a value or an OtrError.
 */
import { fromBase64, toBase64 } from './bytes';
import { fail } from './errors';
import { isValidInstanceTag } from './instance-tag';
import { Reader, Writer } from './wire';

export const MSG_DH_COMMIT = 0x02;
export const MSG_DATA = 0x03;
export const MSG_DH_KEY = 0x0a;
export const MSG_REVEAL_SIGNATURE = 0x11;
export const MSG_SIGNATURE = 0x12;

export const FLAG_IGNORE_UNREADABLE = 0x01;

export interface Header {
  version: 2 | 3;
  type: number;
  /** v3 only; 0 in v2. */
  senderTag: number;
  receiverTag: number;
}

export interface DhCommit { encryptedGx: Uint8Array; hashedGx: Uint8Array }
export interface DhKey { gy: bigint }
export interface RevealSignature { revealedKey: Uint8Array; encryptedSignature: Uint8Array; mac: Uint8Array }
export interface Signature { encryptedSignature: Uint8Array; mac: Uint8Array }
export interface DataMessage {
  flags: number;
  senderKeyId: number;
  recipientKeyId: number;
  nextDh: bigint;
  ctr: Uint8Array;
  encrypted: Uint8Array;
  mac: Uint8Array;
  oldMacKeys: Uint8Array;
}

export type Decoded =
  | { header: Header; kind: 'dh-commit'; body: DhCommit }
  | { header: Header; kind: 'dh-key'; body: DhKey }
  | { header: Header; kind: 'reveal-signature'; body: RevealSignature }
  | { header: Header; kind: 'signature'; body: Signature }
  | { header: Header; kind: 'data'; body: DataMessage; /** bytes the MAC covers */ authenticated: Uint8Array };

export const ENCODED_PREFIX = '?OTR:';

export function isEncodedMessage(text: string): boolean {
  return text.startsWith(ENCODED_PREFIX);
}

function writeHeader(w: Writer, h: Header): Writer {
  w.short(h.version).byte(h.type);
  if (h.version === 3) w.int(h.senderTag).int(h.receiverTag);
  return w;
}

export function armor(bytes: Uint8Array): string {
  return `${ENCODED_PREFIX}${toBase64(bytes)}.`;
}

export function encodeDhCommit(h: Header, m: DhCommit): string {
  return armor(writeHeader(new Writer(), h).data(m.encryptedGx).data(m.hashedGx).finish());
}

export function encodeDhKey(h: Header, m: DhKey): string {
  return armor(writeHeader(new Writer(), h).mpi(m.gy).finish());
}

export function encodeRevealSignature(h: Header, m: RevealSignature): string {
  return armor(writeHeader(new Writer(), h).data(m.revealedKey).data(m.encryptedSignature).raw(m.mac).finish());
}

export function encodeSignature(h: Header, m: Signature): string {
  return armor(writeHeader(new Writer(), h).data(m.encryptedSignature).raw(m.mac).finish());
}

/** The part of a data message that its MAC covers: header through the encrypted message. */
export function dataMessageAuthenticated(h: Header, m: Omit<DataMessage, 'mac' | 'oldMacKeys'>): Uint8Array {
  return writeHeader(new Writer(), h)
    .byte(m.flags)
    .int(m.senderKeyId)
    .int(m.recipientKeyId)
    .mpi(m.nextDh)
    .raw(m.ctr)
    .data(m.encrypted)
    .finish();
}

export function encodeDataMessage(authenticated: Uint8Array, mac: Uint8Array, oldMacKeys: Uint8Array): string {
  return armor(new Writer().raw(authenticated).raw(mac).data(oldMacKeys).finish());
}

/** Reads only the header; used to route a message to an instance before full parsing. */
export function decodeHeader(r: Reader): Header {
  const version = r.short('version');
  if (version !== 2 && version !== 3) fail('unsupported-version', 'header.version', `version ${version}`);
  const type = r.byte('type');
  let senderTag = 0;
  let receiverTag = 0;
  if (version === 3) {
    senderTag = r.int('senderTag');
    receiverTag = r.int('receiverTag');
    if (!isValidInstanceTag(senderTag)) fail('wrong-instance', 'header.senderTag', 'invalid sender instance tag');
    if (receiverTag !== 0 && !isValidInstanceTag(receiverTag)) fail('wrong-instance', 'header.receiverTag', 'invalid receiver instance tag');
  }
  return { version, type, senderTag, receiverTag };
}

/** Parses "?OTR:…." whole. Anything after the final '.' is ignored, as libotr does. */
export function decodeMessage(text: string): Decoded {
  if (!isEncodedMessage(text)) fail('malformed', 'message', 'not an encoded OTR message');
  const end = text.indexOf('.', ENCODED_PREFIX.length);
  if (end < 0) fail('malformed', 'message', 'no terminating "."');
  return decodeMessageBytes(fromBase64(text.slice(ENCODED_PREFIX.length, end), 'message.base64'));
}

/** decodeMessage on the bytes already taken out of the base64 (encodedBytes). */
export function decodeMessageBytes(bytes: Uint8Array): Decoded {
  const r = new Reader(bytes, 'message');
  const header = decodeHeader(r);
  switch (header.type) {
    case MSG_DH_COMMIT: {
      const body = { encryptedGx: r.data('encryptedGx'), hashedGx: r.data('hashedGx') };
      r.end();
      if (body.hashedGx.length !== 32) fail('malformed', 'dh-commit.hashedGx', 'not 32 bytes');
      return { header, kind: 'dh-commit', body };
    }
    case MSG_DH_KEY: {
      const body = { gy: r.mpi('gy') };
      r.end();
      return { header, kind: 'dh-key', body };
    }
    case MSG_REVEAL_SIGNATURE: {
      const body = { revealedKey: r.data('revealedKey'), encryptedSignature: r.data('encryptedSignature'), mac: r.mac('mac') };
      r.end();
      if (body.revealedKey.length !== 16) fail('malformed', 'reveal-signature.revealedKey', 'not 16 bytes');
      return { header, kind: 'reveal-signature', body };
    }
    case MSG_SIGNATURE: {
      const body = { encryptedSignature: r.data('encryptedSignature'), mac: r.mac('mac') };
      r.end();
      return { header, kind: 'signature', body };
    }
    case MSG_DATA: {
      const flags = r.byte('flags');
      const senderKeyId = r.int('senderKeyId');
      const recipientKeyId = r.int('recipientKeyId');
      const nextDh = r.mpi('nextDh');
      const ctr = r.ctr('ctr');
      const encrypted = r.data('encrypted');
      const authenticatedLength = bytes.length - r.remaining;
      const mac = r.mac('mac');
      const oldMacKeys = r.data('oldMacKeys');
      r.end();
      const body = { flags, senderKeyId, recipientKeyId, nextDh, ctr, encrypted, mac, oldMacKeys };
      return { header, kind: 'data', body, authenticated: bytes.slice(0, authenticatedLength) };
    }
    default:
      return fail('malformed', 'header.type', `unknown message type ${header.type}`);
  }
}

/**
 * The bytes inside "?OTR:….", so a receiver can read the header for routing and then the
 * whole message without decoding the base64 twice; throws OtrError like decodeMessage.
 */
export function encodedBytes(text: string): Uint8Array {
  const end = text.indexOf('.', ENCODED_PREFIX.length);
  if (!isEncodedMessage(text) || end < 0) fail('malformed', 'message', 'not an encoded OTR message');
  return fromBase64(text.slice(ENCODED_PREFIX.length, end), 'message.base64');
}

/** Reads just the header of "?OTR:…." text, for routing; throws OtrError like decodeMessage. */
export function peekHeader(text: string): Header {
  return peekHeaderBytes(encodedBytes(text));
}

export function peekHeaderBytes(bytes: Uint8Array): Header {
  return decodeHeader(new Reader(bytes, 'message'));
}
