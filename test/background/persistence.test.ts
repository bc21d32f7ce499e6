/**
 * Conversations outlive the browser (issue 11): IndexedDB holds each conversation sealed,
 * written before ciphertext reaches the page or plaintext a reader; one writer per
 * conversation across tabs; queued text can be cancelled; End wipes keys from disk at once.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getAll, getRecord } from '../../src/background/idb';
import { CONVERSATION_KEY_META } from '../../src/background/conversation-key';
import { toHex } from '../../src/otr/bytes';
import { CONTENT_PORT, FRAME_PORT, type ContentPush } from '../../src/messaging/ports';
import type { ConversationView } from '../../src/messaging/types';
import { senders, settle } from './harness';
import { bootPair, closeBrowser, compose, typed, goPrivate, incoming, readPlaintext, type Side, pushed, viewOf } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
});

describe('a private conversation survives the browser', () => {
  it('reads what arrived while closed, in order, and replies in the same session without a new AKE', async () => {
    await goPrivate(alice, bob);
    const before = await viewOf(alice);
    const one = await typed(bob, 'first while you were away');
    const two = await typed(bob, 'second while you were away');
    alice = await closeBrowser(alice);
    const after = await viewOf(alice);
    expect(after.state).toBe('unverified');
    expect(after.fingerprint).toBe(before.fingerprint);
    const shown: unknown[] = [];
    for (const wire of [...one, ...two]) {
      const r = await incoming(alice, wire, true);
      expect(r.send).toEqual([]);
      if (r.display === 'encrypted') shown.push(...(await readPlaintext(alice, r.messageId)));
    }
    expect(shown.map((m) => (m as { text: string }).text)).toEqual(['first while you were away', 'second while you were away']);
    // The reply is a data message in the same session: no AKE message at all.
    const reply = await typed(alice, 'back again');
    expect(reply.every((w) => w.startsWith('?OTR:AAMD'))).toBe(true);
    const got = await incoming(bob, reply[0]!);
    expect(got.display).toBe('encrypted');
    expect(await readPlaintext(bob, got.messageId)).toEqual([{ type: 'plaintext', messageId: got.messageId, text: 'back again' }]);
  });

  it('feeds each history message once: after another restart it is a duplicate', async () => {
    await goPrivate(alice, bob);
    const wire = await typed(bob, 'only once');
    expect((await incoming(alice, wire[0]!, true)).display).toBe('encrypted');
    alice = await closeBrowser(alice);
    // The text went with the browser's session: "encrypted earlier" as a line, no frame.
    expect(await incoming(alice, wire[0]!, true)).toMatchObject({ display: 'gone', send: [] });
  });

  it('a message read before a reload shows as the Privacy setting says: from the cache, or "encrypted earlier"', async () => {
    await goPrivate(alice, bob);
    for (const retention of ['off', 'session'] as const) {
      await alice.bg.ask(senders.options, 'settings.set', { historyRetention: retention });
      const wire = await typed(bob, `read before the reload (${retention})`);
      const first = await incoming(alice, wire[0]!);
      expect(await readPlaintext(alice, first.messageId)).toEqual([{ type: 'plaintext', messageId: first.messageId, text: `read before the reload (${retention})` }]);
      // The page reloads: the message is history now, already processed, never fed again.
      const again = await incoming(alice, wire[0]!, true);
      // Not kept ('off', and read once): a status line; kept: a frame that shows it again.
      expect(again).toMatchObject({ display: retention === 'off' ? 'gone' : 'duplicate', send: [] });
      const shown = await readPlaintext(alice, again.messageId);
      if (retention === 'off') expect(shown).toEqual([{ type: 'unavailable', messageId: again.messageId }]);
      else expect(shown).toEqual([{ type: 'plaintext', messageId: again.messageId, text: 'read before the reload (session)' }]);
    }
  });

  it('stores no plaintext, no names and no key bytes in the clear', async () => {
    await goPrivate(alice, bob);
    const wire = await typed(alice, 'a secret sentence');
    await incoming(bob, wire[0]!);
    for (const side of [alice, bob]) {
      const records = await getAll(side.bg.db, 'conversations');
      expect(records).toHaveLength(1);
      const raw = records[0] as Record<string, unknown>;
      expect(Object.keys(raw).sort()).toEqual(['ct', 'format', 'key', 'lastActivity', 'nonce']);
      const bytes = (v: unknown) => (v instanceof Uint8Array ? Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('') : v);
      const text = JSON.stringify(raw, (_k, v: unknown) => bytes(v)) + new TextDecoder().decode(raw.ct as Uint8Array);
      const key = toHex(await side.bg.conversationKey.get());
      for (const secret of ['a secret sentence', 'alice', 'bob', 'thelounge', key]) expect(text).not.toContain(secret);
      // The sealed conversation holds the engine's session keys: none of them in the clear.
      const loaded = (await side.bg.store.loadAll()).conversations[0]!;
      const inst = Object.values(loaded.state.instances).find((i) => i.data)!;
      expect(JSON.stringify(inst.data)).toMatch(/[0-9a-f]{32}/);
      for (const hex of JSON.stringify(inst.data).match(/[0-9a-f]{32,}/g)!) expect(text).not.toContain(hex);
      // Without a passphrase the key is wrapped by a non-extractable WebCrypto key.
      const stored = (await getRecord(side.bg.db, 'meta', CONVERSATION_KEY_META)) as { wrapKey: CryptoKey; ct: string };
      expect(stored.wrapKey.extractable).toBe(false);
      expect(stored.ct).not.toContain(key);
    }
  });

  it('End wipes the session keys from disk at once', async () => {
    await goPrivate(alice, bob);
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    const loaded = (await alice.bg.store.loadAll()).conversations[0]!;
    for (const inst of Object.values(loaded.state.instances)) {
      expect(inst.data).toBeNull();
      expect(inst.ake.state).toBe('NONE');
      expect(inst.msgstate).toBe('PLAINTEXT');
    }
    expect(loaded.seen.length).toBeGreaterThan(0); // markers stay: old history is not fed again
  });
});

describe('never lose an accepted message', () => {
  it('a failed write sends nothing; the restarted browser continues from the state before', async () => {
    await goPrivate(alice, bob);
    const put = vi.spyOn(alice.bg.store, 'put').mockRejectedValueOnce(new Error('killed mid-transaction'));
    const frame = await compose(alice, 'not yet');
    expect(pushed(alice)).toEqual([]);
    expect(frame.of<{ message: string }>('error')[0]?.message).toContain('killed');
    put.mockRestore();
    // In memory too the step did not happen: the same text now goes out with the same counter.
    expect((await alice.bg.store.loadAll()).conversations[0]!.state).toEqual((alice.bg.sessions.life.records.get(alice.conv.id)!).state);
    alice = await closeBrowser(alice);
    // Same keys and counters as before the failed step: the retyped message is read.
    const again = await typed(alice, 'not yet');
    const got = await incoming(bob, again[0]!);
    expect(await readPlaintext(bob, got.messageId)).toEqual([{ type: 'plaintext', messageId: got.messageId, text: 'not yet' }]);
  });

  it('the state is on disk before the page gets the ciphertext and before a reader gets plaintext', async () => {
    await goPrivate(alice, bob);
    const order: string[] = [];
    const put = alice.bg.store.put.bind(alice.bg.store);
    vi.spyOn(alice.bg.store, 'put').mockImplementation(async (c) => {
      await put(c);
      order.push('saved');
    });
    const post = alice.port.postMessage.bind(alice.port);
    vi.spyOn(alice.port, 'postMessage').mockImplementation((m: unknown) => {
      if ((m as ContentPush).type === 'send') order.push('sent to page');
      post(m);
    });
    await compose(alice, 'ordered');
    expect(order.slice(0, 2)).toEqual(['saved', 'sent to page']);
    const wire = await typed(bob, 'to read');
    order.length = 0;
    const r = await incoming(alice, wire[0]!);
    expect(order).toEqual(['saved']);
    expect(r.display).toBe('encrypted');
  });

  it('a step that sends waits for the disk flush; a message only read does not', async () => {
    await goPrivate(alice, bob);
    const writes: string[] = [];
    const put = alice.bg.store.put.bind(alice.bg.store);
    vi.spyOn(alice.bg.store, 'put').mockImplementation(async (c, durability) => {
      await put(c, durability);
      writes.push(durability ?? 'strict');
    });
    await compose(alice, 'sent by alice');
    expect(writes).toEqual(['strict']);
    writes.length = 0;
    const wire = await typed(bob, 'read by alice');
    const r = await incoming(alice, wire[0]!);
    expect(r.display).toBe('encrypted');
    expect(r.send).toEqual([]);
    expect(writes).toEqual(['relaxed']);
    // Committed either way: a browser opened again reads the next message under the saved keys.
    alice = await closeBrowser(alice);
    const next = await typed(bob, 'after the restart');
    const again = await incoming(alice, next[0]!);
    expect(await readPlaintext(alice, again.messageId)).toEqual([{ type: 'plaintext', messageId: again.messageId, text: 'after the restart' }]);
  });
});

describe('one writer per conversation, many tabs', () => {
  it('two tabs feeding the same messages at once: each decrypted once, shown in both, same views', async () => {
    await goPrivate(alice, bob);
    const tab2 = alice.bg.connect(CONTENT_PORT, senders.content(2));
    const registered = await alice.bg.ask(senders.content(2), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const wires: string[] = [];
    for (let i = 0; i < 5; i++) wires.push(...(await typed(bob, `message ${i}`)));
    const feed = (tab: number, text: string) => alice.bg.ask(senders.content(tab), 'content.incoming', { conversationId: alice.conv.id, text });
    const results = await Promise.all(wires.flatMap((w) => [feed(1, w), feed(2, w)]));
    expect(results.filter((r) => r.display === 'encrypted')).toHaveLength(5);
    expect(results.filter((r) => r.display === 'duplicate')).toHaveLength(5);
    for (const r of results.filter((x) => x.display === 'encrypted')) {
      const one = await readPlaintext(alice, r.messageId, 1);
      const two = await readPlaintext(alice, r.messageId, 2);
      expect(one).toEqual(two);
      expect((one[0] as { type: string }).type).toBe('plaintext');
      // Shown in every tab: with retention 'off' nothing is left afterwards.
      expect(await readPlaintext(alice, r.messageId, 1)).toEqual([{ type: 'unavailable', messageId: r.messageId }]);
    }
    await settle();
    // The view each tab knows last: pushed only when it changed, else the one it registered with.
    const latest = (port: typeof tab2, first: ConversationView) => {
      const { revision: _revision, ...view } = (port.posted.filter((m) => (m as ContentPush).type === 'conversation').at(-1) as { view: ConversationView } | undefined)?.view ?? first;
      return view;
    };
    expect(latest(tab2, registered)).toEqual(latest(alice.port, alice.conv));
  });
});

describe('queued text', () => {
  it('waits "for bob", never leaves in the clear, and can be cancelled', async () => {
    await alice.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
    alice = await closeBrowser(alice);
    const { token } = await alice.bg.ask(senders.content(), 'content.frameToken', { conversationId: alice.conv.id, role: 'compose' });
    const frame = alice.bg.connect(FRAME_PORT, senders.compose());
    await alice.bg.present(frame, token);
    await settle();
    for (const text of ['cancel me', 'keep me']) {
      frame.deliver({ type: 'send', text });
      await settle();
    }
    const out = pushed(alice);
    expect(out.join('\n')).not.toMatch(/cancel me|keep me/);
    const view = await viewOf(alice);
    expect(view.queued).toBe(2);
    expect(view.queuedIds).toHaveLength(2);
    // The compose frame lists the texts; the page only ever sees ids and the count.
    const listed = frame.of<{ items: { id: string; text: string }[] }>('queued').at(-1)!.items;
    expect(listed.map((i) => i.text)).toEqual(['cancel me', 'keep me']);
    expect(JSON.stringify(alice.port.posted)).not.toMatch(/cancel me|keep me/);
    // Cancelling survives a restart; the other text is sent once private.
    await alice.bg.ask(senders.compose(), 'conversation.cancelQueued', { conversationId: alice.conv.id, queuedId: view.queuedIds![0]! });
    alice = await closeBrowser(alice);
    expect((await viewOf(alice)).queued).toBe(1);
    const toBob = out;
    const fromBob: string[] = [];
    for (const t of toBob) fromBob.push(...(await incoming(bob, t)).send);
    let next = fromBob;
    const texts: string[] = [];
    for (let round = 0; round < 30 && next.length > 0; round++) {
      const back: string[] = [];
      for (const t of next) back.push(...(await incoming(alice, t)).send);
      next = [];
      for (const t of back) {
        const r = await incoming(bob, t);
        next.push(...r.send);
        if (r.display === 'encrypted') texts.push(...(await readPlaintext(bob, r.messageId)).map((m) => (m as { text: string }).text));
      }
    }
    expect(texts).toEqual(['keep me']);
    expect((await viewOf(alice)).queued).toBe(0);
  });
});
