/**
 * The asynchronous stacks issue 11's scenarios stand on: The Lounge in private mode keeps alice
 * on IRC while her browser is closed and shows what arrived meanwhile when she signs in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcObserver, startIrcStack, startIrssi, waitOnIrc, type IrcObserver, type IrcStack, type IrssiPeer } from '../stacks/index';
import { launchPlainChromium } from './helpers/browser';
import { loungeQuery, loungeSignIn, loungeSwitchTo } from './helpers/chat';
import { menu, readyProfiles, typePrivate, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const compact = (fp: string | null | undefined) => (fp ?? '').replace(/\s/g, '').toUpperCase();

const texts = (page: Page) => page.locator('#chat .chat-view .messages div.msg[data-type="message"] .content').allTextContents();

describe.sequential('The Lounge in private mode', () => {
  let stack: IrcStack;
  let bob: IrcObserver;

  beforeAll(async () => {
    stack = await startIrcStack({ accounts: ['alice'] });
    bob = await startIrcObserver(stack.ircPort, { nick: 'bob' });
  });
  afterAll(async () => {
    bob?.close();
    await stack?.stop();
  });

  it('keeps alice on IRC with her browser closed and shows what arrived when she signs in again', async () => {
    // The server connected her at start: she is on #test before any browser opened.
    await waitOnIrc(bob, 'alice');

    let browser = await launchPlainChromium();
    let page = await browser.newPage();
    await loungeSignIn(page, stack.url, 'alice', stack.password!);
    await browser.close();

    bob.send('PRIVMSG alice :first while you were away');
    bob.send('PRIVMSG alice :second while you were away');
    bob.send('PING :sync');
    await bob.waitFor((l) => / PONG \S+ :sync$/.test(l));

    browser = await launchPlainChromium();
    try {
      page = await browser.newPage();
      await loungeSignIn(page, stack.url, 'alice', stack.password!);
      await loungeSwitchTo(page, 'bob');
      await expect.poll(() => texts(page), { timeout: 10_000 }).toEqual(['first while you were away', 'second while you were away']);
    } finally {
      await browser.close();
    }
  });
});

describe.sequential('irssi-otr as a peer of OffRecord over The Lounge', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let alice: Profile;

  beforeAll(async () => {
    stack = await startIrcStack({ accounts: ['alice'] });
    [bob, [alice]] = await Promise.all([startIrssi({ ircPort: stack.ircPort, nick: 'bob' }), readyProfiles('irssi-alice')]);
    await loungeSignIn(alice.page, stack.url, 'alice', stack.password!);
    await loungeQuery(alice.page, 'bob');
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.stop();
    await stack?.stop();
  });

  it('reaches a private conversation, both ways, with each side seeing the real fingerprint', async () => {
    const since = bob.mark();
    await menu(alice.page, 'start');
    await waitState(alice.page, 'unverified', 60_000);
    await bob.waitAll(/Session secured/, 30_000, since);
    const fp = await alice.page.locator('[data-offrecord=fingerprint]').textContent();
    expect(compact(fp)).toContain(compact(bob.fingerprint));

    await typePrivate(alice.page, 'hello irssi, from OffRecord ✓');
    await expect.poll(() => bob.messagesFrom('alice'), { timeout: 20_000 }).toContain('hello irssi, from OffRecord ✓');
    bob.say('alice', 'hi alice, irssi-otr here');
    await waitReader(alice.page, 'hi alice, irssi-otr here', LIST);
  });
});
