/**
 * How persisted conversations end or fail (issue 11): locked until the passphrase is entered,
 * idle ones expire on the injected clock, at most N on disk (least recently used ends), an
 * unreadable record ends only its own conversation, a newer record is refused untouched, and
 * a full disk keeps the conversation in memory.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { getAll, write } from '../../src/background/idb';
import { classify } from '../../src/otr/classify';
import { StoreError } from '../../src/background/errors';
import { recordKeyOf } from '../../src/background/conversation-store';
import { DEFAULT_MAX_CONVERSATIONS } from '../../src/background/conversation-life';
import type { ContentPush } from '../../src/messaging/ports';
import { senders } from './harness';
import { freshDbName } from './helpers';
import { DAY, boot, clockEnv, closeBrowser, goPrivate, incoming, notices, openKeyExchange, readPlaintext, registerPeer, typed, viewOf, type Clock, type Side } from './sides';

let clock: Clock;
let alice: Side;
let bob: Side;
beforeEach(async () => {
  fakeBrowser.reset();
  clock = { now: Date.UTC(2026, 0, 1) };
  alice = await boot('alice', freshDbName(), { env: clockEnv(clock) });
  bob = await boot('bob', freshDbName(), { env: clockEnv(clock) });
});



describe('locked', () => {
  it('after a restart with a passphrase, readers show "locked" until unlock, then the conversation loads', async () => {
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'correct horse' });
    await goPrivate(alice, bob);
    const wire = await typed(bob, 'readable after unlock');
    alice = await closeBrowser(alice);
    expect(alice.bg.keys.status().state).toBe('locked');
    expect(alice.conv.locked).toBe(true);
    // Nothing sealed opens: the record does not even say who it is with.
    expect(JSON.stringify(await getAll(alice.bg.db, 'conversations'))).not.toContain('bob');
    const locked = await incoming(alice, wire[0]!, true);
    expect(locked).toMatchObject({ display: 'locked', send: [] });
    await expect(alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id })).rejects.toMatchObject({ code: 'locked' });
    await alice.bg.ask(senders.popup, 'identity.unlock', { passphrase: 'correct horse' });
    await vi.waitFor(async () => expect((await viewOf(alice)).locked).toBeUndefined());
    const view = await viewOf(alice);
    expect(view.state).toBe('unverified');
    // The content script feeds it again once the pushed view is no longer locked.
    const pushedViews = (alice.port.posted as ContentPush[]).filter((p) => p.type === 'conversation');
    expect(pushedViews.at(-1)).toMatchObject({ view: { state: 'unverified' } });
    const r = await incoming(alice, wire[0]!, true);
    expect(r.display).toBe('encrypted');
    expect(await readPlaintext(alice, r.messageId)).toEqual([{ type: 'plaintext', messageId: r.messageId, text: 'readable after unlock' }]);
  });

  it('changing or removing the passphrase keeps conversations readable', async () => {
    await goPrivate(alice, bob);
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'one' });
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: 'one', next: 'two' });
    alice = await closeBrowser(alice);
    await alice.bg.ask(senders.popup, 'identity.unlock', { passphrase: 'two' });
    await vi.waitFor(async () => expect((await viewOf(alice)).state).toBe('unverified'));
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: 'two', next: null });
    alice = await closeBrowser(alice);
    expect((await viewOf(alice)).state).toBe('unverified');
  });
});

describe('forward secrecy', () => {
  it('a conversation idle for the set number of days ends: keys wiped, Finished, readers say expired', async () => {
    await goPrivate(alice, bob);
    clock.now += 6 * DAY;
    const early = await typed(bob, 'day six');
    const late = await typed(bob, 'read only on day thirteen');
    const live = await typed(bob, 'arrives live on day thirteen');
    expect((await incoming(alice, early[0]!)).display).toBe('encrypted');
    clock.now += 7 * DAY;
    await alice.bg.sessions.life.sweep();
    const view = await viewOf(alice);
    expect(view).toMatchObject({ state: 'finished', ended: 'expired' });
    expect(notices(alice)).toContain('STORE_EXPIRED');
    // Nothing sealed stays on disk: the record is a tombstone (reason and time only).
    const loaded = await alice.bg.store.loadAll();
    expect(loaded.conversations).toHaveLength(0);
    expect(loaded.tombstones).toEqual([expect.objectContaining({ ended: 'expired' })]);
    expect((await getAll(alice.bg.db, 'conversations')).some((r) => (r as { ct?: unknown }).ct !== undefined)).toBe(false);
    expect((await incoming(alice, late[0]!, true)).display).toBe('expired');
    // A live one too: its keys were wiped with the conversation.
    expect((await incoming(alice, live[0]!)).display).toBe('expired');
    // Typing into an expired conversation is refused, so the compose frame keeps the text.
    await expect(alice.bg.sessions.send(alice.conv.id, 'too late', { tabId: 1, frameId: 0 })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('the setting (1–30 days) changes when conversations end', async () => {
    await goPrivate(alice, bob);
    await expect(alice.bg.ask(senders.options, 'settings.set', { idleDays: 31 })).rejects.toMatchObject({ code: 'schema' });
    clock.now += 2 * DAY;
    expect((await viewOf(alice)).state).toBe('unverified');
    await alice.bg.ask(senders.options, 'settings.set', { idleDays: 2 });
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' });
  });

  it('idle records are wiped even while locked, without reading them', async () => {
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'pw' });
    await goPrivate(alice, bob);
    clock.now += 8 * DAY;
    alice = await closeBrowser(alice);
    const raw = (await getAll(alice.bg.db, 'conversations'))[0] as Record<string, unknown>;
    expect(raw.ended).toBe('expired');
    expect(raw.ct).toBeUndefined();
    await alice.bg.ask(senders.popup, 'identity.unlock', { passphrase: 'pw' });
    await vi.waitFor(async () => expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' }));
  });

  it('beyond the cap, chats never made private go first and silently; a private one ends, with a notice, only after them', async () => {
    fakeBrowser.reset();
    alice = await boot('alice', freshDbName(), { env: clockEnv(clock), maxConversations: 3 }); // bob: the oldest
    bob = await boot('bob', freshDbName(), { env: clockEnv(clock) });
    await goPrivate(alice, bob);
    for (const peer of ['carol', 'dave', 'erin']) {
      clock.now += 60_000;
      await registerPeer(alice, peer);
    }
    // Carol's chat (never private, the oldest of those) made room: Bob's private conversation stays.
    await vi.waitFor(async () => expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(3));
    expect((await viewOf(alice)).state).toBe('unverified');
    expect(notices(alice)).not.toContain('STORE_EVICTED');
    expect(await alice.bg.ask(senders.popup, 'conversations.problems', {})).toEqual([]);
    // Dave and Erin each get a key exchange under way: now every record holds something private,
    // and the next chat ends the least recently used of them, Bob's, with a notice.
    for (const peer of ['dave', 'erin']) {
      clock.now += 60_000;
      const view = await registerPeer(alice, peer);
      expect((await openKeyExchange(alice, view.id, peer, clock)).send.length).toBeGreaterThan(0);
    }
    clock.now += 60_000;
    await registerPeer(alice, 'frank');
    await vi.waitFor(async () => expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'evicted' }));
    expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(3);
    expect(notices(alice)).toContain('STORE_EVICTED');
    expect((await alice.bg.ask(senders.popup, 'conversations.problems', {})).map((p) => p.code)).toEqual(['evicted']);
  });

  it('the cap is 1,000 by default: the 1,001st conversation makes room, and a page naming new peers cannot push a private one out', async () => {
    expect(DEFAULT_MAX_CONVERSATIONS).toBe(1000);
    await goPrivate(alice, bob); // bob: the oldest
    for (let i = 1; i < DEFAULT_MAX_CONVERSATIONS; i++) {
      clock.now += 1000;
      await registerPeer(alice, `peer${i}`);
    }
    expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(1000);
    for (let i = 0; i < 50; i++) {
      clock.now += 1000;
      await registerPeer(alice, `one-too-many-${i}`);
    }
    await vi.waitFor(async () => expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(1000));
    expect((await viewOf(alice)).state).toBe('unverified');
    expect(notices(alice)).not.toContain('STORE_EVICTED');
  }, 60_000);
});

/** Flips one bit of the side's sealed record for its conversation. */
async function damageRecord(side: Side): Promise<void> {
  const key = recordKeyOf(side.conv.id);
  const raw = (await getAll(side.bg.db, 'conversations')).find((r) => (r as { key: string }).key === key) as { ct: Uint8Array };
  const flipped = Uint8Array.from(raw.ct);
  flipped[10]! ^= 1;
  await write(side.bg.db, ['conversations'], (tx) => tx.objectStore('conversations').put({ ...raw, ct: flipped }));
}

describe('faults', () => {
  it('a corrupted record ends only its own conversation, with a notice and a popup entry', async () => {
    await goPrivate(alice, bob);
    const carol = await registerPeer(alice, 'carol');
    await alice.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
    await damageRecord(alice);
    alice = await closeBrowser(alice);
    expect(alice.conv).toMatchObject({ state: 'finished', ended: 'corrupt' });
    expect(notices(alice)).toContain('STORE_CORRUPT');
    const problems = await alice.bg.ask(senders.popup, 'conversations.problems', {});
    expect(problems.map((p) => p.code)).toEqual(['corrupt']);
    // Carol's conversation is untouched and still works.
    expect((await alice.bg.sessions.viewOf(carol.id)).ended).toBeUndefined();
    // Ending and starting again gives a working conversation with bob.
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    expect((await viewOf(alice)).state).toBe('plaintext');
  });

  it('the ended conversation\'s notice reaches a tab once it knows the conversation, however late', async () => {
    await goPrivate(alice, bob);
    const key = recordKeyOf(alice.conv.id);
    const raw = (await getAll(alice.bg.db, 'conversations')).find((r) => (r as { key: string }).key === key) as { ct: Uint8Array };
    await write(alice.bg.db, ['conversations'], (tx) => tx.objectStore('conversations').put({ ...raw, ct: raw.ct.slice(1) }));
    alice = await closeBrowser(alice);
    const corrupt = () => notices(alice).filter((n) => n === 'STORE_CORRUPT').length;
    const atRegister = corrupt(); // pushed with the register answer: the page may not know the id yet
    expect(atRegister).toBeGreaterThan(0);
    const token = () => alice.bg.ask(senders.content(alice.tab), 'content.frameToken', { conversationId: alice.conv.id, role: 'reader', pending: true });
    await token();
    expect(corrupt()).toBe(atRegister + 1);
    await token(); // once per page
    expect(corrupt()).toBe(atRegister + 1);
    await registerPeer(alice, 'bob'); // the tab loaded the chat again: a new page
    await token();
    expect(corrupt()).toBe(atRegister + 3);
    // Restarted from the lock: no more notice.
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    await registerPeer(alice, 'bob');
    await token();
    expect(corrupt()).toBe(atRegister + 3);
  });

  it('a record from a newer OffRecord is refused with a version error and left untouched', async () => {
    await goPrivate(alice, bob);
    const key = recordKeyOf(alice.conv.id);
    const newer = { key, format: 2, lastActivity: 1, future: 'fields' };
    await write(alice.bg.db, ['conversations'], (tx) => tx.objectStore('conversations').put(newer));
    await registerPeer(alice, 'carol');
    alice.bg.close();
    const again = await boot('alice', alice.db, alice.opts, 2).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'version' });
    const side = await boot('bob', alice.db, alice.opts, 3).catch(() => null); // another conversation in the same profile
    expect(side).not.toBeNull();
    expect((await getAll(side!.bg.db, 'conversations')).find((r) => (r as { key: string }).key === key)).toEqual(newer);
    expect((await side!.bg.ask(senders.popup, 'conversations.problems', {})).map((p) => p.code)).toEqual(['version']);
  });

  it('a full disk is reported and the conversation keeps working in memory', async () => {
    await goPrivate(alice, bob);
    vi.spyOn(alice.bg.store, 'put').mockRejectedValue(new StoreError('quota', 'the disk is full'));
    const wire = await typed(bob, 'still readable');
    const r = await incoming(alice, wire[0]!);
    expect(r.display).toBe('encrypted');
    expect(await readPlaintext(alice, r.messageId)).toEqual([{ type: 'plaintext', messageId: r.messageId, text: 'still readable' }]);
    expect((await viewOf(alice)).unsaved).toBe(true);
    const reply = await typed(alice, 'and I can answer');
    expect((await incoming(bob, reply[0]!)).display).toBe('encrypted');
    expect((await alice.bg.ask(senders.popup, 'conversations.problems', {})).map((p) => p.code)).toEqual(['quota']);
  });

  it('history read again after a lost record answers nothing: the old AKE in it does not start a new one', async () => {
    await goPrivate(alice, bob);
    // The page's history still holds bob's D-H Commit of that AKE; the lost record took with
    // it the marks of what was already read, so the commit comes round again.
    const bobSent = (bob.port.posted as ContentPush[]).flatMap((p) => (p.type === 'send' ? p.texts : []));
    const commit = bobSent.find((t) => {
      const c = classify(t);
      return c.kind === 'encoded' && c.message === 'dh-commit';
    });
    expect(commit).toBeDefined();
    await damageRecord(alice);
    alice = await closeBrowser(alice);
    expect(await incoming(alice, commit!, true)).toMatchObject({ send: [] });
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'corrupt' });
  });

  it('a replayed or reordered history message is rejected by the counters, quietly', async () => {
    await goPrivate(alice, bob);
    const one = await typed(bob, 'one');
    const two = await typed(bob, 'two');
    expect((await incoming(alice, two[0]!, true)).display).toBe('encrypted');
    const old = await incoming(alice, one[0]!, true);
    expect(old).toMatchObject({ display: 'replayed', send: [] });
  });
});

describe('locked on a fresh conversation', () => {
  it('a chat first opened while locked shows locked, and works after unlock', async () => {
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'pw' });
    alice = await closeBrowser(alice);
    const carol = await registerPeer(alice, 'carol');
    expect(carol.locked).toBe(true);
    await alice.bg.ask(senders.popup, 'identity.unlock', { passphrase: 'pw' });
    await vi.waitFor(async () => expect((await alice.bg.sessions.viewOf(carol.id)).locked).toBeUndefined());
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: carol.id });
    // Bob's (from before the passphrase) and Carol's, both sealed.
    expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(2);
  });
});
