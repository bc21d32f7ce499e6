// Encrypted files need both ends to hold the same file key. The extra symmetric key comes from
// each side's OTR engine (OffRecord's, and libotr 4.1.1's otrl_message_symkey / received_symkey
// callback); the file key is derived from it and the TLV 8 use-data (the file's hash). Here the
// key libotr hands its application must equal OffRecord's, and a file encrypted under one side's
// derived key must open under the other's. (The plain extra-key case, without use-data, is in
// matrix.test.ts.)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, buildCPeer, closeAll, connect, goSecure, spawnPeer, type Peer } from './harness';
import { decryptFile, deriveFileKey, encryptFile, ENCRYPTED_FILE_USE, fileUseData, type PlainFile } from '../../src/files/encrypted-file';

beforeAll(() => {
  buildCPeer();
  if (!existsSync(join(ROOT, 'dist/otr-peer.mjs'))) throw new Error('dist/otr-peer.mjs is missing: run `npm run build:cli` first');
});
afterEach(() => closeAll());

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

async function pair(): Promise<{ off: Peer; lib: Peer }> {
  const off = await spawnPeer('offrecord', { account: 'alice@offrecord.test', peer: 'bob@offrecord.test', protocol: 'mail' });
  const lib = await spawnPeer('libotr', { account: 'bob@offrecord.test', peer: 'alice@offrecord.test', protocol: 'mail' });
  connect(off, lib);
  await goSecure(off, lib);
  return { off, lib };
}

/** `from` announces the file's key; returns the key each side's engine reported, and the use-data `to` received. */
async function announce(from: Peer, to: Peer, useData: Uint8Array): Promise<{ sent: string; received: string; receivedUseData: string }> {
  const sf = from.mark();
  const st = to.mark();
  from.send(`SYMKEY ${ENCRYPTED_FILE_USE} ${hex(useData)}`);
  const mine = await from.waitFor(new RegExp(`^EVENT symkey use=${ENCRYPTED_FILE_USE} key=[0-9a-f]{64}$`), 15_000, sf);
  const theirs = await to.waitFor(new RegExp(`^EVENT received_symkey use=${ENCRYPTED_FILE_USE} key=[0-9a-f]{64} usedata=[0-9a-f]*$`), 15_000, st);
  return {
    sent: /key=([0-9a-f]{64})/.exec(mine)![1]!,
    received: /key=([0-9a-f]{64})/.exec(theirs)![1]!,
    receivedUseData: /usedata=([0-9a-f]*)/.exec(theirs)![1]!,
  };
}

const file: PlainFile = { name: 'Quartalszahlen Q3 📈.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', contents: random(64 * 1024) };

describe('encrypted file keys: OffRecord and libotr agree', () => {
  for (const dir of ['OffRecord announces, libotr receives', 'libotr announces, OffRecord receives'] as const) {
    it(dir, async () => {
      const { off, lib } = await pair();
      const [from, to] = dir.startsWith('OffRecord') ? [off, lib] : [lib, off];
      const useData = fileUseData(file);
      const got = await announce(from, to, useData);
      // The extra symmetric key libotr hands its application equals OffRecord's, and the
      // use-data (the file hash) arrives intact.
      expect(got.received).toBe(got.sent);
      expect(got.receivedUseData).toBe(hex(useData));
      // Each side derives the file key from its own engine's report; a file sealed on one opens on the other.
      expect(hex(deriveFileKey(bytes(got.received), bytes(got.receivedUseData)))).toBe(hex(deriveFileKey(bytes(got.sent), useData)));
      const blob = encryptFile(file, bytes(got.sent), useData, random);
      const opened = decryptFile(blob, bytes(got.received), bytes(got.receivedUseData));
      expect(opened.name).toBe(file.name);
      expect(opened.type).toBe(file.type);
      expect(hex(opened.contents)).toBe(hex(file.contents));
    });
  }
});
