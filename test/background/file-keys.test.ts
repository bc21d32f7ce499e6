/**
 * Encrypted files through two whole backgrounds (issue 14): the attach frame announces a file
 * over TLV 8 and gets a key good for that file only; the peer's reader of the same mail's text
 * gets the same key; a tampered file fails authentication; the content script is never asked
 * for or given a key, and only an attach frame may announce.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { messageIdOf } from '../../src/messaging/message-id';
import { fileUseData, openFile, sealFile, FileCryptoError, type PlainFile } from '../../src/files/encrypted-file';
import { fromHex, toHex } from '../../src/otr/bytes';
import { ANNOUNCED_FOR_MS } from '../../src/background/file-keys';
import { decryptAll } from '../../src/frames/file-decrypt';
import type { FileKeyView } from '../../src/messaging/types';
import { msg } from '../../src/ui/i18n';
import { senders } from './harness';
import { freshDbName } from './helpers';
import { boot, clockEnv, goPrivate, incoming, pushed, readPlaintext, typed, type Clock, type Side } from './sides';
import type { SenderInfo } from '../../src/background/router';
import { ORIGIN, RUNTIME_ID } from './harness';
import { FRAME_PORT } from '../../src/messaging/ports';

const attachFrame: SenderInfo = { id: RUNTIME_ID, url: `${ORIGIN}/attach.html`, origin: ORIGIN, tab: { id: 1 }, frameId: 7 };
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const file: PlainFile = { name: 'Bericht März.pdf', type: 'application/pdf', contents: random(4096) };

let clock: Clock;
let alice: Side;
let bob: Side;
beforeEach(async () => {
  fakeBrowser.reset();
  clock = { now: Date.now() };
  alice = await boot('alice', freshDbName(), { env: clockEnv(clock) });
  bob = await boot('bob', freshDbName(), { env: clockEnv(clock) });
  await goPrivate(alice, bob);
  // The attach frame's requests count only while it is claimed for alice's conversation.
  const { token } = await alice.bg.ask(senders.content(alice.tab), 'content.frameToken', { conversationId: alice.conv.id, role: 'attach' });
  expect(await alice.bg.present(alice.bg.connect(FRAME_PORT, attachFrame), token)).toBe(true);
});

async function announce(): Promise<{ fileKey: string; wire: string[]; useData: Uint8Array }> {
  const useData = fileUseData(file);
  const r = await alice.bg.ask(attachFrame, 'file.announce', { conversationId: alice.conv.id, useData: toHex(useData) });
  return { ...r, useData };
}

/** bob's page feeds one mail: the announcement first, then the typed text; returns what his reader of the text got. */
async function mailWithText(wire: string[], text: string): Promise<{ files?: FileKeyView[]; text: string }> {
  const typedWire = await typed(alice, text);
  for (const w of wire) expect((await incoming(bob, w)).display).toBe('encrypted');
  for (const w of typedWire) await incoming(bob, w);
  const [got] = (await readPlaintext(bob, messageIdOf(typedWire[typedWire.length - 1]!))) as Array<{ files?: FileKeyView[]; text: string }>;
  return got!;
}

describe('file.announce and Decrypt and save', () => {
  it('the announcing wire is handed to the attach frame, not pushed to the page, and the peer gets the same file key', async () => {
    const { fileKey, wire, useData } = await announce();
    expect(wire).toHaveLength(1);
    expect(wire[0]).toMatch(/^\?OTR:AAMD/);
    expect(pushed(alice)).toEqual([]); // nothing went to alice's content script
    const blob = sealFile(file, fromHex(fileKey), useData, random);
    const got = await mailWithText(wire, 'the report ✓');
    expect(got.text).toBe('the report ✓');
    expect(got.files).toEqual([{ useData: toHex(useData), fileKey }]);
    const { files } = decryptAll([blob.slice().buffer], got.files!);
    expect(files).toHaveLength(1);
    expect(files[0]!.name).toBe(file.name);
    expect(Buffer.compare(Buffer.from(files[0]!.contents), Buffer.from(file.contents))).toBe(0);
  });

  it('a mail with only the announcement shows it by itself', async () => {
    const { wire, fileKey } = await announce();
    const result = await incoming(bob, wire[0]!);
    expect(result.display).toBe('encrypted');
    const [got] = (await readPlaintext(bob, result.messageId)) as Array<{ files?: FileKeyView[]; text: string }>;
    expect(got).toMatchObject({ type: 'plaintext', text: '' });
    expect(got!.files![0]!.fileKey).toBe(fileKey);
  });

  it('a tampered attachment fails authentication and nothing is returned', async () => {
    const { fileKey, wire, useData } = await announce();
    const blob = sealFile(file, fromHex(fileKey), useData, random);
    blob[blob.length - 20]! ^= 1;
    const got = await mailWithText(wire, 'changed on the way');
    const out = decryptAll([blob.slice().buffer], got.files!);
    expect(out.files).toEqual([]);
    expect(out.problem).toBe(msg('reader_file_auth_failed'));
    expect(() => openFile(blob, fromHex(fileKey), useData)).toThrow(FileCryptoError);
  });

  it('an announcement from an earlier mail is not offered with a much later text', async () => {
    const { wire } = await announce();
    await incoming(bob, wire[0]!);
    clock.now += ANNOUNCED_FOR_MS + 1;
    const typedWire = await typed(alice, 'much later');
    for (const w of typedWire) await incoming(bob, w);
    const [got] = (await readPlaintext(bob, messageIdOf(typedWire[typedWire.length - 1]!))) as Array<{ files?: FileKeyView[] }>;
    expect(got!.files).toBeUndefined();
  });

  it('only an attach frame may announce, and only in a private conversation', async () => {
    const useData = toHex(fileUseData(file));
    await expect(alice.bg.ask(senders.content(alice.tab), 'file.announce', { conversationId: alice.conv.id, useData })).rejects.toThrow();
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    await expect(alice.bg.ask(attachFrame, 'file.announce', { conversationId: alice.conv.id, useData })).rejects.toThrow(/private/);
  });
});
