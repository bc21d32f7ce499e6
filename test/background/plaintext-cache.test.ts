/**
 * The plaintext cache behind reader frames (issue 17 item 7): bounded in entries and in
 * characters, so large mails cannot fill storage.session (10 MB in Chrome, with or without
 * unlimitedStorage), and a full storage.session never fails the message itself.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { messageIdOf } from '../../src/messaging/message-id';
import { PLAINTEXT_CHARS_CAP } from '../../src/background/plaintext-cache';
import { CONTENT_PORT } from '../../src/messaging/ports';
import { senders, settle } from './harness';
import { bootPair, typed, goPrivate, incoming, readPlaintext, viewOf, type Side } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
  await goPrivate(alice, bob);
});

/** Alice sends `text`; Bob's page feeds every piece; returns the message's id. */
async function deliver(text: string): Promise<string> {
  const wire = await typed(alice, text);
  for (const w of wire) await incoming(bob, w);
  return messageIdOf(wire[wire.length - 1]!);
}

/** Characters Bob's cache holds in storage.session (Alice's own texts share the fake store). */
async function cachedChars(side: Side): Promise<number> {
  const all = await fakeBrowser.storage.session.get(null);
  return Object.entries(all).filter(([k]) => k.includes(`plain:${side.conv.id} `)).reduce((n, [, v]) => n + String(v).length, 0);
}

describe('the plaintext cache', () => {
  it('keeps at most PLAINTEXT_CHARS_CAP characters: the oldest texts go first, the newest stays', async () => {
    // Measured in storage.session, where only "Until the browser closes" keeps texts.
    await bob.bg.ask(senders.options, 'settings.set', { historyRetention: 'session' });
    const size = 100_000;
    const count = Math.ceil(PLAINTEXT_CHARS_CAP / size) + 3;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await deliver(`${i} `.padEnd(size, 'x')));
    expect(await cachedChars(bob)).toBeGreaterThan(PLAINTEXT_CHARS_CAP / 2);
    expect(await cachedChars(bob)).toBeLessThanOrEqual(PLAINTEXT_CHARS_CAP);
    expect(await readPlaintext(bob, ids[0]!)).toEqual([{ type: 'unavailable', messageId: ids[0] }]);
    const [last] = (await readPlaintext(bob, ids[count - 1]!)) as Array<{ type: string; text: string }>;
    expect(last!.type).toBe('plaintext');
    expect(last!.text.startsWith(`${count - 1} `)).toBe(true);
  }, 60_000);

  it('a full storage.session fails nothing: the text still reaches its reader', async () => {
    const session = fakeBrowser.storage.session;
    const set = session.set.bind(session);
    session.set = async () => {
      throw new Error('QUOTA_BYTES quota exceeded');
    };
    try {
      const id = await deliver('still shown');
      expect(await readPlaintext(bob, id)).toEqual([{ type: 'plaintext', messageId: id, text: 'still shown' }]);
    } finally {
      session.set = set;
    }
  });
});

/** Every key Bob's cache holds in storage.session. */
async function storedKeys(side: Side): Promise<string[]> {
  return Object.keys(await fakeBrowser.storage.session.get(null)).filter((k) => k.startsWith(`${side.name}:plain:`));
}

const retention = (side: Side, value: 'off' | 'session') => side.bg.ask(senders.options, 'settings.set', { historyRetention: value });

describe('the Privacy setting and the plaintext cache', () => {
  it('"Not at all" keeps a text (in storage.session too, for a worker restart) only until its reader showed it', async () => {
    await retention(bob, 'off');
    const id = await deliver('kept until shown');
    await settle();
    expect(await storedKeys(bob)).toHaveLength(1);
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'plaintext', messageId: id, text: 'kept until shown' }]);
    await settle();
    expect(await storedKeys(bob)).toEqual([]);
  });

  it('"Not at all": a tab that closes stops waiting; a text nobody waits for is dropped', async () => {
    await retention(bob, 'off');
    bob.bg.connect(CONTENT_PORT, senders.content(2));
    await bob.bg.ask(senders.content(2), 'content.register', { site: 'thelounge', account: 'bob', peer: 'alice' });
    const id = await deliver('shown in tab 1 only');
    expect(await readPlaintext(bob, id, 1)).toEqual([{ type: 'plaintext', messageId: id, text: 'shown in tab 1 only' }]);
    // Tab 2 never placed its reader, and closes.
    expect(bob.bg.sessions.plaintext.has(bob.conv.id, id)).toBe(true);
    await bob.bg.sessions.dropTab(2);
    expect(bob.bg.sessions.plaintext.has(bob.conv.id, id)).toBe(false);
    // The only tab closes before its reader was placed: nothing is left either.
    const unseen = await deliver('never shown');
    expect(bob.bg.sessions.plaintext.has(bob.conv.id, unseen)).toBe(true);
    await bob.bg.sessions.dropTab(1);
    expect(bob.bg.sessions.plaintext.has(bob.conv.id, unseen)).toBe(false);
    await settle();
    expect(await storedKeys(bob)).toEqual([]);
  });

  it('switching to "Not at all" purges what was kept, in memory and in storage.session', async () => {
    await retention(bob, 'session');
    const id = await deliver('kept for the session');
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'plaintext', messageId: id, text: 'kept for the session' }]);
    await settle();
    expect(await storedKeys(bob)).toHaveLength(1);
    await retention(bob, 'off');
    await settle();
    expect(await storedKeys(bob)).toEqual([]);
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'unavailable', messageId: id }]);
  });

  it('End forgets the conversation\'s kept texts and file keys: a reader placed again shows "unavailable"', async () => {
    await retention(bob, 'session');
    const id = await deliver('said before the end');
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'plaintext', messageId: id, text: 'said before the end' }]);
    const files = [{ useData: 'aa'.repeat(32), fileKey: 'bb'.repeat(32) }];
    await bob.bg.sessions.plaintext.keep(bob.conv.id, 'with-a-file', 'a file', [bob.tab], files);
    expect(bob.bg.sessions.filesFor(bob.conv.id, 'with-a-file')).toEqual(files);
    await settle();
    expect(await storedKeys(bob)).toHaveLength(2);
    await bob.bg.ask(senders.popup, 'conversation.end', { conversationId: bob.conv.id });
    await settle();
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'unavailable', messageId: id }]);
    expect(bob.bg.sessions.filesFor(bob.conv.id, 'with-a-file')).toEqual([]);
    expect(await storedKeys(bob)).toEqual([]);
  });

  it('a passphrase lock clears the whole cache, and nothing is served for a locked conversation', async () => {
    await retention(bob, 'session');
    await bob.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'correct horse' });
    const id = await deliver('said before the lock');
    expect(await readPlaintext(bob, id)).toEqual([{ type: 'plaintext', messageId: id, text: 'said before the lock' }]);
    await settle();
    expect(await storedKeys(bob)).toHaveLength(1);
    await bob.bg.ask(senders.popup, 'identity.lock', {});
    await vi.waitFor(async () => expect((await viewOf(bob)).locked).toBe(true));
    await settle();
    expect(bob.bg.sessions.plaintext.has(bob.conv.id, id)).toBe(false);
    expect(await storedKeys(bob)).toEqual([]);
    // Whatever is in the cache, a locked conversation's readers get nothing from it.
    const files = [{ useData: 'aa'.repeat(32), fileKey: 'bb'.repeat(32) }];
    await bob.bg.sessions.plaintext.keep(bob.conv.id, 'late', 'kept while locked', [bob.tab], files);
    expect(bob.bg.sessions.filesFor(bob.conv.id, 'late')).toEqual([]);
    expect(await bob.bg.sessions.plaintextFor(bob.conv.id, 'late', bob.tab)).toBeNull();
  });
});
