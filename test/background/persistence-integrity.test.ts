/**
 * What is on disk always matches what may happen next (issue 11): a full disk leaves no stale
 * record to send under again, expiry is not undone by the step that found it, a newer record
 * stays untouched through a lock, eviction wins over a step already queued, the compose frame
 * never sends in the clear, and a failed write leaves memory as the disk has it.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { getAll, openDatabase, write } from '../../src/background/idb';
import { StoreError } from '../../src/background/errors';
import { recordKeyOf } from '../../src/background/conversation-store';
import { toHex } from '../../src/otr/bytes';
import { decodeMessage, isEncodedMessage } from '../../src/otr/messages';
import type { ContentPush } from '../../src/messaging/ports';
import { senders } from './harness';
import { freshDbName } from './helpers';
import { DAY, boot, clockEnv, closeBrowser, compose, goPrivate, incoming, notices, openKeyExchange, pushed, registerPeer, typed, viewOf, type Clock, type Side } from './sides';

let clock: Clock;
let alice: Side;
let bob: Side;
beforeEach(async () => {
  fakeBrowser.reset();
  clock = { now: Date.UTC(2026, 0, 1) };
  alice = await boot('alice', freshDbName(), { env: clockEnv(clock) });
  bob = await boot('bob', freshDbName(), { env: clockEnv(clock) });
});



/** The side's record for its conversation as stored (undefined when there is none). */
async function recordOf(side: Side, id = side.conv.id): Promise<Record<string, unknown> | undefined> {
  const key = recordKeyOf(id);
  return (await getAll(side.bg.db, 'conversations')).find((r) => (r as { key: string }).key === key) as Record<string, unknown> | undefined;
}

/** Sender key id, recipient key id and counter of each data message: together they name one keystream. */
function keystreams(texts: string[]): string[] {
  return texts.filter(isEncodedMessage).flatMap((t) => {
    const d = decodeMessage(t);
    return d.kind === 'data' ? [`${d.body.senderKeyId}/${d.body.recipientKeyId}/${toHex(d.body.ctr)}`] : [];
  });
}

const quota = () => new StoreError('quota', 'the disk is full');

describe('a full disk', () => {
  it('leaves no older record behind: after a restart no message reuses a key id and counter', async () => {
    await goPrivate(alice, bob);
    await typed(alice, 'saved before the disk filled');
    const put = vi.spyOn(alice.bg.store, 'put').mockRejectedValue(quota());
    const unsaved = await typed(alice, 'sent while the disk is full');
    expect((await incoming(bob, unsaved[0]!)).display).toBe('encrypted');
    expect((await viewOf(alice)).unsaved).toBe(true);
    expect((await alice.bg.ask(senders.popup, 'conversations.problems', {})).map((p) => p.code)).toEqual(['quota']);
    // What the disk still has: the last record that fit held the keys and counter just used.
    const left = await recordOf(alice);
    put.mockRestore();
    const used = keystreams(unsaved);
    expect(used).toHaveLength(1);

    alice = await closeBrowser(alice);
    const frame = await compose(alice, 'typed after the restart');
    const afterRestart = pushed(alice);
    expect(keystreams(afterRestart).filter((k) => used.includes(k))).toEqual([]);
    expect(left).toBeUndefined();
    // The conversation ended with the browser: the text is refused, not sent in the clear.
    expect((await viewOf(alice)).state).toBe('plaintext');
    expect(frame.of<{ code: string }>('error')).toEqual([expect.objectContaining({ code: 'invalid' })]);
    expect(afterRestart).toEqual([]);
    // Started again, it runs under new keys.
    await goPrivate(alice, bob);
    const fresh = await typed(alice, 'after a new start');
    expect((await incoming(bob, fresh[0]!)).display).toBe('encrypted');
    expect(keystreams(fresh).filter((k) => used.includes(k))).toEqual([]);
  });

  it('End wipes the keyed record at once', async () => {
    await goPrivate(alice, bob);
    expect((await recordOf(alice))?.ct).toBeDefined();
    vi.spyOn(alice.bg.store, 'put').mockRejectedValue(quota());
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    expect(await recordOf(alice)).toBeUndefined();
    vi.restoreAllMocks();
    alice = await closeBrowser(alice);
    expect((await viewOf(alice)).state).toBe('plaintext');
  });

  it('idle expiry wipes the keyed record at once', async () => {
    await goPrivate(alice, bob);
    vi.spyOn(alice.bg.store, 'put').mockRejectedValue(quota());
    vi.spyOn(alice.bg.store, 'tombstone').mockRejectedValue(quota());
    clock.now += 8 * DAY;
    await alice.bg.sessions.life.sweep();
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' });
    expect(await recordOf(alice)).toBeUndefined();
  });
});

describe('expiry found by a step', () => {
  it('a refused send does not bring the wiped keys back', async () => {
    await goPrivate(alice, bob);
    clock.now += 8 * DAY;
    await expect(alice.bg.sessions.send(alice.conv.id, 'late', { tabId: 1, frameId: 0 })).rejects.toMatchObject({ code: 'invalid' });
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' });
    // A later action had written the rolled-back keys back to disk, with a fresh time.
    await alice.bg.ask(senders.popup, 'smp.start', { conversationId: alice.conv.id, secret: 'x' }).catch(() => undefined);
    expect((await recordOf(alice))?.ct).toBeUndefined();
    alice = await closeBrowser(alice);
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' });
  });

  it('a failed feed does not bring the wiped keys back', async () => {
    await goPrivate(alice, bob);
    const late = await typed(bob, 'read after the idle days');
    clock.now += 8 * DAY;
    vi.spyOn(alice.bg.keys, 'identityFor').mockRejectedValueOnce(new Error('no key now'));
    await expect(incoming(alice, late[0]!)).rejects.toThrow();
    expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'expired' });
    await alice.bg.ask(senders.popup, 'smp.start', { conversationId: alice.conv.id, secret: 'x' }).catch(() => undefined);
    expect((await recordOf(alice))?.ct).toBeUndefined();
  });
});

describe('a record from a newer OffRecord', () => {
  it('stays untouched when its chat was opened while locked', async () => {
    await alice.bg.ask(senders.options, 'identity.setPassphrase', { current: null, next: 'pw' });
    await goPrivate(alice, bob);
    const newer = { key: recordKeyOf(alice.conv.id), format: 2, lastActivity: clock.now, future: 'fields' };
    alice.bg.close();
    const db = await openDatabase(alice.db);
    await write(db, ['conversations'], (tx) => tx.objectStore('conversations').put(newer));
    db.close();
    alice = await boot('alice', alice.db, alice.opts); // locked: the chat gets a placeholder
    expect(alice.conv.locked).toBe(true);
    await alice.bg.ask(senders.popup, 'identity.unlock', { passphrase: 'pw' });
    await vi.waitFor(async () => expect((await alice.bg.ask(senders.popup, 'conversations.problems', {})).map((p) => p.code)).toEqual(['version']));
    // Whatever the page does next, nothing is written over the newer record.
    const registered = await registerPeer(alice, 'bob').catch((e: unknown) => e);
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id }).catch(() => undefined);
    expect(await recordOf(alice)).toEqual(newer);
    // Refused as it is when the chat opens after unlock, and the tab that showed it is told why.
    expect(registered).toMatchObject({ code: 'version' });
    expect(notices(alice)).toContain('STORE_VERSION');
  });
});

describe('the cap', () => {
  it('evicts after a step already queued on the evicted conversation has written', async () => {
    fakeBrowser.reset();
    alice = await boot('alice', freshDbName(), { env: clockEnv(clock), maxConversations: 2 }); // bob: the oldest
    bob = await boot('bob', freshDbName(), { env: clockEnv(clock) });
    await goPrivate(alice, bob);
    clock.now += 60_000;
    // Carol's chat holds a key exchange under way, so Bob's private one is what the cap ends.
    await openKeyExchange(alice, (await registerPeer(alice, 'carol')).id, 'carol', clock);
    clock.now += 60_000;
    // Bob's conversation has a write in progress when dave's registration evicts it.
    const realPut = alice.bg.store.put.bind(alice.bg.store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const writing = new Promise<void>((resolve) => (entered = resolve));
    vi.spyOn(alice.bg.store, 'put').mockImplementation(async (c, d) => {
      if (c.id === alice.conv.id) {
        entered();
        await gate;
      }
      return realPut(c, d);
    });
    const again = registerPeer(alice, 'bob');
    await writing;
    await registerPeer(alice, 'dave');
    release();
    await again;
    await vi.waitFor(async () => expect(await viewOf(alice)).toMatchObject({ state: 'finished', ended: 'evicted' }));
    const left = await recordOf(alice);
    vi.restoreAllMocks();
    alice = await closeBrowser(alice);
    // Ended means ended after a restart too: its keys did not come back from disk.
    expect((await viewOf(alice)).state).toBe('plaintext');
    expect(left).toBeUndefined();
    expect(await getAll(alice.bg.db, 'conversations')).toHaveLength(2);
  });
});

describe('the compose frame', () => {
  it('never sends in the clear: a conversation that is not private refuses, and the frame keeps the text', async () => {
    await goPrivate(alice, bob);
    pushed(alice);
    await alice.bg.ask(senders.popup, 'conversation.end', { conversationId: alice.conv.id });
    pushed(alice); // the end message
    const frame = await compose(alice, 'meant to be private');
    expect(frame.of('error')).toEqual([{ type: 'error', code: 'invalid', message: expect.stringContaining('not private') }]);
    expect(frame.of('sent')).toEqual([]);
    expect(pushed(alice)).toEqual([]);
  });

  it('under "always" a text typed before the conversation is private waits for it', async () => {
    await alice.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
    expect(await alice.bg.sessions.send(alice.conv.id, 'waits for privacy', { tabId: 1, frameId: 0 })).toEqual({ queued: true });
    expect(pushed(alice).join('\n')).not.toContain('waits for privacy');
    expect(alice.bg.sessions.queuedTexts(alice.conv.id).map((q) => q.text)).toEqual(['waits for privacy']);
    await goPrivate(alice, bob);
    expect(alice.bg.sessions.queuedTexts(alice.conv.id)).toEqual([]);
  });
});

describe('a failed write', () => {
  const broken = () => new Error('the database went away');

  it('cancelling a waiting text: the text still waits, as on disk', async () => {
    await alice.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
    await alice.bg.sessions.send(alice.conv.id, 'still waiting', { tabId: 1, frameId: 0 });
    const [waiting] = alice.bg.sessions.queuedTexts(alice.conv.id);
    vi.spyOn(alice.bg.store, 'put').mockRejectedValueOnce(broken());
    await expect(alice.bg.sessions.cancelQueued(alice.conv.id, waiting!.id)).rejects.toThrow();
    expect(alice.bg.sessions.queuedTexts(alice.conv.id)).toEqual([waiting]);
  });

  it('acknowledging a changed key: the change is still shown, as on disk', async () => {
    const r = alice.bg.sessions.life.records.get(alice.conv.id)!;
    r.fingerprintChanged = { previous: 'aa'.repeat(20), current: 'bb'.repeat(20) };
    await alice.bg.sessions.life.save(r);
    vi.spyOn(alice.bg.store, 'put').mockRejectedValueOnce(broken());
    await expect(alice.bg.sessions.clearChange('thelounge', 'alice', 'bob')).rejects.toThrow();
    expect((await viewOf(alice)).fingerprintChanged).toBeDefined();
  });

  it("holding a peer's query: not held until it is saved", async () => {
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    const [query] = pushed(bob);
    vi.spyOn(alice.bg.store, 'put').mockRejectedValueOnce(broken());
    await expect(incoming(alice, query!)).rejects.toThrow();
    expect((await viewOf(alice)).peerAsked).toBeFalsy();
    // The same query again is held and saved this time.
    await incoming(alice, query!);
    alice = await closeBrowser(alice);
    expect((await viewOf(alice)).peerAsked).toBe(true);
  });
});
