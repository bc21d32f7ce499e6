/**
 * Issue 17 item 2 in Firefox (the MV2 build through puppeteer-core): Bob, private in Firefox,
 * gets query messages again and again in his page (sent by script through Alice's Chromium
 * page's own box). His engine restarts nothing and his page sends no OTR reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startXmppStack, XMPP_PASSWORD, type XmppStack } from '../stacks/index';
import { launchFirefoxWithExtension, type FirefoxWithExtension } from './helpers/browser';
import { converseLogin, converseOpenChat } from './helpers/chat';
import { FIREFOX_BUILD, launchProfile, lockState, menu, waitIdentity, waitState, type Profile } from './overlay-kit';

const ALICE_BOX = 'converse-chat[jid="bob@localhost"] textarea.chat-textarea';
const BOB_LIST = 'converse-chat[jid="alice@localhost"] .chat-content__messages';

async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout: number, what: string): Promise<T> {
  let last: T | undefined;
  for (const t = Date.now(); Date.now() - t < timeout; await new Promise((r) => setTimeout(r, 200))) {
    last = await fn().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`Firefox: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const ffState = (page: Page) => page.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-state'));

const bobsOtrReplies = (page: Page) =>
  page.evaluate((list) => {
    const root = document.querySelector(list);
    return Array.from(root?.querySelectorAll('div.message.chat-msg') ?? [])
      .filter((m) => m.querySelector('.chat-msg__content--me'))
      .map((m) => m.querySelector('.chat-msg__text')?.getAttribute('text') ?? '')
      .filter((t) => t.startsWith('?OTR')).length;
  }, BOB_LIST);

describe.sequential('Firefox: page-supplied queries while private (item 2)', () => {
  let stack: XmppStack;
  let ff: FirefoxWithExtension;
  let bob: Page;
  let alice: Profile;

  beforeAll(async () => {
    stack = await startXmppStack();
    [ff, alice] = await Promise.all([launchFirefoxWithExtension(FIREFOX_BUILD), launchProfile('hostile2-ff-alice')]);
    bob = await ff.browser.newPage();
    await bob.goto(stack.url);
    await bob.waitForSelector('#converse-login-jid');
    await bob.type('#converse-login-jid', 'bob');
    await bob.type('#converse-login-password', XMPP_PASSWORD);
    await bob.click('#converse-login button[type=submit]');
    await bob.waitForSelector('#controlbox:not(.logged-out) converse-roster', { timeout: 20_000 });
    await bob.waitForFunction(() => 'converseTestApi' in window);
    await bob.evaluate(() => {
      void (window as unknown as { converseTestApi: { chats: { open(j: string): Promise<unknown> } } }).converseTestApi.chats.open('alice@localhost');
    });
    await waitIdentity(alice);
    await converseLogin(alice.page, stack.url, 'alice');
    await converseOpenChat(alice.page, 'bob');
  });
  afterAll(async () => {
    await ff?.close();
    await alice?.close();
    await stack?.stop();
  });

  it('ten queries make Bob re-key at most once, and the conversation stays private', async () => {
    await poll(() => ffState(bob), (s) => s === 'plaintext', 60_000, "Bob's lock");
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await poll(() => bob.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-asked')), (a) => a === 'true', 60_000, "Bob's lock to say Alice asks");
    await (await bob.waitForSelector('>>> [data-offrecord=lock]'))!.click();
    await (await bob.waitForSelector('>>> [role=menuitem][data-offrecord=start]'))!.click();
    await waitState(alice.page, 'unverified', 90_000);
    await poll(() => ffState(bob), (s) => s === 'unverified', 60_000, "Bob's lock to become unverified");
    const before = await bobsOtrReplies(bob);
    for (let i = 0; i < 10; i++) {
      await alice.page.evaluate(
        ([box, text]) => {
          const area = document.querySelector<HTMLTextAreaElement>(box!)!;
          area.value = text!;
          area.dispatchEvent(new Event('input', { bubbles: true }));
          area.form?.requestSubmit();
        },
        [ALICE_BOX, i % 2 ? '?OTRv3?' : '?OTRv23?'],
      );
    }
    await poll(() => bob.evaluate((l) => document.querySelector(l)?.textContent?.split('?OTRv').length ?? 0, BOB_LIST), (n) => n > 10, 20_000, 'the queries in Bob\'s page');
    await new Promise((r) => setTimeout(r, 3000));
    // One refresh (D-H Commit, Reveal Signature) at most; a flood gets no more.
    expect((await bobsOtrReplies(bob)) - before).toBeLessThanOrEqual(2);
    expect(await ffState(bob)).toBe('unverified');
    expect(await lockState(alice.page)).toBe('unverified');
  });
});
