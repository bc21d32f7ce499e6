/**
 * Issue 11 in firefox-esr (the MV2 build: its background page and IndexedDB), with a kept
 * profile: alice (The Lounge in private mode) is private with bob and with carol (irssi-otr).
 * A damaged record ends only its conversation after a restart, with a notice and a popup entry;
 * the background page's clock moves two days on and the other conversation expires by itself;
 * then, with a passphrase, a restarted Firefox shows carol's new message locked until unlock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import {
  ffDiskRecords, ffLockEnded, ffLockState, ffLoungeSignIn, ffMenu, ffNotice, ffPoll, ffReaders, ffRequest, ffShiftClock, ffShowQuery, ffStatuses, ffType,
  keptFirefox, type KeptFirefox,
} from './helpers/firefox-kept';

const LIST = '#chat .chat-view .messages';
const DAY = 24 * 60 * 60 * 1000;
const PASSPHRASE = 'correct horse battery staple';

describe.sequential('Kept conversations in Firefox: a corrupted record, expiry, a locked profile', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let carol: IrssiPeer;
  let alice: KeptFirefox;
  let bobKey = '';
  let carolKey = '';

  const state = (page: Page, want: string, timeout = 30_000) => ffPoll(() => ffLockState(page), (s) => s === want, timeout, `the lock to show ${want}`);

  async function reopen(): Promise<Page> {
    const page = await alice.open();
    await ffLoungeSignIn(page, stack.url, 'alice', stack.password!);
    return page;
  }

  async function privateWith(page: Page, peer: IrssiPeer, nick: string): Promise<string> {
    const before = new Set((await ffDiskRecords(alice)).map((r) => r.key));
    await ffShowQuery(page, nick);
    await state(page, 'plaintext', 60_000);
    await ffMenu(page, 'start');
    await state(page, 'unverified', 60_000);
    await peer.waitAll(/Session secured/, 30_000);
    const fresh = (await ffDiskRecords(alice)).filter((r) => !before.has(r.key));
    expect(fresh).toHaveLength(1);
    return fresh[0]!.key;
  }

  beforeAll(async () => {
    stack = await startIrcStack({ accounts: ['alice'] });
    alice = keptFirefox('faults-alice');
    alice.via = new URL('/offrecord-blank', stack.url).href;
    [bob, carol] = await Promise.all([
      startIrssi({ ircPort: stack.ircPort, nick: 'bob' }),
      startIrssi({ ircPort: stack.ircPort, nick: 'carol' }),
    ]);
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.stop();
    await carol?.stop();
    await stack?.stop();
  });

  it('alice is private with bob and with carol', async () => {
    const page = await reopen();
    bobKey = await privateWith(page, bob, 'bob');
    carolKey = await privateWith(page, carol, 'carol');
  });

  it('a damaged record ends only its conversation, with a notice and a popup entry; the other works both ways', async () => {
    expect((await ffDiskRecords(alice, bobKey)).find((r) => r.key === bobKey)?.sealed).toBe(true);
    await alice.close();

    const page = await reopen();
    await ffShowQuery(page, 'bob');
    await state(page, 'finished');
    await ffPoll(() => ffLockEnded(page), (e) => e === 'corrupt', 10_000, 'the lock to say why it ended');
    await ffPoll(() => ffNotice(page), (n) => /could not be read/.test(n), 15_000, 'the notice');
    const problems = await ffRequest<{ code: string }[]>(alice, 'conversations.problems', {});
    expect(problems.map((x) => x.code)).toEqual(['corrupt']);

    await ffShowQuery(page, 'carol');
    await state(page, 'unverified', 20_000);
    await ffType(page, 'carol, still private after the restart');
    await expect.poll(() => carol.messagesFrom('alice'), { timeout: 20_000 }).toContain('carol, still private after the restart');
    carol.say('alice', 'and back to you, alice');
    await ffPoll(() => ffReaders(page, LIST), (t) => t.includes('and back to you, alice'), 30_000, 'carol\'s reply');
    expect(carol.all().match(/Session secured/g)?.length).toBe(1);
  });

  it('two days idle with the setting at one day: the conversation ends by itself, keys gone from disk', async () => {
    const page = alice.page!;
    expect((await ffDiskRecords(alice)).find((r) => r.key === carolKey)?.sealed).toBe(true);
    await ffShiftClock(alice, 2 * DAY);
    await ffRequest(alice, 'settings.set', { idleDays: 1 });
    await state(page, 'finished');
    await ffPoll(() => ffLockEnded(page), (e) => e === 'expired', 10_000, 'the lock to say expired');
    expect((await ffDiskRecords(alice)).find((r) => r.key === carolKey)).toMatchObject({ sealed: false, ended: 'expired' });
    carol.say('alice', 'are you still there?');
    await ffPoll(() => ffStatuses(page), (all) => all.some((t) => t.includes('Expired: this private conversation ended')), 20_000, 'the expired line');
  });

  it('with a passphrase, after a restart carol\'s message waits locked until alice unlocks; then they carry on', async () => {
    let page = alice.page!;
    expect((await ffRequest<{ state: string }>(alice, 'identity.setPassphrase', { current: null, next: PASSPHRASE })).state).toBe('ready');
    await ffMenu(page, 'start');
    await state(page, 'unverified', 60_000);
    await expect.poll(() => carol.all().match(/Session secured/g)?.length, { timeout: 30_000 }).toBe(2);
    await alice.close();
    carol.say('alice', 'written while your browser was closed');
    await expect.poll(() => carol.messagesTo('alice'), { timeout: 10_000 }).toContain('written while your browser was closed');

    page = await reopen();
    await ffShowQuery(page, 'carol');
    await ffPoll(() => ffStatuses(page), (all) => all.some((t) => t.includes('locked — unlock OffRecord')), 20_000, 'the locked line');
    expect(await ffReaders(page, LIST)).not.toContain('written while your browser was closed');
    expect((await ffRequest<{ state: string }>(alice, 'identity.unlock', { passphrase: PASSPHRASE })).state).toBe('ready');
    await ffPoll(() => ffReaders(page, LIST), (t) => t.includes('written while your browser was closed'), 30_000, 'the message, unlocked');
    await state(page, 'unverified');
    await ffType(page, 'unlocked and answering');
    await expect.poll(() => carol.messagesFrom('alice'), { timeout: 20_000 }).toContain('unlocked and answering');
    expect(carol.all().match(/Session secured/g)?.length).toBe(2);
  });
});
