/**
 * The asynchronous stacks issue 11's scenarios stand on: The Lounge in private mode keeps alice
 * on IRC while her browser is closed and shows what arrived meanwhile when she signs in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcObserver, startIrcStack, waitOnIrc, type IrcObserver, type IrcStack } from '../stacks/index';
import { launchPlainChromium } from './helpers/browser';
import { loungeSignIn } from './helpers/chat';

/** Opens the query with `nick` from the sidebar, as a person would after signing in. */
async function openQuery(page: Page, nick: string): Promise<void> {
  await page.locator(`#sidebar .channel-list-item[data-name="${nick}"]`).click();
  await page.waitForSelector(`#chat .chat-view[data-type="query"][aria-label="${nick}"]`, { timeout: 10_000 });
}

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
      await openQuery(page, 'bob');
      await expect.poll(() => texts(page), { timeout: 10_000 }).toEqual(['first while you were away', 'second while you were away']);
    } finally {
      await browser.close();
    }
  });
});
