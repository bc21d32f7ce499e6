/**
 * History in batches (issue 11, background/history-batch.ts): a page's history of one scan is
 * fed in one content.history request, in page order, and written once before anything shows.
 * Two real backgrounds and the real engine; "history" is what Bob sent while Alice's browser
 * was closed.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HISTORY_BATCH_MAX, type HistoryEntryResult, type IncomingResult } from '../../src/messaging/types';
import { messageIdOf } from '../../src/messaging/message-id';
import { FRAME_PORT } from '../../src/messaging/ports';
import { senders } from './harness';
import { bootPair, closeBrowser, goPrivate, readPlaintext, typed, type Side } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
});

function history(side: Side, texts: unknown[], sender = senders.content(side.tab)): Promise<HistoryEntryResult[]> {
  return side.bg.ask(sender, 'content.history', { conversationId: side.conv.id, texts }).then((r) => r.results);
}

/** Bob's messages while Alice's browser is closed: one wire text each, in the order he sent them. */
async function whileAway(texts: string[]): Promise<string[]> {
  await goPrivate(alice, bob);
  const wires: string[] = [];
  for (const t of texts) {
    const sent = await typed(bob, t);
    expect(sent).toHaveLength(1);
    wires.push(sent[0]!);
  }
  alice = await closeBrowser(alice);
  return wires;
}

const result = (r: HistoryEntryResult | undefined): IncomingResult => {
  if (!r || 'error' in r) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r;
};

/** No reader can get any of these messages' text (nothing was kept for them). */
async function unavailable(side: Side, wires: string[]): Promise<boolean> {
  for (const w of wires) {
    const got = await readPlaintext(side, messageIdOf(w));
    if (got.some((m) => (m as { type: string }).type !== 'unavailable')) return false;
  }
  return true;
}

async function shown(side: Side, results: HistoryEntryResult[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of results) {
    if ('error' in r || r.display !== 'encrypted') continue;
    for (const m of await readPlaintext(side, r.messageId)) out.push((m as { text?: string }).text ?? `(${(m as { type: string }).type})`);
  }
  return out;
}

describe('a batch of history', () => {
  it('is fed in page order and written once, then every text shows', async () => {
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const wires = await whileAway(texts);
    const put = vi.spyOn(alice.bg.store, 'put');
    const results = await history(alice, wires);
    expect(put).toHaveBeenCalledTimes(1);
    expect(results.map((r) => result(r).display)).toEqual(texts.map(() => 'encrypted'));
    expect(results.map((r) => result(r).send)).toEqual(texts.map(() => []));
    expect(await shown(alice, results)).toEqual(texts);
  });

  it("comes with each readable message's reader token, which serves that message's reader in that tab alone", async () => {
    const wires = await whileAway(['one', 'two']);
    const results = (await history(alice, wires)).map(result);
    expect(results.every((r) => /^[0-9a-f]{32}$/.test(r.readerToken ?? ''))).toBe(true);
    // A frame in another tab cannot use it: the token is spent, and nothing is shown.
    const stranger = alice.bg.connect(FRAME_PORT, senders.reader(alice.tab + 1));
    expect(await alice.bg.present(stranger, results[0]!.readerToken!)).toBe(false);
    expect(stranger.posted.some((m) => (m as { type: string }).type === 'plaintext')).toBe(false);
    const frame = alice.bg.connect(FRAME_PORT, senders.reader(alice.tab));
    expect(await alice.bg.present(frame, results[1]!.readerToken!)).toBe(true);
    expect(frame.posted.filter((m) => (m as { type: string }).type === 'plaintext').map((m) => (m as { text: string }).text)).toEqual(['two']);
  });

  it('keeps the order it is given: a message after a later one is rejected by the counters', async () => {
    const wires = await whileAway(['first', 'second']);
    const results = await history(alice, [wires[1], wires[0]]);
    expect(results.map((r) => result(r).display)).toEqual(['encrypted', 'replayed']);
    expect(await shown(alice, results)).toEqual(['second']);
  });

  it('feeds each message once: the same batch again, or from another tab, is a duplicate', async () => {
    const wires = await whileAway(['a', 'b', 'c']);
    expect((await history(alice, wires)).map((r) => result(r).display)).toEqual(['encrypted', 'encrypted', 'encrypted']);
    expect((await history(alice, wires)).map((r) => result(r).display)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const tab2 = { ...alice, tab: 2 };
    await alice.bg.ask(senders.content(2), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    expect((await history(tab2, wires)).map((r) => result(r).display)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    // And after a restart, from disk: still fed once, and with the texts gone with the browser's
    // session, each is a status line, not a frame that could only say so.
    alice = await closeBrowser(alice);
    expect((await history(alice, wires)).map((r) => result(r).display)).toEqual(['gone', 'gone', 'gone']);
  });

  it('a failed write undoes the whole batch and shows nothing; sent again, each message is fed once', async () => {
    const texts = ['x1', 'x2', 'x3'];
    const wires = await whileAway(texts);
    const put = vi.spyOn(alice.bg.store, 'put').mockRejectedValueOnce(new Error('disk gone'));
    await expect(history(alice, wires)).rejects.toThrow('disk gone');
    expect(put).toHaveBeenCalledTimes(1);
    expect(await unavailable(alice, wires)).toBe(true);
    const again = await history(alice, wires);
    expect(again.map((r) => result(r).display)).toEqual(['encrypted', 'encrypted', 'encrypted']);
    expect(await shown(alice, again)).toEqual(texts);
  });

  it('killed before the write lands: nothing shows, and the next opening reads the batch from the state before it', async () => {
    const texts = ['k1', 'k2', 'k3', 'k4'];
    const wires = await whileAway(texts);
    // The write never completes: the browser dies during it.
    const put = vi.spyOn(alice.bg.store, 'put').mockImplementation(() => new Promise<void>(() => undefined));
    void history(alice, wires).catch(() => undefined);
    await vi.waitFor(() => expect(put).toHaveBeenCalled());
    expect(await unavailable(alice, wires)).toBe(true);
    alice = await closeBrowser(alice);
    const results = await history(alice, wires);
    expect(results.map((r) => result(r).display)).toEqual(texts.map(() => 'encrypted'));
    expect(await shown(alice, results)).toEqual(texts);
    // Fed once: again, each is already processed, and its text, shown under the Privacy setting
    // 'off', is no longer kept, so it comes as a status line ('gone').
    expect((await history(alice, wires)).map((r) => result(r).display)).toEqual(texts.map(() => 'gone'));
  });
});

describe('what a batch refuses', () => {
  it('a malformed entry gets its typed error at its position and the others are read', async () => {
    const wires = await whileAway(['before', 'between', 'after']);
    const damaged = `${wires[1]!.slice(0, 40)}!!!${wires[1]!.slice(43)}`;
    const results = await history(alice, [wires[0], 42, wires[1], '', damaged, { text: wires[2] }, wires[2]]);
    expect(results).toHaveLength(7);
    expect(result(results[0]).display).toBe('encrypted');
    expect(results[1]).toEqual({ error: { code: 'schema', message: expect.stringContaining('payload.texts[1]') } });
    expect(result(results[2]).display).toBe('encrypted');
    expect(results[3]).toEqual({ error: { code: 'schema', message: expect.stringContaining('payload.texts[3]') } });
    // A damaged data message fails its MAC: from history that is "encrypted earlier" (with no text
    // kept for it, a status line), not a fault.
    expect(result(results[4]).display).toBe('gone');
    expect(results[5]).toEqual({ error: { code: 'schema', message: expect.stringContaining('expected string') } });
    expect(result(results[6]).display).toBe('encrypted');
    expect(await shown(alice, results)).toEqual(['before', 'between', 'after']);
  });

  it(`takes at most ${HISTORY_BATCH_MAX} messages in one request`, async () => {
    const wires = await whileAway(['only one']);
    const full = Array.from({ length: HISTORY_BATCH_MAX }, () => wires[0]!);
    const results = await history(alice, full);
    expect(results.map((r) => result(r).display)).toEqual(['encrypted', ...Array.from({ length: HISTORY_BATCH_MAX - 1 }, () => 'duplicate')]);
    await expect(history(alice, [...full, wires[0]])).rejects.toMatchObject({ code: 'schema', message: expect.stringContaining(`more than ${HISTORY_BATCH_MAX}`) });
  });

  it("is refused from a tab or frame that did not register the conversation, and from other contexts", async () => {
    const wires = await whileAway(['not for you']);
    await expect(history(alice, wires, senders.content(2))).rejects.toMatchObject({ code: 'not-found' });
    await expect(history(alice, wires, senders.content(alice.tab, 3))).rejects.toMatchObject({ code: 'not-found' });
    await expect(history(alice, wires, senders.popup)).rejects.toMatchObject({ code: 'sender' });
    await expect(history(alice, wires, senders.reader(alice.tab))).rejects.toMatchObject({ code: 'sender' });
    // None of them fed it: the tab that registered it reads it now.
    const results = await history(alice, wires);
    expect(await shown(alice, results)).toEqual(['not for you']);
  });
});
