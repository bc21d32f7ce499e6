/**
 * Issue 11, scenario 1 in firefox-esr (the MV2 build, its background page and IndexedDB): alice
 * in The Lounge (private mode) is private with bob on irssi-otr; her Firefox is closed (or
 * killed), bob sends two messages, and when Firefox opens again on the same profile both show
 * decrypted in order, the lock keeps its state and bob's fingerprint, and her reply goes out in
 * the same OTR session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import { ffFingerprint, ffLockState, ffLoungeQuery, ffLoungeSignIn, ffMenu, ffPoll, ffReaders, ffType, keptFirefox, type KeptFirefox } from './helpers/firefox-kept';

const LIST = '#chat .chat-view .messages';
const compact = (fp: string | null | undefined) => (fp ?? '').replace(/\s/g, '').toUpperCase();

describe.sequential('Scenario 1 (Firefox): a private conversation with irssi-otr survives the browser', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let alice: KeptFirefox;

  async function reopen(): Promise<Page> {
    const page = await alice.open();
    await ffLoungeSignIn(page, stack.url, 'alice', stack.password!);
    await ffLoungeQuery(page, 'bob');
    return page;
  }

  async function whileAway(tag: string): Promise<void> {
    const away = [`first while away ${tag}`, `second while away ${tag} — ünïcödé 🔐`];
    for (const text of away) bob.say('alice', text);
    await expect.poll(() => bob.messagesTo('alice').filter((t) => away.includes(t)).length, { timeout: 10_000 }).toBe(2);

    const page = await reopen();
    const shown = await ffPoll(
      async () => (await ffReaders(page, LIST)).filter((t) => away.includes(t)),
      (t) => t.length === 2,
      30_000,
      'both messages in reader frames',
    );
    expect(shown).toEqual(away);
    await ffPoll(() => ffLockState(page), (s) => s === 'unverified', 20_000, 'the lock to show unverified');
    expect(compact(await ffFingerprint(page))).toContain(compact(bob.fingerprint));

    const reply = `reply after reopening ${tag}`;
    await ffType(page, reply);
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain(reply);
    expect(bob.all().match(/Session secured/g)?.length).toBe(1);
    expect(bob.query('alice')).not.toMatch(/error/i);
  }

  beforeAll(async () => {
    stack = await startIrcStack({ accounts: ['alice'] });
    alice = keptFirefox('scenario1-alice');
    bob = await startIrssi({ ircPort: stack.ircPort, nick: 'bob' });
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.stop();
    await stack?.stop();
  });

  it('alice goes private with bob from the lock', async () => {
    const page = await reopen();
    // First run makes the identity key; the lock is usable once the page is recognised.
    await ffPoll(() => ffLockState(page), (s) => s === 'plaintext', 60_000, 'the lock');
    await ffMenu(page, 'start');
    await ffPoll(() => ffLockState(page), (s) => s === 'unverified', 60_000, 'the lock to show unverified');
    await bob.waitAll(/Session secured/, 30_000);
    await ffType(page, 'hello bob, from Firefox');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('hello bob, from Firefox');
  });

  it('after a clean close: both messages decrypted in order, same lock, reply in the same session', async () => {
    await alice.close();
    await whileAway('after close');
  });

  it('after SIGKILL mid-conversation: the same', async () => {
    const page = alice.page!;
    bob.say('alice', 'live message before the kill');
    await ffPoll(() => ffReaders(page, LIST), (t) => t.includes('live message before the kill'), 30_000, 'the live message');
    await ffType(page, 'alice speaking just before the kill');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('alice speaking just before the kill');
    await alice.kill();
    await whileAway('after SIGKILL');
  });
});
