/**
 * A firefox-esr profile kept in a folder of its own (puppeteer-core's userDataDir), closed or
 * killed and launched again. The extension goes in as a temporary add-on at every launch; its
 * moz-extension:// origin, and so its IndexedDB, stays the same because the add-on's UUID is
 * pinned (`extensions.webextensions.uuids`) and Firefox is told to keep the add-on's storage and
 * UUID when a temporary add-on goes away at shutdown.
 */
import type { Browser, Frame, Page } from 'puppeteer-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FIREFOX_BUILD } from '../overlay-kit';
import { recordsInPage, type DiskRecord } from './persistent';
import { removeDir, sleep, tempDir } from '../../stacks/process';
import { XMPP_DOMAIN, XMPP_PASSWORD } from '../../stacks/xmpp';

export interface KeptFirefox {
  dir: string;
  /** The add-on's pinned UUID: its pages are moz-extension://UUID/… in every launch. */
  uuid: string;
  /** Any http page of the site under test: the way into the add-on's own pages (optionsTab). */
  via?: string;
  browser: Browser | null;
  page: Page | null;
  open(): Promise<Page>;
  close(): Promise<void>;
  /** SIGKILL to Firefox's whole process group. */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

/** `prefs`: more Firefox preferences for every launch (e.g. firefoxDownloadPrefs). */
export function keptFirefox(name: string, extDir = FIREFOX_BUILD, prefs: Record<string, unknown> = {}): KeptFirefox {
  const dir = tempDir(`kept-ff-${name}`);
  const addonId = (JSON.parse(readFileSync(join(extDir, 'manifest.json'), 'utf8')) as { browser_specific_settings: { gecko: { id: string } } })
    .browser_specific_settings.gecko.id;
  const uuid = randomUUID();
  const kept: KeptFirefox = {
    dir,
    uuid,
    browser: null,
    page: null,
    async open() {
      const puppeteer = (await import('puppeteer-core')).default;
      const browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: '/usr/bin/firefox-esr',
        headless: true,
        userDataDir: dir,
        extraPrefsFirefox: {
          'network.proxy.type': 0,
          'app.update.enabled': false,
          'datareporting.policy.dataSubmissionEnabled': false,
          'extensions.webextensions.uuids': JSON.stringify({ [addonId]: uuid }),
          'extensions.webextensions.keepStorageOnUninstall': true,
          'extensions.webextensions.keepUuidOnUninstall': true,
          ...prefs,
        },
      });
      try {
        await browser.installExtension(extDir);
      } catch (err) {
        await browser.close();
        throw err;
      }
      kept.browser = browser;
      kept.page = (await browser.pages())[0] ?? (await browser.newPage());
      return kept.page;
    },
    async close() {
      await kept.browser?.close();
      kept.browser = kept.page = null;
    },
    async kill() {
      const pid = kept.browser?.process()?.pid;
      if (!pid) throw new Error(`${name}: Firefox is not running`);
      const gone = new Promise<void>((resolve) => kept.browser!.once('disconnected', () => resolve()));
      process.kill(-pid, 'SIGKILL');
      await gone;
      await sleep(300);
      kept.browser = kept.page = null;
    },
    async dispose() {
      await kept.close().catch(() => undefined);
      removeDir(dir);
    },
  };
  return kept;
}

/** Polls `fn` until `ok` holds; the error names what was awaited and the last value. */
export async function ffPoll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout: number, what: string): Promise<T> {
  let last: T | undefined;
  for (const t = Date.now(); Date.now() - t < timeout; await sleep(200)) {
    last = await fn().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`Firefox: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * The conversation's state: plaintext | unverified | private | finished. The page's lock shows
 * plaintext | private | finished only (issue 17: no trust level in page-readable DOM); a private
 * conversation's trust is read from the private box, an extension-origin frame. puppeteer's `>>>`
 * goes through open shadow roots, where the lock lives.
 */
export async function ffLockState(page: Page): Promise<string | null> {
  const state = await page.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-state'));
  if (state !== 'private') return state;
  const trust = await extensionFrames(page, 'compose')[0]?.evaluate(() => document.body.dataset.state ?? null).catch(() => null);
  return trust === 'unverified' || trust === 'private' ? trust : state;
}
export const ffFingerprint = (page: Page) => page.$eval('>>> [data-offrecord=fingerprint]', (e) => e.textContent ?? '');

export async function ffMenu(page: Page, item: string): Promise<void> {
  // The user clicks in the tab in front; Firefox holds input to a hidden tab (see optionsTab).
  await page.bringToFront();
  await (await page.waitForSelector('>>> [data-offrecord=lock]'))!.click();
  await (await page.waitForSelector(`>>> [role=menuitem][data-offrecord=${item}]`))!.click();
}

export const extensionFrames = (page: Page, name: string): Frame[] =>
  page.frames().filter((f) => f.url().startsWith('moz-extension://') && f.url().includes(`/${name}.html`));

/**
 * Types `text` into the compose frame (a new line as Shift+Enter) and sends it with Enter. Typed
 * again (at most three times) when the frame was placed anew while typing and the text did not
 * all arrive.
 */
export async function ffType(page: Page, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const frame = (await ffPoll(async () => extensionFrames(page, 'compose')[0], (f) => !!f, 30_000, 'the compose frame'))!;
    const value = () => frame.$eval('[data-offrecord=compose-input]', (e) => (e as HTMLTextAreaElement).value);
    try {
      const input = await frame.waitForSelector('[data-offrecord=compose-input]:not([disabled])');
      await input!.evaluate((e) => void ((e as HTMLTextAreaElement).value = ''));
      await input!.click();
      for (const [i, line] of text.split('\n').entries()) {
        if (i > 0) {
          await page.keyboard.down('Shift');
          await page.keyboard.press('Enter');
          await page.keyboard.up('Shift');
        }
        await input!.type(line);
      }
      await ffPoll(value, (v) => v === text, 5000, 'the typed text');
      await input!.press('Enter');
    } catch (e) {
      if (attempt >= 2) throw e;
      continue;
    }
    await ffPoll(value, (v) => v === '', 15_000, 'the compose box to clear');
    return;
  }
}

/** Plaintexts in the page's reader frames, page order (scrolls the list so readers load). */
export async function ffReaders(page: Page, list: string): Promise<string[]> {
  await page.evaluate((sel) => document.querySelectorAll(sel).forEach((e) => (e.scrollTop = e.scrollHeight)), list);
  const out: string[] = [];
  for (const f of extensionFrames(page, 'reader')) {
    const t = await f.$eval('body[data-status] [data-offrecord=plaintext]', (e) => e.textContent).catch(() => null);
    if (t !== null) out.push(t);
  }
  return out;
}

/** Converse in Firefox: logs `user` in and opens the 1:1 chat with `peer` (see chat.ts's converseChat). */
export async function ffConverseChat(page: Page, url: string, user: string, peer: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#converse-login-jid', { timeout: 20_000 });
  await page.type('#converse-login-jid', user);
  await page.type('#converse-login-password', XMPP_PASSWORD);
  await page.click('#converse-login button[type=submit]');
  await page.waitForSelector('#controlbox:not(.logged-out) converse-roster', { timeout: 20_000 });
  const jid = `${peer}@${XMPP_DOMAIN}`;
  await page.waitForFunction(() => 'converseTestApi' in window);
  await page.evaluate((j) => {
    void (window as unknown as { converseTestApi: { chats: { open(j: string): Promise<unknown> } } }).converseTestApi.chats.open(j);
  }, jid);
  await page.waitForSelector(`converse-chat[jid="${jid}"] converse-message-form textarea.chat-textarea`, { timeout: 20_000 });
}

/** The Lounge in private mode in Firefox: sign in unless the kept profile's token does it. */
export async function ffLoungeSignIn(page: Page, url: string, user: string, password: string): Promise<void> {
  const chat = '#chat .chat-view .messages[role=log]';
  await page.goto(url);
  await page.waitForSelector(`#signin-username, ${chat}`, { timeout: 20_000 });
  if (await page.$('#signin-username')) {
    await page.type('#signin-username', user);
    await page.type('#signin-password', password);
    await page.keyboard.press('Enter');
  }
  await page.waitForSelector(chat, { timeout: 20_000 });
  await page.waitForSelector('form#form textarea#input');
}

export async function ffLoungeQuery(page: Page, nick: string): Promise<void> {
  const view = `#chat .chat-view[data-type="query"][aria-label="${nick}"]`;
  for (let attempt = 0; ; attempt++) {
    // Set and submitted without keys: while a conversation is private, OffRecord keeps typed
    // keys out of the site's box (they belong in the private box), as it should.
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
      if (attempt >= 2) throw e;
    }
  }
}

const optionsTabs = new WeakMap<Browser, Page>();

/**
 * A tab on the add-on's options page, one per browser opening. WebDriver BiDi refuses to
 * navigate to moz-extension:// itself, but a web page may go to one of the add-on's
 * web-accessible pages, and that page (then a tab of the add-on) may load the options page.
 */
async function optionsTab(kept: KeptFirefox): Promise<Page> {
  const browser = kept.browser;
  if (!browser) throw new Error('Firefox is not running');
  const known = optionsTabs.get(browser);
  if (known) return known;
  if (!kept.via) throw new Error('set `via` to a page of the site under test first');
  const page = await browser.newPage();
  await page.goto(kept.via);
  const at = (path: string) => ffPoll(() => page.evaluate(() => location.pathname), (p) => p === path, 10_000, `the tab to show ${path}`);
  await page.evaluate((u) => void (location.href = u), `moz-extension://${kept.uuid}/compose.html`);
  await at('/compose.html');
  // Now an extension page of its own, it may load the options page (puppeteer's url() lags).
  await page.evaluate(async () => {
    const api = (globalThis as unknown as { browser: { tabs: { getCurrent(): Promise<{ id: number }>; update(id: number, o: { url: string }): Promise<unknown> }; runtime: { getURL(p: string): string } } }).browser;
    await api.tabs.update((await api.tabs.getCurrent()).id, { url: api.runtime.getURL('/options.html') });
  });
  await at('/options.html');
  await page.waitForFunction(() => document.readyState === 'complete');
  optionsTabs.set(browser, page);
  // The chat's tab in front again, as the user has it: Firefox slows a hidden tab's timers (the
  // page's sends crawl) and holds input to it (a click on the lock waited up to 30 s).
  await kept.page?.bringToFront();
  return page;
}

async function inExtensionPage<A, T>(kept: KeptFirefox, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
  const page = await optionsTab(kept);
  return (await page.evaluate(fn as (arg: unknown) => Promise<T>, arg)) as T;
}

/** A request as the options page sends it. */
export async function ffRequest<T>(kept: KeptFirefox, kind: string, payload: unknown): Promise<T> {
  const r = await inExtensionPage(
    kept,
    async ({ kind, payload }: { kind: string; payload: unknown }) => {
      const api = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser;
      return (await api.runtime.sendMessage({ kind, payload })) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    { kind, payload },
  );
  if (!r.ok) throw new Error(`${kind}: ${r.error?.message}`);
  return r.value as T;
}

/** The add-on's conversation records (with `corrupt`: that record's ciphertext overwritten first). */
export const ffDiskRecords = (kept: KeptFirefox, corrupt: string | null = null): Promise<DiskRecord[]> => inExtensionPage(kept, recordsInPage, corrupt);

/**
 * Moves the clock of the background page (MV2) `ms` ahead of real time, reaching its window
 * from the options tab. The new clock is a function of that tab, which stays open until the
 * browser closes (a closed tab's functions cannot be called).
 */
export async function ffShiftClock(kept: KeptFirefox, ms: number): Promise<void> {
  await inExtensionPage(
    kept,
    async (ms: number) => {
      const api = (globalThis as unknown as { browser: { runtime: { getBackgroundPage(): Promise<{ Date: DateConstructor; realNowForTests?: () => number }> } } }).browser;
      const bg = await api.runtime.getBackgroundPage();
      const real = (bg.realNowForTests ??= bg.Date.now.bind(bg.Date));
      bg.Date.now = () => real() + ms;
    },
    ms,
  );
}

/** OffRecord's lock notice on the page, when showing. */
export const ffNotice = (page: Page) =>
  page.$eval('>>> [data-offrecord=notice]', (e) => ((e as HTMLElement).hidden ? '' : (e.textContent ?? ''))).catch(() => '');
export const ffLockEnded = (page: Page) => page.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-ended')).catch(() => null);
/** The texts of the status lines OffRecord puts over messages it does not show in a reader. */
export const ffStatuses = (page: Page) => page.$$eval('>>> [data-offrecord=status]', (all) => all.map((e) => e.textContent ?? ''));

/** The query with `nick`: from the sidebar once The Lounge keeps it, else opened. */
export async function ffShowQuery(page: Page, nick: string): Promise<void> {
  const item = await page.$(`#sidebar .channel-list-item[data-name="${nick}"]`);
  if (!item) return ffLoungeQuery(page, nick);
  await item.click();
  await page.waitForSelector(`#chat .chat-view[data-type="query"][aria-label="${nick}"]`, { timeout: 10_000 });
}
