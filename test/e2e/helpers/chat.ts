/** Driving the two web clients the way a person would: log in, open a conversation. */
import type { Page } from 'playwright-core';
import { XMPP_DOMAIN, XMPP_PASSWORD } from '../../stacks/xmpp';

/** The Lounge in public mode: pick a nick, connect, land in #test. */
export async function loungeJoin(page: Page, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=nick]', nick);
  await page.click('form.container button[type=submit]');
  await page.waitForSelector('#chat .chat-view[data-type="channel"] .messages[role=log]', { timeout: 20_000 });
  await page.waitForSelector('form#form textarea#input');
  // The channel view shows before the server confirms the JOIN; sending earlier is refused
  // ("Cannot send to channel"). Our nick in the user list means we are in.
  await page.waitForSelector(`#chat .chat-view[data-type="channel"] .userlist [data-name="${nick}"]`, { state: 'attached', timeout: 20_000 });
}

/**
 * Opens (or switches to) a private-message view with `nick` via /query. Set and submitted
 * without keys: where OffRecord's private box is on (a private room in the channel), keys go
 * there and never to the site's box, as they should.
 */
export async function loungeQuery(page: Page, nick: string): Promise<void> {
  const view = `#chat .chat-view[data-type="query"][aria-label="${nick}"]`;
  for (let attempt = 0; ; attempt++) {
    await page.evaluate((text) => {
      const area = document.querySelector<HTMLTextAreaElement>('textarea#input')!;
      area.value = text;
      area.dispatchEvent(new Event('input', { bubbles: true }));
      area.form?.requestSubmit();
    }, `/query ${nick}`);
    try {
      await page.waitForSelector(view, { timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 2) throw new Error(`/query ${nick} opened no view: ${await loungeDiagnosis(page)}`, { cause: e });
    }
  }
}

/** What The Lounge shows, for the error of a test whose view did not open. */
function loungeDiagnosis(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const area = document.querySelector<HTMLTextAreaElement>('textarea#input');
      const shown = [...document.querySelectorAll('#chat .chat-view')].filter((v) => (v as HTMLElement).offsetParent !== null);
      return JSON.stringify({
        box: area ? { value: area.value.slice(0, 40), inert: area.inert, disabled: area.disabled } : null,
        shown: shown.map((v) => `${v.getAttribute('data-type')}:${v.getAttribute('aria-label')}`),
        sidebar: [...document.querySelectorAll('#sidebar .channel-list-item')].map((i) => i.getAttribute('data-name')),
        lastLines: [...document.querySelectorAll('#chat .chat-view .msg')].slice(-3).map((m) => (m.textContent ?? '').trim().slice(0, 60)),
      });
    })
    .catch((e: unknown) => `unreadable: ${(e as Error).message}`);
}

export async function converseLogin(page: Page, url: string, user: string): Promise<void> {
  await page.goto(url);
  await page.fill('#converse-login-jid', user);
  await page.fill('#converse-login-password', XMPP_PASSWORD);
  await page.click('#converse-login button[type=submit]');
  await page.waitForSelector('#controlbox:not(.logged-out) converse-roster', { state: 'attached', timeout: 20_000 });
}

/**
 * Opens a 1:1 chat. Uses the test page's hook (converseTestApi, see stacks/xmpp.ts) because
 * Converse 14 ignores the #converse/chat?jid= route until the session is fully up.
 */
export async function converseOpenChat(page: Page, user: string): Promise<void> {
  const jid = user.includes('@') ? user : `${user}@${XMPP_DOMAIN}`;
  await page.waitForFunction(() => 'converseTestApi' in window);
  await page.evaluate((j) => {
    void (window as unknown as { converseTestApi: { chats: { open(j: string): Promise<unknown> } } }).converseTestApi.chats.open(j);
  }, jid);
  await page.waitForSelector(`converse-chat[jid="${jid}"] converse-message-form textarea.chat-textarea`, { timeout: 20_000 });
}

/** Logs `user` in to Converse and opens the 1:1 chat with `peer`: one side's whole set-up. */
export async function converseChat(page: Page, url: string, user: string, peer: string): Promise<void> {
  await converseLogin(page, url, user);
  await converseOpenChat(page, peer);
}

/**
 * The Lounge in private mode: sign in, unless a kept profile still holds her session token and
 * The Lounge signs her in by itself; the server has kept her networks and history.
 */
export async function loungeSignIn(page: Page, url: string, user: string, password: string): Promise<void> {
  const chat = '#chat .chat-view .messages[role=log]';
  await page.goto(url);
  await page.waitForSelector(`#signin-username, ${chat}`, { timeout: 20_000 });
  if (await page.locator('#signin-username').isVisible()) {
    await page.fill('#signin-username', user);
    await page.fill('#signin-password', password);
    await page.press('#signin-password', 'Enter');
  }
  await page.waitForSelector(chat, { timeout: 20_000 });
  await page.waitForSelector('form#form textarea#input');
}

/** Switches to an existing query or channel from the sidebar (the composer may be covered). */
export async function loungeSwitchTo(page: Page, name: string): Promise<void> {
  await page.locator(`#sidebar .channel-list-item[data-name="${name}"]`).click();
  await page.waitForSelector(`#chat .chat-view[aria-label="${name}"]`, { timeout: 10_000 });
}

type ConverseApi = {
  chats: { open(j: string, attrs?: object, force?: boolean): Promise<unknown> };
  rooms: { open(j: string, attrs?: object, force?: boolean): Promise<unknown> };
};

/**
 * Joins a groupchat (MUC) under `nick` and waits until our own nick is in its occupant list
 * (the server took the join; a message sent earlier may be refused).
 */
export async function converseJoinRoom(page: Page, room: string, nick: string): Promise<void> {
  await page.waitForFunction(() => 'converseTestApi' in window);
  await page.evaluate(([r, n]) => {
    void (window as unknown as { converseTestApi: ConverseApi }).converseTestApi.rooms.open(r!, { nick: n }, true);
  }, [room, nick]);
  await page.waitForSelector(`converse-muc[jid="${room}"]:not(.hidden) converse-muc-message-form textarea.chat-textarea`, { timeout: 20_000 });
  await page.locator(`converse-muc[jid="${room}"] converse-muc-occupants .occupant-nick`, { hasText: nick }).first().waitFor({ timeout: 20_000 });
}

/**
 * Opens a 1:1 chat or groupchat, or brings it to the front, through the test page's hook.
 * Fullscreen Converse renders one chat at a time (the others leave the DOM); without `force`
 * a chat opened while a groupchat shows is never rendered.
 */
export async function converseSwitchTo(page: Page, jid: string): Promise<void> {
  const muc = jid.includes('@conference.');
  await page.evaluate(([j, isMuc]) => {
    const api = (window as unknown as { converseTestApi: ConverseApi }).converseTestApi;
    void (isMuc ? api.rooms.open(j as string, {}, true) : api.chats.open(j as string, {}, true));
  }, [jid, muc] as const);
  await page.waitForSelector(`${muc ? 'converse-muc' : 'converse-chat'}[jid="${jid}"]:not(.hidden) textarea.chat-textarea`, { timeout: 10_000 });
}
