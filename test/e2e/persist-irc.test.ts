/**
 * Issue 11, scenario 1 in Chromium: alice uses OffRecord in The Lounge (private mode, so the
 * server keeps her on IRC and keeps her history); bob uses irssi-otr. She closes her browser (or
 * it is killed with SIGKILL), bob sends two messages, she opens it again: both show decrypted in
 * order, the lock shows the same state and bob's fingerprint, and her reply goes out in the same
 * OTR session (irssi-otr decrypts it without a new AKE).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import { loungeQuery, loungeSignIn } from './helpers/chat';
import { keptProfile, type KeptProfile } from './helpers/persistent';
import { menu, readerTexts, typePrivate, waitIdentity, waitReader, waitState, lockState } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const compact = (fp: string | null | undefined) => (fp ?? '').replace(/\s/g, '').toUpperCase();

describe.sequential('Scenario 1 (Chromium): a private conversation with irssi-otr survives the browser', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let alice: KeptProfile;

  /** Opens alice's browser on her kept profile, signs in and shows the query with bob. */
  async function reopen(): Promise<Page> {
    const p = await alice.open();
    await loungeSignIn(p.page, stack.url, 'alice', stack.password!);
    await loungeQuery(p.page, 'bob');
    return p.page;
  }

  /** bob sends two messages while alice's browser is closed; then she reopens and reads them. */
  async function whileAway(tag: string, sessions: number): Promise<void> {
    const away = [`first while away ${tag}`, `second while away ${tag} — ünïcödé 🔐`];
    for (const text of away) bob.say('alice', text);
    // The query log shows our own lines only once irssi-otr has sent them.
    await expect.poll(() => bob.messagesTo('alice').filter((t) => away.includes(t)).length, { timeout: 10_000 }).toBe(2);

    const page = await reopen();
    for (const text of away) await waitReader(page, text, LIST);
    const shown = (await readerTexts(page)).filter((t) => away.includes(t));
    expect(shown).toEqual(away);
    await waitState(page, 'unverified', 20_000);
    expect(compact(await page.locator('[data-offrecord=fingerprint]').textContent())).toContain(compact(bob.fingerprint));

    const reply = `reply after reopening ${tag}`;
    await typePrivate(page, reply);
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain(reply);
    // Still the one session from the start: irssi-otr never secured a second one.
    expect(bob.all().match(/Session secured/g)?.length).toBe(sessions);
    expect(bob.messagesFrom('alice').some((t) => t.startsWith('?OTR'))).toBe(false);
    // History never talked back: no OTR error (nor anything else unasked) reached irssi.
    expect(bob.query('alice')).not.toMatch(/error/i);
  }

  beforeAll(async () => {
    alice = keptProfile('scenario1-alice');
    const [irc, first] = await Promise.all([startIrcStack({ accounts: ['alice'] }), alice.open()]);
    stack = irc;
    [bob] = await Promise.all([startIrssi({ ircPort: stack.ircPort, nick: 'bob' }), waitIdentity(first)]);
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.stop();
    await stack?.stop();
  });

  it('alice goes private with bob from the lock', async () => {
    const first = alice.current!;
    await loungeSignIn(first.page, stack.url, 'alice', stack.password!);
    await loungeQuery(first.page, 'bob');
    await menu(first.page, 'start');
    await waitState(first.page, 'unverified', 60_000);
    await bob.waitAll(/Session secured/, 30_000);
    await typePrivate(first.page, 'hello bob, before I close my browser');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('hello bob, before I close my browser');
  });

  it('after a clean close: both messages decrypted in order, same lock, reply in the same session', async () => {
    await alice.close();
    await whileAway('after close', 1);
  });

  it('after SIGKILL mid-conversation: the same, nothing lost or reused', async () => {
    const page = alice.current!.page;
    bob.say('alice', 'live message before the kill');
    await waitReader(page, 'live message before the kill', LIST);
    await typePrivate(page, 'alice speaking just before the kill');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('alice speaking just before the kill');
    expect(await lockState(page)).toBe('unverified');
    await alice.kill();
    await whileAway('after SIGKILL', 1);
  });
});
