/**
 * Two backgrounds (Alice's and Bob's), each with its own database and storage.session prefix,
 * driven the way their content scripts and frames drive them, with a clock the test moves.
 * `closeBrowser` models a browser quit: storage.session is gone, IndexedDB stays.
 */
import 'fake-indexeddb/auto';
import browser from 'webextension-polyfill';
import { expect } from 'vitest';
import { cryptoRandom } from '../../src/background/keygen';
import { CONTENT_PORT, FRAME_PORT, type ContentPush } from '../../src/messaging/ports';
import type { ConversationView, IncomingResult } from '../../src/messaging/types';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { freshDbName } from './helpers';
import { createConversation, receiveMessage } from '../../src/otr/index';
import { testKey } from '../otr/helpers';
import { makeBackground, senders, settle, type Background, type BackgroundOptions, type FakePort } from './harness';

export interface Clock {
  now: number;
}

export interface Side {
  name: 'alice' | 'bob';
  db: string;
  bg: Background;
  port: FakePort;
  conv: ConversationView;
  read: number;
  opts: BackgroundOptions;
  tab: number;
}

export const DAY = 24 * 60 * 60 * 1000;

export function clockEnv(clock: Clock) {
  return { random: cryptoRandom, now: () => clock.now };
}

export async function boot(name: 'alice' | 'bob', db: string, opts: BackgroundOptions = {}, tab = 1): Promise<Side> {
  const bg = await makeBackground(db, `${name}:`, opts);
  const port = bg.connect(CONTENT_PORT, senders.content(tab));
  const conv = await bg.ask(senders.content(tab), 'content.register', { site: 'thelounge', account: name, peer: name === 'alice' ? 'bob' : 'alice' });
  return { name, db, bg, port, conv, read: 0, opts, tab };
}

/** A fresh fake browser with Alice's and Bob's backgrounds, each on its own new database. */
export async function bootPair(): Promise<{ alice: Side; bob: Side }> {
  fakeBrowser.reset();
  return { alice: await boot('alice', freshDbName()), bob: await boot('bob', freshDbName()) };
}

/** The browser quits (storage.session is emptied) and starts again on the same profile. */
export async function closeBrowser(side: Side): Promise<Side> {
  side.bg.close();
  // Writes the worker had begun (the plaintext cache's, a task behind) land before the
  // browser's end wipes storage.session.
  await settle();
  const all = await browser.storage.session.get(null);
  await browser.storage.session.remove(Object.keys(all).filter((k) => k.startsWith(`${side.name}:`)));
  return boot(side.name, side.db, side.opts, side.tab);
}

export function pushed(side: Side): string[] {
  const fresh = side.port.posted.slice(side.read) as ContentPush[];
  side.read = side.port.posted.length;
  return fresh.flatMap((p) => (p.type === 'send' ? p.texts : []));
}

export function incoming(side: Side, text: string, history = false): Promise<IncomingResult> {
  return side.bg.ask(senders.content(side.tab), 'content.incoming', { conversationId: side.conv.id, text, history });
}

/** Carries wire texts (live) back and forth until both sides are quiet. */
export async function pump(a: Side, b: Side): Promise<void> {
  const queue: { to: Side; texts: string[] }[] = [];
  for (let rounds = 0; rounds < 50; rounds++) {
    await settle();
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const texts = pushed(from);
      if (texts.length) queue.push({ to, texts });
    }
    const next = queue.shift();
    if (!next) return;
    for (const text of next.texts) {
      const reply = await incoming(next.to, text);
      if (reply.send.length) queue.push({ to: next.to === a ? b : a, texts: reply.send });
    }
  }
  throw new Error('the conversation did not settle');
}

export async function compose(side: Side, text: string): Promise<FakePort> {
  const { token } = await side.bg.ask(senders.content(side.tab), 'content.frameToken', { conversationId: side.conv.id, role: 'compose' });
  const frame = side.bg.connect(FRAME_PORT, senders.compose(side.tab));
  await side.bg.present(frame, token);
  frame.deliver({ type: 'send', text });
  await settle();
  return frame;
}

export async function readPlaintext(side: Side, messageId: string, tab = side.tab): Promise<unknown[]> {
  const { token } = await side.bg.ask(senders.content(tab), 'content.frameToken', { conversationId: side.conv.id, role: 'reader', messageId });
  const frame = side.bg.connect(FRAME_PORT, senders.reader(tab));
  await side.bg.present(frame, token);
  return frame.posted.filter((m) => ['plaintext', 'unavailable'].includes((m as { type: string }).type));
}

export async function viewOf(side: Side): Promise<ConversationView> {
  return side.bg.sessions.viewOf(side.conv.id);
}

/**
 * Alice starts, Bob accepts, both become private (live). Under the default policy ('manual')
 * Bob's OffRecord holds Alice's query until he starts too (held-query.ts); his Start answers it.
 */
export async function goPrivate(alice: Side, bob: Side): Promise<void> {
  await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
  await pump(alice, bob);
  if ((await viewOf(bob)).state === 'plaintext') {
    expect((await viewOf(bob)).peerAsked).toBe(true);
    await bob.bg.ask(senders.popup, 'conversation.start', { conversationId: bob.conv.id });
    await pump(alice, bob);
  }
  expect((await viewOf(alice)).state).toBe('unverified');
  expect((await viewOf(bob)).state).toBe('unverified');
}

/** Alice's compose frame sends `text`; returns the wire texts her page was told to send. */
export async function typed(side: Side, text: string): Promise<string[]> {
  await compose(side, text);
  return pushed(side);
}

/** The names of the notices pushed to a side's content script so far. */
export const notices = (side: Side): string[] =>
  (side.port.posted as ContentPush[]).filter((p) => p.type === 'notice').map((p) => (p as { name: string }).name);

/** Another chat of the side's tab (a new peer on the same site), as its content script registers it. */
export function registerPeer(side: Side, peer: string): Promise<ConversationView> {
  return side.bg.ask(senders.content(side.tab), 'content.register', { site: 'thelounge', account: side.name, peer });
}

/**
 * `peer` opens a key exchange in the side's conversation `conversationId` (its D-H Commit, made
 * by an engine of the test's own): the conversation then holds an exchange under way.
 * Returns what the side answered.
 */
export async function openKeyExchange(side: Side, conversationId: string, peer: string, clock: Clock): Promise<IncomingResult> {
  const commit = receiveMessage(clockEnv(clock), { privateKey: testKey(`key-exchange-${peer}`), instanceTag: 0x4000 }, createConversation({ account: peer, protocol: 'thelounge', peer: side.name }), '?OTRv3?').send[0]!;
  return side.bg.ask(senders.content(side.tab), 'content.incoming', { conversationId, text: commit });
}
