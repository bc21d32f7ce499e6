/**
 * Issue 11 in Chromium: a passphrase-locked profile after a restart. Alice sets a passphrase,
 * is private with bob (irssi-otr over The Lounge in private mode), closes her browser; bob writes.
 * When she opens it again the message shows "locked — unlock OffRecord" and nothing is sent
 * back; once she unlocks, it shows decrypted and the conversation carries on in the same session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import { loungeQuery, loungeSignIn } from './helpers/chat';
import { keptProfile, type KeptProfile } from './helpers/persistent';
import { extensionRequest, menu, popupRequest, readerTexts, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const PASSPHRASE = 'correct horse battery staple';
const LOCKED = 'locked — unlock OffRecord';

/** A request from the options page (setting a passphrase is accepted only from there). */
const optionsRequest = <T>(p: Profile, kind: string, payload: unknown): Promise<T> => extensionRequest<T>(p, 'options', kind, payload);

const lockedLines = (page: Page) => page.locator('[data-offrecord=status]', { hasText: LOCKED });

describe.sequential('A passphrase-locked profile after a restart (Chromium)', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let alice: KeptProfile;

  beforeAll(async () => {
    alice = keptProfile('locked-alice');
    const [irc, first] = await Promise.all([startIrcStack({ accounts: ['alice'] }), alice.open()]);
    stack = irc;
    [bob] = await Promise.all([startIrssi({ ircPort: stack.ircPort, nick: 'bob' }), waitIdentity(first)]);
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.stop();
    await stack?.stop();
  });

  it('alice sets a passphrase and goes private with bob', async () => {
    const p = alice.current!;
    const status = await optionsRequest<{ state: string }>(p, 'identity.setPassphrase', { current: null, next: PASSPHRASE });
    expect(status.state).toBe('ready');
    await loungeSignIn(p.page, stack.url, 'alice', stack.password!);
    await loungeQuery(p.page, 'bob');
    await menu(p.page, 'start');
    await waitState(p.page, 'unverified', 60_000);
    await bob.waitAll(/Session secured/, 30_000);
  });

  it('after a restart the message waits, locked, until she unlocks; then it shows and she replies in the same session', async () => {
    await alice.close();
    bob.say('alice', 'written while your browser was closed');
    await expect.poll(() => bob.messagesTo('alice'), { timeout: 10_000 }).toContain('written while your browser was closed');

    const p = await alice.open();
    await loungeSignIn(p.page, stack.url, 'alice', stack.password!);
    await loungeQuery(p.page, 'bob');
    await expect.poll(() => lockedLines(p.page).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await readerTexts(p.page)).not.toContain('written while your browser was closed');

    const unlocked = await popupRequest<{ state: string }>(p, 'identity.unlock', { passphrase: PASSPHRASE });
    expect(unlocked.state).toBe('ready');
    await waitReader(p.page, 'written while your browser was closed', LIST);
    await expect.poll(() => lockedLines(p.page).count(), { timeout: 10_000 }).toBe(0);
    await waitState(p.page, 'unverified');

    await typePrivate(p.page, 'unlocked and answering');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('unlocked and answering');
    expect(bob.all().match(/Session secured/g)?.length).toBe(1);
    expect(bob.query('alice')).not.toMatch(/error/i);
  });
});
