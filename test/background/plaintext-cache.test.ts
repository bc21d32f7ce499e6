/**
 * The plaintext cache behind reader frames (issue 17 item 7): bounded in entries and in
 * characters, so large mails cannot fill storage.session (10 MB in Chrome, with or without
 * unlimitedStorage), and a full storage.session never fails the message itself.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { messageIdOf } from '../../src/messaging/message-id';
import { PLAINTEXT_CHARS_CAP } from '../../src/background/plaintext-cache';
import { bootPair, typed, goPrivate, incoming, readPlaintext, type Side } from './sides';

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
