/**
 * The chat stacks come up, and the site adapters work on the live clients: they find composer,
 * send button and message list, put text in with the value-setter technique, send it, and the
 * other side's adapter scrapes it as incoming from the right sender. Also: the built extension
 * loads in Chromium (service worker starts) and in Firefox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startIrcStack, startXmppStack, startIrcObserver, type IrcStack, type XmppStack } from '../stacks/index';
import { FINGERPRINT, launchChromiumWithExtension, launchFirefoxWithExtension, launchPlainChromium, screenshot, shownFingerprint, stopServiceWorker, CHROME_EXT, FIREFOX_EXT } from './helpers/browser';
import { converseLogin, converseOpenChat, loungeJoin, loungeQuery } from './helpers/chat';
import { injectAdapters } from './helpers/bundle';

type SiteId = 'thelounge' | 'converse';
interface Seen {
  text: string;
  direction: string;
  from: string;
  history: boolean;
  peerId: string | null;
}

/** Starts the adapter's watcher in the page; scraped messages collect in window.__seen. */
async function watch(page: Page, site: SiteId): Promise<void> {
  await injectAdapters(page);
  await page.evaluate((site) => {
    const w = window as any;
    const api = w.__offrecordAdapters;
    w.__seen = [];
    w.__watcher = new api.MessageWatcher(api[site], document, {
      onMessage: (m: any) =>
        w.__seen.push({ text: m.text, direction: m.direction, from: m.from, history: m.history, peerId: m.conversation?.peerId ?? null }),
    });
    w.__watcher.start();
  }, site);
}

async function parts(page: Page, site: SiteId) {
  return page.evaluate((site) => {
    const api = (window as any).__offrecordAdapters;
    const a = api[site];
    return {
      composer: a.composer(document)?.tagName ?? null,
      send: a.sendButton(document)?.tagName ?? null,
      list: !!a.messageList(document),
      conversation: a.conversation(document),
      missing: api.missingAdapterParts(a, document),
    };
  }, site);
}

/** Inserts with the adapter's technique and sends with the adapter's send action. */
async function sendVia(page: Page, site: SiteId, text: string): Promise<boolean> {
  return page.evaluate(
    async ({ site, text }) => {
      const api = (window as any).__offrecordAdapters;
      const a = api[site];
      const composer = a.composer(document);
      const ok = await api.insertText(composer, text, a.editor);
      if (ok) a.send(document, composer);
      return ok;
    },
    { site, text },
  );
}

async function waitSeen(page: Page, pred: (s: Seen) => boolean, what: string): Promise<Seen> {
  const end = Date.now() + 15_000;
  for (;;) {
    const seen = (await page.evaluate(() => (window as any).__seen)) as Seen[];
    const hit = seen.find(pred);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`not scraped: ${what}; saw ${JSON.stringify(seen)}`);
    await page.waitForTimeout(150);
  }
}

describe('IRC stack: ngircd + The Lounge', () => {
  let stack: IrcStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startIrcStack(), launchPlainChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the adapter sends from one page and the other scrapes it, in the channel and in a query', async () => {
    const observer = await startIrcObserver(stack.ircPort, { nick: 'watcher' });
    try {
      const alice = await browser.newPage();
      const bob = await browser.newPage();
      await loungeJoin(alice, stack.url, 'alice');
      await loungeJoin(bob, stack.url, 'bob');
      await watch(alice, 'thelounge');
      await watch(bob, 'thelounge');

      const a = await parts(alice, 'thelounge');
      expect(a).toMatchObject({ composer: 'TEXTAREA', send: 'BUTTON', list: true, missing: [] });
      expect(a.conversation).toEqual({ peerId: '#test', account: 'alice', title: '#test', kind: 'channel' });

      const line = '?OTR:AAMDchannel-test-' + Date.now() + '.';
      expect(await sendVia(alice, 'thelounge', line)).toBe(true);
      const got = await waitSeen(bob, (s) => s.text === line, 'channel line at bob');
      expect(got).toMatchObject({ direction: 'incoming', from: 'alice', history: false, peerId: '#test' });
      const own = await waitSeen(alice, (s) => s.text === line, 'own line at alice');
      expect(own).toMatchObject({ direction: 'outgoing', from: 'alice' });
      await observer.waitFor((l) => l.includes(line));
      expect(observer.messages()).toContainEqual({ from: 'alice', target: '#test', text: line });

      // Private-message (query) view: peer id is the nick.
      await loungeQuery(bob, 'alice');
      expect((await parts(bob, 'thelounge')).conversation).toEqual({ peerId: 'alice', account: 'bob', title: 'alice', kind: 'direct' });
      const pm = 'private hello ' + Date.now();
      expect(await sendVia(bob, 'thelounge', pm)).toBe(true);
      // Alice is in #test; The Lounge opens the query on her side without switching to it.
      await alice.click('.channel-list-item[data-type="query"][data-name="bob"]', { timeout: 10_000 });
      const q = await waitSeen(alice, (s) => s.text === pm, 'query line at alice');
      expect(q).toMatchObject({ direction: 'incoming', from: 'bob', peerId: 'bob', history: false });
      await screenshot(alice, 'stacks-thelounge-alice');
    } finally {
      observer.close();
    }
  });
});

describe('XMPP stack: Prosody + Converse.js', () => {
  let stack: XmppStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startXmppStack(), launchPlainChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the adapter sends in a 1:1 chat and the peer scrapes it; Prosody saw the stanza', async () => {
    const alice = await browser.newPage();
    const bob = await browser.newPage();
    await converseLogin(alice, stack.url, 'alice');
    await converseLogin(bob, stack.url, 'bob');
    await converseOpenChat(alice, 'bob');
    await converseOpenChat(bob, 'alice');
    await watch(alice, 'converse');
    await watch(bob, 'converse');

    const a = await parts(alice, 'converse');
    expect(a).toMatchObject({ composer: 'TEXTAREA', send: 'BUTTON', list: true, missing: [] });
    expect(a.conversation).toMatchObject({ peerId: 'bob@localhost', account: 'alice@localhost' });

    const text = '?OTR:AAMDxmpp-test-' + Date.now() + '.';
    expect(await sendVia(alice, 'converse', text)).toBe(true);
    const got = await waitSeen(bob, (s) => s.text === text, 'message at bob');
    expect(got).toMatchObject({ direction: 'incoming', from: 'alice@localhost', history: false, peerId: 'alice@localhost' });
    const own = await waitSeen(alice, (s) => s.text === text, 'own message at alice');
    expect(own).toMatchObject({ direction: 'outgoing', from: 'alice@localhost' });
    expect(stack.traffic()).toContain(text);
    await screenshot(bob, 'stacks-converse-bob');
  });
});

describe('the built extension loads', () => {
  it('in Chromium, and its service worker starts again after being stopped', async () => {
    expect(existsSync(`${CHROME_EXT}/manifest.json`), 'run `npx wxt build` first').toBe(true);
    const ext = await launchChromiumWithExtension();
    try {
      expect(ext.extensionId).toMatch(/^[a-p]{32}$/);
      expect(ext.serviceWorker.url()).toBe(`chrome-extension://${ext.extensionId}/background.js`);
      // Resolves only once CDP reports the worker "stopped" (it throws after 15 s otherwise).
      await stopServiceWorker(ext.context, ext.extensionId);
      // Any extension event wakes it again: the popup's own requests. The fingerprint it shows
      // came from the worker (identity.status), through the client that sends again while
      // Chrome is still bringing the worker back up.
      const page = await ext.context.newPage();
      await page.goto(`chrome-extension://${ext.extensionId}/popup.html`);
      expect(await shownFingerprint(page)).toMatch(FINGERPRINT);
    } finally {
      await ext.close();
    }
  });

  it('in Firefox', async () => {
    expect(existsSync(`${FIREFOX_EXT}/manifest.json`), 'run `npx wxt build -b firefox` first').toBe(true);
    const ff = await launchFirefoxWithExtension();
    try {
      expect(ff.addonId).toBe('offrecord@offrecord.invalid');
    } finally {
      await ff.close();
    }
  });
});
