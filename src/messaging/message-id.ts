/**
 * A message's id is the SHA-256 (hex) of its wire text as scraped, so the content script,
 * reader frames and the decrypted-history cache agree on it without the background handing
 * out ids, and a page reload finds the same id again (DESIGN.md §3, history).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes, bytesToHex } from '@noble/hashes/utils.js';

export function messageIdOf(wireText: string): string {
  return bytesToHex(sha256(utf8ToBytes(wireText)));
}
