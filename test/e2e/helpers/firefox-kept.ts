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
import { removeDir, sleep, tempDir } from '../../stacks/process';

export interface KeptFirefox {
  dir: string;
  browser: Browser | null;
  page: Page | null;
  open(): Promise<Page>;
  close(): Promise<void>;
  /** SIGKILL to Firefox's whole process group. */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

export function keptFirefox(name: string, extDir = FIREFOX_BUILD): KeptFirefox {
  const dir = tempDir(`kept-ff-${name}`);
  const addonId = (JSON.parse(readFileSync(join(extDir, 'manifest.json'), 'utf8')) as { browser_specific_settings: { gecko: { id: string } } })
    .browser_specific_settings.gecko.id;
  const uuid = randomUUID();
  const kept: KeptFirefox = {
    dir,
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

// puppeteer's `>>>` goes through open shadow roots, where the lock lives.
export const ffLockState = (page: Page) => page.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-state'));
export const ffFingerprint = (page: Page) => page.$eval('>>> [data-offrecord=fingerprint]', (e) => e.textContent ?? '');

export async function ffMenu(page: Page, item: 'start' | 'end'): Promise<void> {
  await (await page.waitForSelector('>>> [data-offrecord=lock]'))!.click();
  await (await page.waitForSelector(`>>> [role=menuitem][data-offrecord=${item}]`))!.click();
}

const extensionFrames = (page: Page, name: string): Frame[] =>
  page.frames().filter((f) => f.url().startsWith('moz-extension://') && f.url().includes(`/${name}.html`));

/** Types one line into the compose frame and sends it with Enter. */
export async function ffType(page: Page, text: string): Promise<void> {
  const frame = (await ffPoll(async () => extensionFrames(page, 'compose')[0], (f) => !!f, 30_000, 'the compose frame'))!;
  const input = await frame.waitForSelector('[data-offrecord=compose-input]:not([disabled])');
  await input!.click();
  await input!.type(text);
  const value = () => frame.$eval('[data-offrecord=compose-input]', (e) => (e as HTMLTextAreaElement).value);
  await ffPoll(value, (v) => v === text, 5000, 'the typed text');
  await input!.press('Enter');
  await ffPoll(value, (v) => v === '', 15_000, 'the compose box to clear');
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
  await page.type('textarea#input', `/query ${nick}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#chat .chat-view[data-type="query"][aria-label="${nick}"]`, { timeout: 10_000 });
}
