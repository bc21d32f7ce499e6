/**
 * Two backgrounds (Alice's and Bob's, each with its own database and storage.session area)
 * talking through the real engine, driven as their content scripts and frames would drive them.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { messageIdOf } from '../../src/messaging/message-id';
import { CONTENT_PORT, FRAME_PORT, type ContentPush } from '../../src/messaging/ports';
import type { ConversationView } from '../../src/messaging/types';
import { makeBackground, senders, settle, type Background, type FakePort } from './harness';
import { freshDbName } from './helpers';

interface Side {
  name: 'alice' | 'bob';
  db: string;
  bg: Background;
  port: FakePort;
  conv: ConversationView;
  read: number; // how many content-port pushes were consumed
}

async function boot(name: 'alice' | 'bob', db: string): Promise<Side> {
  const bg = await makeBackground(db, `${name}:`);
  const port = bg.connect(CONTENT_PORT, senders.content());
  const conv = await bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: name, peer: name === 'alice' ? 'bob' : 'alice' });
  return { name, db, bg, port, conv, read: 0 };
}

/** A worker restart: new services over the same database and storage.session. */
async function restart(side: Side): Promise<Side> {
  side.bg.close();
  return boot(side.name, side.db);
}

function pushed(side: Side): string[] {
  const fresh = side.port.posted.slice(side.read) as ContentPush[];
  side.read = side.port.posted.length;
  return fresh.flatMap((p) => (p.type === 'send' ? p.texts : []));
}

/** Carries wire texts back and forth until both sides are quiet; returns what each side fed. */
async function pump(a: Side, b: Side, initial: { to: Side; texts: string[] }[] = []): Promise<void> {
  const queue = [...initial];
  for (let rounds = 0; rounds < 50; rounds++) {
    await settle();
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const texts = pushed(from);
      if (texts.length) queue.push({ to, texts });
    }
    const next = queue.shift();
    if (!next) return;
    for (const text of next.texts) {
      const reply = await next.to.bg.ask(senders.content(), 'content.incoming', { conversationId: next.to.conv.id, text });
      if (reply.send.length) queue.push({ to: next.to === a ? b : a, texts: reply.send });
    }
  }
  throw new Error('the conversation did not settle');
}

async function compose(side: Side, text: string): Promise<FakePort> {
  const { token } = await side.bg.ask(senders.content(), 'content.frameToken', { conversationId: side.conv.id, role: 'compose' });
  const frame = side.bg.connect(FRAME_PORT, senders.compose());
  await side.bg.present(frame, token);
  await settle();
  frame.deliver({ type: 'send', text });
  await settle();
  return frame;
}

async function readPlaintext(side: Side, messageId: string): Promise<unknown[]> {
  const { token } = await side.bg.ask(senders.content(), 'content.frameToken', { conversationId: side.conv.id, role: 'reader', messageId });
  const frame = side.bg.connect(FRAME_PORT, senders.reader());
  await side.bg.present(frame, token);
  await settle();
  return frame.posted.filter((m) => ['plaintext', 'unavailable'].includes((m as { type: string }).type));
}

async function stateOf(side: Side): Promise<ConversationView> {
  return (await side.bg.ask(senders.popup, 'conversations.list', { tabId: 1 }))[0]!;
}

/** Sends `text` from one side's compose frame and feeds the resulting wire texts to the other. */
async function say(from: Side, to: Side, text: string): Promise<{ messageId: string; wire: string[] }> {
  await compose(from, text);
  const wire = pushed(from);
  expect(wire.length).toBeGreaterThan(0);
  let messageId = '';
  for (const w of wire) {
    expect(w).not.toContain(text);
    const reply = await to.bg.ask(senders.content(), 'content.incoming', { conversationId: to.conv.id, text: w });
    expect(JSON.stringify(reply)).not.toContain(text);
    if (reply.display === 'encrypted') messageId = reply.messageId;
  }
  return { messageId, wire };
}

/**
 * Alice starts; under the default policy ('manual') Bob's OffRecord holds her query and offers
 * Start (held-query.ts); Bob starts, which answers it; both become private.
 */
async function goPrivate(): Promise<void> {
  await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
  await pump(alice, bob);
  expect(await stateOf(bob)).toMatchObject({ state: 'plaintext', peerAsked: true });
  await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
  await pump(alice, bob);
}

let alice: Side;
let bob: Side;
beforeEach(async () => {
  fakeBrowser.reset();
  alice = await boot('alice', freshDbName());
  bob = await boot('bob', freshDbName());
});

describe('SessionManager with the engine', () => {
  it('two backgrounds become private and exchange messages; plaintext reaches only the reader frame', async () => {
    await goPrivate();
    const a = await stateOf(alice);
    const b = await stateOf(bob);
    expect(a.state).toBe('unverified');
    expect(b.state).toBe('unverified');
    expect(a.version).toBe(3);
    // Each sees the other's identity fingerprint.
    const aliceId = alice.bg.keys.status();
    expect(aliceId.state === 'ready' && aliceId.fingerprint).toBe(b.fingerprint);

    const { messageId } = await say(alice, bob, 'hello bob');
    expect(messageId).toMatch(/^[0-9a-f]{64}$/);
    expect(await readPlaintext(bob, messageId)).toEqual([{ type: 'plaintext', messageId, text: 'hello bob' }]);
    const back = await say(bob, alice, 'hi alice');
    expect(await readPlaintext(alice, back.messageId)).toEqual([{ type: 'plaintext', messageId: back.messageId, text: 'hi alice' }]);
    // Nothing pushed to a content script ever held plaintext.
    for (const side of [alice, bob]) expect(JSON.stringify(side.port.posted)).not.toMatch(/hello bob|hi alice/);
  });

  it('a wire message delivered twice is processed once', async () => {
    await goPrivate();
    await compose(alice, 'only once');
    const [wire] = pushed(alice);
    const first = await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: wire! });
    const second = await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: wire! });
    expect(first.display).toBe('encrypted');
    expect(second).toEqual({ messageId: first.messageId, display: 'duplicate', send: [] });
    // Two tabs feeding the same text at once: still one writer, one decryption.
    await compose(alice, 'twice at once');
    const [again] = pushed(alice);
    const results = await Promise.all([1, 2].map(() => bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: again! })));
    expect(results.map((r) => r.display).sort()).toEqual(['duplicate', 'encrypted']);
  });

  it('resumes after a worker restart in the middle of the AKE', async () => {
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    const query = pushed(alice);
    // Bob's OffRecord holds the query; his Start answers it with a DH-commit; Alice's worker
    // restarts before it arrives.
    expect((await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: query[0]! })).send).toEqual([]);
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    const commit = pushed(bob);
    expect(commit.length).toBeGreaterThan(0);
    alice = await restart(alice);
    const dhKey = (await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text: commit[0]! })).send;
    bob = await restart(bob);
    await pump(alice, bob, [{ to: bob, texts: dhKey }]);
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
    const { messageId } = await say(alice, bob, 'after restarts');
    expect(await readPlaintext(bob, messageId)).toEqual([{ type: 'plaintext', messageId, text: 'after restarts' }]);
  });

  it('resumes between data messages, and a message decrypted before the restart is still shown ("Until the browser closes")', async () => {
    await goPrivate();
    await bob.bg.ask(senders.options, 'settings.set', { historyRetention: 'session' });
    const one = await say(alice, bob, 'first');
    await settle();
    bob = await restart(bob);
    alice = await restart(alice);
    expect(await readPlaintext(bob, one.messageId)).toEqual([{ type: 'plaintext', messageId: one.messageId, text: 'first' }]);
    const two = await say(alice, bob, 'second');
    expect(await readPlaintext(bob, two.messageId)).toEqual([{ type: 'plaintext', messageId: two.messageId, text: 'second' }]);
    const three = await say(bob, alice, 'third');
    expect(await readPlaintext(alice, three.messageId)).toEqual([{ type: 'plaintext', messageId: three.messageId, text: 'third' }]);
  });

  it('with "Not at all" a message decrypted but not yet shown survives a worker restart, and is kept no longer once shown', async () => {
    await goPrivate();
    const one = await say(alice, bob, 'first');
    await settle();
    bob = await restart(bob);
    expect(await readPlaintext(bob, one.messageId)).toEqual([{ type: 'plaintext', messageId: one.messageId, text: 'first' }]);
    await settle();
    expect(await readPlaintext(bob, one.messageId)).toEqual([{ type: 'unavailable', messageId: one.messageId }]);
  });

  it('SMP with a question marks the peer verified for the asker only, as Pidgin does', async () => {
    await goPrivate();
    await alice.bg.ask(senders.popup, 'smp.start', { conversationId: alice.conv.id, secret: 'blue', question: 'colour?' });
    await pump(alice, bob);
    expect((await stateOf(bob)).smp).toMatchObject({ status: 'awaiting-answer', question: 'colour?' });
    await bob.bg.ask(senders.popup, 'smp.answer', { conversationId: bob.conv.id, secret: 'blue' });
    await pump(alice, bob);
    expect((await stateOf(alice)).state).toBe('private');
    expect((await stateOf(bob)).state).toBe('unverified');
    expect((await stateOf(bob)).smp.status).toBe('succeeded');
    const [peer] = await alice.bg.ask(senders.popup, 'peers.list', {});
    expect(peer).toMatchObject({ trust: 'smp', changedWarning: false });
  });

  it('SMP with a shared secret marks the peer verified on both sides', async () => {
    await goPrivate();
    await alice.bg.ask(senders.popup, 'smp.start', { conversationId: alice.conv.id, secret: 'blue' });
    await pump(alice, bob);
    await bob.bg.ask(senders.popup, 'smp.answer', { conversationId: bob.conv.id, secret: 'blue' });
    await pump(alice, bob);
    expect((await stateOf(alice)).state).toBe('private');
    expect((await stateOf(bob)).state).toBe('private');
  });

  it('the query carries the invitation with the store links from the settings, in one line, and still starts the AKE', async () => {
    const firefox = 'https://addons.mozilla.org/firefox/addon/offrecord-test/';
    // Bob answers queries as libotr does, so the query's own parsing is what is tested.
    await bob.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'opportunistic' });
    await alice.bg.ask(senders.options, 'settings.set', { storeLinks: { chrome: '', firefox } });
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    const [query, ...rest] = pushed(alice);
    expect(rest).toEqual([]);
    expect(query).toBe(`?OTRv23? alice invites you to a private conversation with Off-the-Record (OTR) messaging. OTR encrypts each message so that only the two of you can read it. Get OffRecord for Firefox: ${firefox}`);
    // Until an OTR answer comes, the lock may offer this very text to copy.
    expect((await stateOf(alice)).asked?.invitation).toBe(query);
    await pump(alice, bob, [{ to: bob, texts: [query!] }]);
    expect((await stateOf(alice)).asked).toBeUndefined();
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
  });

  it("under the default policy a peer's query is held and offered in the popup; Start answers it at once", async () => {
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    const [query] = pushed(alice);
    // Bob's OffRecord answers nothing by itself: no AKE message, nothing for his page to send.
    const held = await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: query! });
    expect(held).toMatchObject({ display: 'hidden', send: [] });
    expect(pushed(bob)).toEqual([]);
    expect(await stateOf(bob)).toMatchObject({ state: 'plaintext', peerAsked: true });
    // The held query outlives a worker restart (it is saved with the conversation).
    bob = await restart(bob);
    expect((await stateOf(bob)).peerAsked).toBe(true);
    // One click: his Start answers Alice's query with a D-H Commit, not a query of his own.
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    const answer = pushed(bob);
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatch(/^\?OTR:AAMC/);
    expect((await stateOf(bob)).peerAsked).toBeUndefined();
    await pump(alice, bob, [{ to: alice, texts: answer }]);
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
    expect((await stateOf(alice)).peerAsked).toBeUndefined();
  });

  it('with no query held, Start sends our own query; a held query is answered only once', async () => {
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    expect(pushed(bob)[0]).toMatch(/^\?OTRv23\? /);
    // Alice's query arrives after Bob asked himself: he already said yes, so it is answered.
    await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: '?OTRv23?' }).then((r) => expect(r.send[0]).toMatch(/^\?OTR:AAMC/));
  });

  it('two people clicking Start at the same moment still go private (crossing queries are answered)', async () => {
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    await pump(alice, bob);
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
  });

  it("'opportunistic' answers a query at once, as libotr does, with no click", async () => {
    await bob.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'opportunistic' });
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    const [query] = pushed(alice);
    const reply = await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: query! });
    expect(reply.send[0]).toMatch(/^\?OTR:AAMC/);
    await pump(alice, bob, [{ to: alice, texts: reply.send }]);
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
  });

  it('refuses a store link that is not one https token', async () => {
    await expect(alice.bg.ask(senders.options, 'settings.set', { storeLinks: { chrome: 'javascript:alert(1)', firefox: '' } })).rejects.toThrow();
    await expect(alice.bg.ask(senders.options, 'settings.set', { storeLinks: { chrome: 'https://a b', firefox: '' } })).rejects.toThrow();
    expect((await alice.bg.ask(senders.options, 'settings.get', {})).storeLinks.chrome).toBe('https://chromewebstore.google.com/search/OffRecord');
  });

  it('starts again after ending: the same query text is not taken for a duplicate', async () => {
    await goPrivate();
    await alice.bg.ask(senders.content(), 'conversation.end', { conversationId: alice.conv.id });
    await pump(alice, bob);
    expect((await stateOf(bob)).state).toBe('finished');
    await bob.bg.ask(senders.content(), 'conversation.end', { conversationId: bob.conv.id });
    await alice.bg.ask(senders.content(), 'conversation.start', { conversationId: alice.conv.id });
    await pump(alice, bob);
    // Bob's OffRecord holds Alice's new query until he starts too.
    expect((await stateOf(bob)).state).toBe('plaintext');
    await bob.bg.ask(senders.content(), 'conversation.start', { conversationId: bob.conv.id });
    await pump(alice, bob);
    expect((await stateOf(alice)).state).toBe('unverified');
    expect((await stateOf(bob)).state).toBe('unverified');
  });

  it("keeps under the adapter's length limit when the site's fragment size changes later", async () => {
    for (const side of [alice, bob]) {
      side.conv = await side.bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: side.name, peer: side.name === 'alice' ? 'bob' : 'alice', fragmentSize: 300 });
    }
    await goPrivate();
    await alice.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', fragmentSize: 1000 });
    const { wire } = await say(alice, bob, 'x'.repeat(700));
    expect(wire.length).toBeGreaterThan(1);
    for (const piece of wire) expect(piece.length).toBeLessThanOrEqual(300);
  });

  it('two fragmented messages in a row whose first pieces are byte-identical are both read', async () => {
    for (const side of [alice, bob]) {
      side.conv = await side.bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: side.name, peer: side.name === 'alice' ? 'bob' : 'alice', fragmentSize: 300 });
    }
    await goPrivate();
    const one = await say(alice, bob, 'a'.repeat(600));
    const two = await say(alice, bob, 'b'.repeat(600));
    // Same keys, no reply between: the header and next DH key make the first pieces equal.
    expect(one.wire[0]).toBe(two.wire[0]);
    expect(await readPlaintext(bob, one.messageId)).toEqual([{ type: 'plaintext', messageId: one.messageId, text: 'a'.repeat(600) }]);
    expect(await readPlaintext(bob, two.messageId)).toEqual([{ type: 'plaintext', messageId: two.messageId, text: 'b'.repeat(600) }]);
  });

  it("under 'always', typed text waits, leaves only encrypted, and our echo shows what we typed", async () => {
    for (const side of [alice, bob]) await side.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
    alice = await restart(alice);
    bob = await restart(bob);
    await compose(alice, 'typed early');
    const early = pushed(alice);
    expect(early.join('\n')).not.toContain('typed early');
    // The query goes out, the AKE follows, and the waiting text is sent once private.
    const fromAlice: string[] = [];
    let toBob = early;
    for (let round = 0; round < 10 && toBob.length > 0; round++) {
      const toAlice: string[] = [];
      for (const text of toBob) toAlice.push(...(await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text })).send);
      toBob = [];
      for (const text of toAlice) toBob.push(...(await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text })).send);
      fromAlice.push(...toBob);
    }
    const state = await stateOf(alice);
    expect(state.queued).toBe(0);
    expect(state.state).toBe('unverified');
    expect(fromAlice.join('\n')).not.toContain('typed early');
    // Alice's page shows her own message bubble: feeding it back is not a new message for
    // her engine, and her reader frame gets what she typed.
    const data = fromAlice.filter((w) => w.startsWith('?OTR:AAMD'));
    expect(data).toHaveLength(1);
    const echo = await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text: data[data.length - 1]!, mine: true });
    expect(echo.display).toBe('encrypted');
    expect(echo.send).toEqual([]);
    expect(await readPlaintext(alice, echo.messageId)).toEqual([{ type: 'plaintext', messageId: echo.messageId, text: 'typed early' }]);
  });

  it('own echoes are told apart in the background alone: what it did not send, or history, never reaches the engine', async () => {
    await goPrivate();
    // Bob's data message shown as Alice's own (sent from another device): not hers to decrypt.
    await compose(bob, 'from bob');
    const fromBob = pushed(bob).filter((w) => w.startsWith('?OTR:AAMD'));
    expect(fromBob).toHaveLength(1);
    const before = await stateOf(alice);
    const elsewhere = await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text: fromBob[0]!, mine: true });
    // Nothing kept for it here: "encrypted earlier" as a status line.
    expect(elsewhere).toMatchObject({ display: 'gone', send: [] });
    // Not fed: the same text from Bob still decrypts.
    const real = await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text: fromBob[0]! });
    expect(real.display).toBe('encrypted');
    expect((await stateOf(alice)).state).toBe(before.state);
    // Her own echo shown again as history (a reload) asks nothing of the engine either.
    await compose(alice, 'again');
    const own = pushed(alice).filter((w) => w.startsWith('?OTR:AAMD'));
    const history = await alice.bg.ask(senders.content(), 'content.incoming', { conversationId: alice.conv.id, text: own[0]!, mine: true, history: true });
    expect(history).toMatchObject({ display: 'earlier', send: [] });
  });
});

describe('a reader frame placed as its message arrives (spare token)', () => {
  it('opens before the message is received and gets the plaintext pushed once it is decrypted', async () => {
    await goPrivate();
    await compose(alice, 'pushed to the open frame');
    const wire = pushed(alice);
    const last = wire[wire.length - 1]!;
    const messageId = messageIdOf(last);
    // The content script holds a spare token; the frame names its message in its hello.
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    const frame = bob.bg.connect(FRAME_PORT, senders.reader());
    await bob.bg.present(frame, token, { messageId });
    await settle();
    const shown = () => frame.posted.filter((m) => ['plaintext', 'unavailable'].includes((m as { type: string }).type));
    expect(shown()).toEqual([]); // waiting: the message has not reached the background yet
    for (const w of wire) await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: w });
    await settle();
    expect(shown()).toEqual([{ type: 'plaintext', messageId, text: 'pushed to the open frame' }]);
  });

  it('a spare token whose frame names no message, or no token at all, gets nothing', async () => {
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    const unnamed = bob.bg.connect(FRAME_PORT, senders.reader());
    expect(await bob.bg.present(unnamed, token)).toBe(true);
    const pageMade = bob.bg.connect(FRAME_PORT, senders.reader());
    expect(await bob.bg.present(pageMade, '0'.repeat(32), { messageId: messageIdOf('?OTR:AAMD.') })).toBe(false);
    await settle();
    // The claimed frame gets the security mark (it is OffRecord's own), but no text; the page's gets nothing.
    expect(unnamed.posted.every((m) => ['mark', 'error'].includes((m as { type: string }).type))).toBe(true);
    expect(pageMade.posted.every((m) => (m as { type: string }).type === 'error')).toBe(true);
    await expect(bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader' })).rejects.toThrow(/message id/);
  });

  it('a warm frame (loaded before any message) gets the plaintext its own content script names with the feed, and only that', async () => {
    await goPrivate();
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    const warm = bob.bg.connect(FRAME_PORT, senders.reader());
    await bob.bg.present(warm, token);
    await settle();
    const shown = () => warm.posted.filter((m) => ['plaintext', 'unavailable', 'error'].includes((m as { type: string }).type));
    expect(shown()).toEqual([]); // parked: it waits to be told its message
    await compose(alice, 'to the warm frame');
    const wire = pushed(alice);
    const messageId = messageIdOf(wire[wire.length - 1]!);
    // Another tab naming the token binds nothing (it cannot register this conversation either).
    await expect(bob.bg.ask(senders.content(2), 'content.incoming', { conversationId: bob.conv.id, text: wire[0]!, reader: token })).rejects.toThrow();
    for (const w of wire) await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: w, ...(w === wire[wire.length - 1] ? { reader: token } : {}) });
    await settle();
    expect(shown()).toEqual([{ type: 'plaintext', messageId, text: 'to the warm frame' }]);
  });

  it('a warm frame named before its page loaded gets that message once it is claimed, and nothing else does', async () => {
    await goPrivate();
    const { token } = await bob.bg.ask(senders.content(), 'content.frameToken', { conversationId: bob.conv.id, role: 'reader', pending: true });
    await compose(alice, 'to a frame still loading');
    const wire = pushed(alice);
    const messageId = messageIdOf(wire[wire.length - 1]!);
    for (const w of wire) await bob.bg.ask(senders.content(), 'content.incoming', { conversationId: bob.conv.id, text: w, ...(w === wire[wire.length - 1] ? { reader: token } : {}) });
    // Only now does the frame's page run and present the token (naming no message itself).
    const late = bob.bg.connect(FRAME_PORT, senders.reader());
    expect(await bob.bg.present(late, token)).toBe(true);
    // A second claim with the same token (a frame the page made itself) gets nothing.
    const copy = bob.bg.connect(FRAME_PORT, senders.reader());
    expect(await bob.bg.present(copy, token)).toBe(false);
    await settle();
    const shown = (f: typeof late) => f.posted.filter((m) => ['plaintext', 'unavailable'].includes((m as { type: string }).type));
    expect(shown(late)).toEqual([{ type: 'plaintext', messageId, text: 'to a frame still loading' }]);
    expect(shown(copy)).toEqual([]);
  });
});
