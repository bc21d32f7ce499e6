/**
 * Encrypted files over OTR's extra symmetric key (OTR v3 spec "Extra symmetric key", TLV type 8).
 * The sender asks its engine for the extra key with use ENCRYPTED_FILE_USE and use-data = the
 * file's hash (SHA-256 of name, type and contents); the peer's engine reports the same key and
 * use-data when the TLV arrives. The file key is HKDF-SHA-256 (RFC 5869) of the extra key, salted
 * with that hash, under a context label; the file travels as XChaCha20-Poly1305 ciphertext with
 * a small clear header (magic, version, nonce). Name, type and contents are inside the
 * ciphertext only, so the site that stores the upload learns nothing but the size.
 *
 * Pure: no engine, no browser. Randomness is injected (crypto.getRandomValues in the extension).
 * JavaScript cannot wipe memory: keys and plaintext stay in buffers until collected.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** TLV 8 "use" value for OffRecord files: ASCII "ORF1". OTR leaves use values to applications. */
export const ENCRYPTED_FILE_USE = 0x4f524631;
export { UPLOAD_NAME, UPLOAD_TYPE } from './neutral-upload';
/** Largest file contents accepted, checked before any encryption work. */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
const MAGIC = [0x4f, 0x52, 0x46]; // "ORF"
const VERSION = 1;
const NONCE_BYTES = 24;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;
const TAG_BYTES = 16;
const KEY_LABEL = new TextEncoder().encode('OffRecord encrypted file v1');
const MAX_LABEL_BYTES = 0xffff;

export interface PlainFile {
  name: string;
  type: string;
  contents: Uint8Array;
}

export type FileErrorCode =
  | 'too-large' // over MAX_FILE_BYTES: refused before encryption
  | 'bad-key' // the extra symmetric key or use-data has the wrong size
  | 'not-encrypted-file' // no OffRecord header: not one of our files
  | 'unsupported-version'
  | 'auth-failed' // Poly1305 rejected it: tampered, truncated, or another key
  | 'hash-mismatch' // decrypted, but not the file the TLV named
  | 'malformed'; // authenticated, yet its inner layout is broken

export class FileCryptoError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FileCryptoError';
  }
}

function fail(code: FileErrorCode, message: string): never {
  throw new FileCryptoError(code, message);
}

function labelBytes(s: string, what: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  if (b.length > MAX_LABEL_BYTES) fail('too-large', `the file ${what} is longer than ${MAX_LABEL_BYTES} bytes`);
  return b;
}

/** name length (2), name, type length (2), type, contents: what the ciphertext hides. */
function envelope(file: PlainFile): Uint8Array {
  const name = labelBytes(file.name, 'name');
  const type = labelBytes(file.type, 'type');
  const out = new Uint8Array(4 + name.length + type.length + file.contents.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, name.length);
  out.set(name, 2);
  view.setUint16(2 + name.length, type.length);
  out.set(type, 4 + name.length);
  out.set(file.contents, 4 + name.length + type.length);
  return out;
}

function openEnvelope(bytes: Uint8Array): PlainFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    const nameLen = view.getUint16(0);
    const name = decoder.decode(bytes.subarray(2, 2 + nameLen));
    const typeLen = view.getUint16(2 + nameLen);
    const typeEnd = 4 + nameLen + typeLen;
    if (typeEnd > bytes.length) throw new RangeError('type past the end');
    const type = decoder.decode(bytes.subarray(4 + nameLen, typeEnd));
    return { name, type, contents: bytes.slice(typeEnd) };
  } catch {
    return fail('malformed', 'the decrypted file has a broken name or type field');
  }
}

/** Refuses an over-large file before any work is done on it. */
export function checkFileSize(size: number): void {
  if (size > MAX_FILE_BYTES) {
    fail('too-large', `files up to ${MAX_FILE_BYTES / (1024 * 1024)} MB can be encrypted; this one has ${(size / (1024 * 1024)).toFixed(1)} MB`);
  }
}

/** The TLV 8 use-data naming this file: SHA-256 of its name, type and contents. */
export function fileUseData(file: PlainFile): Uint8Array {
  checkFileSize(file.contents.length);
  return sha256(envelope(file));
}

/** The per-file key from the session's extra symmetric key and the file's use-data. */
export function deriveFileKey(extraSymmetricKey: Uint8Array, useData: Uint8Array): Uint8Array {
  if (extraSymmetricKey.length !== 32) fail('bad-key', `the extra symmetric key must be 32 bytes, got ${extraSymmetricKey.length}`);
  if (useData.length !== 32) fail('bad-key', `the file use-data must be a 32-byte hash, got ${useData.length}`);
  return hkdf(sha256, extraSymmetricKey, useData, KEY_LABEL, 32);
}

/**
 * Encrypts `file` for the peer. `useData` is what fileUseData gave and what was sent in the TLV;
 * `extraSymmetricKey` is the key the engine reported for that TLV.
 */
export function encryptFile(file: PlainFile, extraSymmetricKey: Uint8Array, useData: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  checkFileSize(file.contents.length);
  return sealFile(file, deriveFileKey(extraSymmetricKey, useData), useData, random);
}

/** Decrypts a received file with the key and use-data the engine reported for its TLV. */
export function decryptFile(blob: Uint8Array, extraSymmetricKey: Uint8Array, useData: Uint8Array): PlainFile {
  checkBlob(blob);
  return openFile(blob, deriveFileKey(extraSymmetricKey, useData), useData);
}

/**
 * encryptFile with the per-file key already derived: extension frames get only this key, good
 * for the one file its use-data names, never the session's extra symmetric key.
 */
export function sealFile(file: PlainFile, fileKey: Uint8Array, useData: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  checkFileSize(file.contents.length);
  if (fileKey.length !== 32) fail('bad-key', `the file key must be 32 bytes, got ${fileKey.length}`);
  const inner = envelope(file);
  if (!equalBytes(sha256(inner), useData)) fail('hash-mismatch', 'the use-data does not name this file');
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC, 0);
  header[MAGIC.length] = VERSION;
  const nonce = random(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) fail('bad-key', 'the random source gave a short nonce');
  header.set(nonce, MAGIC.length + 1);
  // The header is authenticated as associated data: changing the version or nonce fails too.
  const sealed = xchacha20poly1305(fileKey, nonce, header).encrypt(inner);
  const out = new Uint8Array(HEADER_BYTES + sealed.length);
  out.set(header, 0);
  out.set(sealed, HEADER_BYTES);
  return out;
}

function checkBlob(blob: Uint8Array): void {
  if (blob.length < HEADER_BYTES + TAG_BYTES || MAGIC.some((b, i) => blob[i] !== b)) {
    fail('not-encrypted-file', 'this is not an OffRecord encrypted file');
  }
  if (blob[MAGIC.length] !== VERSION) fail('unsupported-version', `encrypted file version ${blob[MAGIC.length]} is not supported`);
  if (blob.length > HEADER_BYTES + TAG_BYTES + 4 + 2 * MAX_LABEL_BYTES + MAX_FILE_BYTES) {
    fail('too-large', 'the encrypted file is larger than any file OffRecord sends');
  }
}

/** decryptFile with the per-file key already derived (see sealFile). */
export function openFile(blob: Uint8Array, fileKey: Uint8Array, useData: Uint8Array): PlainFile {
  checkBlob(blob);
  if (fileKey.length !== 32 || useData.length !== 32) fail('bad-key', 'the file key and use-data must be 32 bytes each');
  const header = blob.subarray(0, HEADER_BYTES);
  const nonce = header.subarray(MAGIC.length + 1);
  let inner: Uint8Array;
  try {
    inner = xchacha20poly1305(fileKey, nonce, header).decrypt(blob.subarray(HEADER_BYTES));
  } catch {
    return fail('auth-failed', 'the encrypted file failed authentication: it was changed, cut short, or is for another key');
  }
  if (!equalBytes(sha256(inner), useData)) fail('hash-mismatch', 'the file is not the one its key was announced for');
  return openEnvelope(inner);
}
