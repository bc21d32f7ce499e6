/**
 * Shared driving code for the overlay's end-to-end tests: Chromium profiles with the built
 * extension (helpers/browser.ts), and the overlay's stable hooks (data-offrecord = lock, start,
 * end, verify, compose, compose-input, reader, plaintext). Not a test file itself.
 *
 * Console output of the page, its content script and the service worker is kept per profile and
 * written to test-results/logs/ when a profile closes, for debugging failed runs.
 */
import type { Frame, FrameLocator, Page } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import catalogue from '../../public/_locales/en/messages.json';
import { CHROME_EXT, FIREFOX_EXT, launchChromiumWithExtension, screenshot, ROOT, type ExtensionBrowser } from './helpers/browser';

/** The builds under test; override to test a copy (e.g. while another build runs in .output). */
export const CHROME_BUILD = process.env.OFFRECORD_CHROME_EXT ?? CHROME_EXT;
export const FIREFOX_BUILD = process.env.OFFRECORD_FIREFOX_EXT ?? FIREFOX_EXT;

export interface Profile {
  name: string;
  browser: ExtensionBrowser;
  page: Page;
  logs: string[];
  close(): Promise<void>;
}

/** `profileDir` keeps the profile (and the extension's IndexedDB) for a later relaunch. */
export async function launchProfile(name: string, profileDir?: string): Promise<Profile> {
  const browser = await launchChromiumWithExtension(profileDir, CHROME_BUILD);
  const logs: string[] = [];
  const stamp = () => new Date().toISOString().slice(11, 23);
  browser.serviceWorker.on('console', (m) => logs.push(`${stamp()} [worker] ${m.type()}: ${m.text()}`));
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const watch = (p: Page) => {
    p.on('console', (m) => logs.push(`${stamp()} [page] ${m.type()}: ${m.text()}`));
    p.on('pageerror', (e) => logs.push(`${stamp()} [page] error: ${e.message}`));
  };
  watch(page);
  browser.context.on('page', watch);
  return {
    name,
    browser,
    page,
    logs,
    async close() {
      const dir = join(ROOT, 'test-results/logs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.log`), logs.join('\n') + '\n');
      await browser.close().catch(() => undefined);
    },
  };
}

/** A request sent from one of the extension's pages, in that page's context. */
export async function extensionRequest<T>(p: Profile, from: 'popup' | 'options', kind: string, payload: unknown): Promise<T> {
  const page = await p.browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/${from}.html`);
    const r = await page.evaluate(
      async ({ kind, payload }) => {
        const api = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome;
        return (await api.runtime.sendMessage({ kind, payload })) as { ok: boolean; value?: unknown; error?: { message: string } };
      },
      { kind, payload },
    );
    if (!r.ok) throw new Error(`${kind}: ${r.error?.message}`);
    return r.value as T;
  } finally {
    await page.close();
  }
}

/** A request as the popup would send it (popup context), e.g. to change a site's policy. */
export const popupRequest = <T>(p: Profile, kind: string, payload: unknown): Promise<T> => extensionRequest<T>(p, 'popup', kind, payload);

/** Waits until the profile's identity key exists (first run generates it). */
export async function waitIdentity(p: Profile): Promise<void> {
  const popup = await p.browser.context.newPage();
  await popup.goto(`chrome-extension://${p.browser.extensionId}/popup.html`);
  let state: string | undefined = '';
  for (const t = Date.now(); Date.now() - t < 60_000; await popup.waitForTimeout(100)) {
    state = await popup.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome;
      const r = (await api.runtime.sendMessage({ kind: 'identity.status', payload: {} })) as { ok: boolean; value?: { state: string } };
      return r.ok ? r.value?.state : 'error';
    });
    if (state === 'ready') break;
  }
  await popup.close();
  if (state !== 'ready') throw new Error(`${p.name}: identity not ready (${state})`);
}

/**
 * Fresh profiles launched side by side, each returned once its identity key exists: a test's
 * set-up starts its chat stack meanwhile (Promise.all), rather than one after the other.
 */
export function readyProfiles<Names extends string[]>(...names: Names): Promise<{ [K in keyof Names]: Profile }> {
  const ready = async (name: string) => {
    const p = await launchProfile(name);
    await waitIdentity(p);
    return p;
  };
  return Promise.all(names.map(ready)) as Promise<{ [K in keyof Names]: Profile }>;
}

export const lock = (page: Page) => page.locator('[data-offrecord=lock]');
/**
 * The conversation's state: plaintext | unverified | private | finished. The page's lock shows
 * only plaintext | private | finished (issue 17: no trust level in page-readable DOM); whether a
 * private conversation is verified is read from the private box, an extension-origin frame the
 * page cannot read. Where no private box is placed (a mail's reading view, the site's own box
 * chosen), the trust cannot be told from the page, and a private lock counts as either.
 */
export async function lockState(page: Page): Promise<string | null> {
  const state = await lock(page).getAttribute('data-offrecord-state', { timeout: 2000 }).catch(() => null);
  if (state !== 'private') return state;
  return (await composeTrust(page)) ?? 'private (trust not shown in this page)';
}

const composeFrame = (page: Page): Frame | undefined => page.frames().find((f) => f.url().includes('/compose.html'));

/** The private box's own state (extension origin), or null without one. */
export async function composeTrust(page: Page): Promise<string | null> {
  const frame = composeFrame(page);
  const state = await frame?.evaluate(() => document.body.dataset.state ?? null).catch(() => null);
  return state === 'unverified' || state === 'private' ? state : null;
}

/**
 * Chooses a lock-menu item. The lock may be placed anew just as it is clicked (a view arrives),
 * which closes its menu: open it again and retry, for up to 30 s.
 */
export async function menu(page: Page, item: string): Promise<void> {
  const entry = page.locator(`[role=menuitem][data-offrecord=${item}]`);
  for (let attempt = 0; ; attempt++) {
    try {
      // Bounded: an item that navigates (a mail's Start sends it) may leave no lock to click again.
      if (!(await entry.isVisible())) await lock(page).click({ timeout: 5_000 });
      await entry.click({ timeout: 3_000 });
      return;
    } catch (e) {
      if (attempt >= 9) throw e;
    }
  }
}

/**
 * The user accepts a peer's request: under the default policy ('manual') OffRecord holds a
 * peer's query until its user starts (src/background/held-query.ts). Waits until the lock says
 * the peer asked, then chooses Start in the lock menu, which answers that query.
 */
export async function acceptPrivate(page: Page, timeout = 60_000): Promise<void> {
  await expect.poll(() => lock(page).getAttribute('data-offrecord-asked', { timeout: 2000 }).catch(() => null), { timeout, interval: 200 }).toBe('true');
  await menu(page, 'start');
}

export async function waitState(page: Page, state: string, timeout = 30_000): Promise<void> {
  const encrypted = state === 'unverified' || state === 'private';
  await expect
    .poll(async () => {
      const now = await lockState(page);
      return encrypted && now?.startsWith('private (') ? state : now;
    }, { timeout, interval: 200 })
    .toBe(state);
}

export const composeInput = (page: Page) => page.frameLocator('[data-offrecord=compose]').locator('[data-offrecord=compose-input]');

/**
 * Types into the compose frame and presses Enter; Shift+Enter between lines. Each line's first
 * character is a key press (the keydown path: typing notices, keys that reach the page instead);
 * the rest arrives as one text insertion, as an input method or autocorrect gives it. A key
 * press per character cost ~10 ms each, 3.5 s for a 360-character line, with no other effect.
 */
export async function typePrivate(page: Page, text: string): Promise<void> {
  const input = composeInput(page);
  await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
  const typeAll = async () => {
    await input.click();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) await input.press('Shift+Enter');
      const [first, ...rest] = [...lines[i]!];
      if (first === undefined) continue;
      await input.pressSequentially(first, { delay: 0 });
      if (rest.length) await page.keyboard.insertText(rest.join(''));
    }
  };
  const landed = () => expect.poll(() => input.inputValue()).toBe(text);
  await typeAll();
  await landed().catch(async (e: unknown) => {
    // Chromium sent the keys to the page although the box had the caret; OffRecord caught that,
    // gave the keyboard back to the box and said so on the lock. The user types the line again.
    if (!(await lockNotice(page)).includes(KEYS_MISROUTED)) {
      throw new Error(`typed text did not land in the private box: ${await composeDiagnosis(page)}`, { cause: e });
    }
    console.warn(`typePrivate: the keys went to the page; OffRecord said so and the line is typed again (${page.url()})`);
    await input.fill('');
    await typeAll();
    await landed().catch(async (again: unknown) => {
      throw new Error(`typed text did not land in the private box, typed twice: ${await composeDiagnosis(page)}`, { cause: again });
    });
  });
  await input.press('Enter');
  await expect.poll(() => input.inputValue(), { timeout: 15_000 }).toBe('');
}

/** The lock's notice when keys went to the page instead of the private box (compose-box.ts). */
const KEYS_MISROUTED = (JSON.parse(readFileSync(join(ROOT, 'public/_locales/en/messages.json'), 'utf8')) as Record<string, { message: string }>)
  .compose_keys_misrouted!.message;

/** Where typing went instead of the private box: for the error of a test that lost its keys. */
async function composeDiagnosis(page: Page): Promise<string> {
  const frame = composeFrame(page);
  const box = await frame
    ?.evaluate(() => {
      const input = document.querySelector('textarea');
      return { hasFocus: document.hasFocus(), active: document.activeElement?.tagName, disabled: input?.disabled, placeholder: input?.placeholder, value: input?.value };
    })
    .catch((e: unknown) => `unreadable: ${(e as Error).message}`);
  const outside = await page
    .evaluate(() => {
      const active = document.activeElement;
      // The hostile chat page's record of what it saw (helpers/hostile-site.ts), where it is one.
      const spy = (window as unknown as { hostileSpy?: { keys: string[]; composer: string[]; sent: string[] } }).hostileSpy;
      return {
        composeFrames: document.querySelectorAll('iframe[data-offrecord=compose]').length,
        pageHasFocus: document.hasFocus(),
        active: active ? `${active.tagName}#${active.id}[${active.getAttribute('data-offrecord') ?? ''}]` : null,
        keysSeenByPage: spy?.keys.slice(-12),
        siteComposer: spy?.composer.slice(-3),
        sentByPage: spy?.sent.slice(-3).map((t) => t.slice(0, 24)),
      };
    })
    .catch((e: unknown) => `unreadable: ${(e as Error).message}`);
  const notice = await lockNotice(page);
  return JSON.stringify({ box, outside, notice, warning: await lock(page).getAttribute('data-offrecord-warning', { timeout: 1000 }).catch(() => null) });
}

/** A long text pasted into the compose frame (typing 100 KB key by key takes minutes), then Enter. */
export async function pastePrivate(page: Page, text: string): Promise<void> {
  const input = composeInput(page);
  await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
  await input.fill(text);
  await expect.poll(async () => (await input.inputValue()).length).toBe(text.length);
  await input.press('End');
  await input.press('Enter');
  await expect.poll(() => input.inputValue(), { timeout: 15_000 }).toBe('');
}

/**
 * Plaintexts shown by the page's reader frames, read inside the extension frames, in the order
 * the page attached them (page.frames(); a warm frame moved into a row keeps its place). All
 * frames at once and without waiting in any: callers poll, and a frame still loading (or
 * showing a status line) would otherwise cost a wait each, which grows with the conversation.
 * `newest`: only the last frames attached.
 */
export async function readerTexts(page: Page, newest = Infinity): Promise<string[]> {
  const frames: Frame[] = page.frames().filter((f) => f.url().includes('/reader.html')).slice(-newest);
  const texts = await Promise.all(
    frames.map((f) => f.evaluate(() => document.querySelector('body[data-status] [data-offrecord=plaintext]')?.textContent ?? null).catch(() => null)),
  );
  return texts.filter((t): t is string => t !== null);
}

/** Status lines saying "encrypted earlier" for a message with no text kept (no frame: display 'gone'). */
/** The line a message read earlier shows once its text is gone (the English catalogue's). */
const GONE_TEXT = catalogue.reader_unavailable.message;
export const earlierLines = (page: Page): Promise<number> => page.locator('[data-offrecord=status]', { hasText: GONE_TEXT }).count();

/** Each reader frame's status: 'plaintext', 'unavailable', 'error' (or '' while loading). */
export async function readerStatuses(page: Page): Promise<string[]> {
  const frames = page.frames().filter((f) => f.url().includes('/reader.html'));
  return Promise.all(frames.map((f) => f.evaluate(() => document.body.dataset.status ?? '').catch(() => '')));
}

/**
 * Scrolls the site's message list to the bottom so new messages' readers load (only rows on
 * screen get one). The list is often not what scrolls (The Lounge scrolls `.chat` around it),
 * and a site may stop following the bottom by itself: every box around it goes down too.
 */
export async function scrollDown(page: Page, listSelector: string): Promise<void> {
  await page.evaluate((sel) => {
    document.querySelectorAll(sel).forEach((list) => {
      for (let e: Element | null = list; e; e = e.parentElement) e.scrollTop = e.scrollHeight;
    });
  }, listSelector);
}

export async function waitReader(page: Page, text: string, listSelector: string, timeout = 30_000): Promise<void> {
  try {
    await waitReaderOnce(page, text, listSelector, timeout);
  } catch (e) {
    const readers = await readerTexts(page);
    const statuses = await Promise.all(
      page.frames().filter((f) => f.url().includes('/reader.html')).map((f) => f.evaluate(() => `${document.body.dataset.status}:${document.body.textContent}`).catch((x: Error) => x.message)),
    );
    throw new Error(`no reader shows ${JSON.stringify(text)}; readers: ${JSON.stringify(readers.slice(-6))}; frames: ${JSON.stringify(statuses.slice(-6))}`, { cause: e });
  }
}

/**
 * A new message's frame is among the newest few (at most the warm spares were attached after
 * it): most polls read only those, so a long conversation's wait does not ask every frame in
 * the extension's renderer, beside the frames being tested, ten times a second. Every fourth
 * poll reads them all (a row scrolled back on screen gets a frame attached anew).
 */
const NEWEST_READERS = 12;

async function waitReaderOnce(page: Page, text: string, listSelector: string, timeout: number): Promise<void> {
  let polls = 0;
  await expect
    .poll(
      async () => {
        await scrollDown(page, listSelector);
        return (await readerTexts(page, polls++ % 4 === 3 ? Infinity : NEWEST_READERS)).includes(text);
      },
      { timeout, interval: 100 },
    )
    .toBe(true);
}

export const shot = (page: Page, name: string) => screenshot(page, name);

/** 20 messages: ASCII, UTF-8, emoji, multi-line, and one long enough to fragment on IRC. */
export function conversationScript(tag: string): string[] {
  const base = [
    `hello from ${tag}`,
    `Grüße, naïve café — ${tag}`,
    `emoji 🔐🦊🎉 ${tag}`,
    `multi-line ${tag}\nsecond line ${tag}\n third line ${tag}`,
    `日本語のテキスト ${tag}`,
    `long ${tag} ` + 'the quick brown fox jumps over the lazy dog '.repeat(8).trim(),
  ];
  const out: string[] = [];
  for (let i = 0; i < 20; i++) out.push(i < base.length ? base[i]! : `message ${i} ${tag} ${'é'.repeat(i % 3)}`);
  return out;
}

/** Alice and Bob take turns; each message must show in the other side's reader frame. */
export async function exchange(alice: Page, bob: Page, list: string, tag: string, count: number, sent: string[]): Promise<void> {
  const a = conversationScript(`A-${tag}`).slice(0, count);
  const b = conversationScript(`B-${tag}`).slice(0, count);
  for (let i = 0; i < count; i++) {
    await typePrivate(alice, a[i]!);
    sent.push(a[i]!);
    await waitReader(bob, a[i]!, list);
    await typePrivate(bob, b[i]!);
    sent.push(b[i]!);
    await waitReader(alice, b[i]!, list);
  }
}

export const verifyFrame = (page: Page): FrameLocator => page.frameLocator('iframe[data-offrecord=verify]');

/** The lock's notice text (empty when none shows). */
export const lockNotice = (page: Page) =>
  page.locator('[data-offrecord=notice]').evaluate((e) => ((e as HTMLElement).hidden ? '' : (e.textContent ?? ''))).catch(() => '');

/**
 * Question and answer through the verify frames: the asker opens Verify from the lock; the
 * answerer's lock says the question came (no frame opens by itself, issue 17), and the answerer
 * opens Verify from the lock too.
 */
export async function smpQuestion(asker: Page, answerer: Page, question: string, secret: string, answer: string): Promise<void> {
  await menu(asker, 'verify');
  const q = verifyFrame(asker);
  await q.locator('select').first().selectOption('question');
  await q.getByRole('textbox').nth(0).fill(question);
  await q.getByRole('textbox').nth(1).fill(secret);
  await q.locator('button[type=submit]').click();
  await expect.poll(() => lockNotice(answerer), { timeout: 30_000 }).toContain('wants to verify');
  await menu(answerer, 'verify');
  const a = verifyFrame(answerer);
  await expect.poll(() => a.locator('blockquote.question').textContent({ timeout: 1000 }).catch(() => null), { timeout: 30_000 }).toBe(question);
  await a.getByRole('textbox').first().fill(answer);
  await a.locator('button[type=submit]').click();
}

/** The SMP outcome the asker's frame shows: 'succeeded' | 'failed' | … */
export async function smpResult(page: Page, timeout = 60_000): Promise<string> {
  const status = verifyFrame(page).locator('[role=status].result');
  await status.waitFor({ timeout });
  const cls = (await status.getAttribute('class')) ?? '';
  return /result-(\w+)/.exec(cls)?.[1] ?? '';
}

/**
 * Closes a verify frame with its own Close button (the frame asks the page to remove it). The
 * frame goes away under the click, and now and then the click then never reports back: what
 * counts is that the frame is gone, so a click that times out is tried again only if it is not.
 */
export async function closeVerify(page: Page): Promise<void> {
  const frames = page.locator('iframe[data-offrecord=verify]');
  for (let attempt = 0; (await frames.count()) > 0; attempt++) {
    const close = verifyFrame(page).getByRole('button', { name: 'Close', exact: true }).first();
    try {
      await close.click({ timeout: 5_000 });
      await expect.poll(() => frames.count(), { timeout: 5_000 }).toBe(0);
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/** OffRecord's own notices on the page (lock notice, canary, paste fallback) that are showing. */
export async function visibleNotices(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const host = document.querySelector('[data-offrecord-host=lock]');
    const n = host?.shadowRoot?.querySelector<HTMLElement>('[data-offrecord=notice]');
    if (n && !n.hidden) out.push(n.textContent ?? '');
    for (const e of Array.from(document.querySelectorAll('[data-offrecord=canary], [data-offrecord-fallback]'))) out.push(e.textContent ?? '');
    return out;
  });
}

/**
 * The popup for `chat`'s tab, in a popup window of its own as the toolbar popup floats over the
 * page: a new tab would hide the chat tab, and Chromium then stops routing clicks into the
 * page's extension frames (out-of-process iframes) even after the tab is shown again. The popup
 * page names the chat tab with ?tab= (src/ui/backend.ts activeTabId), since in a window of its
 * own it is itself the active tab.
 */
export async function openPopup(p: Profile, chat?: Page): Promise<Page> {
  const ext = p.browser.context;
  const origin = chat ? new URL(chat.url()).origin : null;
  const opened = ext.waitForEvent('page', (pg) => pg.url().includes('/popup.html'));
  await p.browser.serviceWorker.evaluate(async (origin) => {
    const api = (globalThis as unknown as {
      chrome: {
        tabs: { query(q: object): Promise<Array<{ id?: number; url?: string }>> };
        windows: { create(o: object): Promise<unknown> };
        runtime: { getURL(p: string): string };
      };
    }).chrome;
    const tab = origin ? (await api.tabs.query({})).find((t) => t.url?.startsWith(`${origin}/`)) : undefined;
    if (origin && tab?.id === undefined) throw new Error(`no tab at ${origin}`);
    const url = api.runtime.getURL(tab ? `/popup.html?tab=${tab.id}` : '/popup.html');
    await api.windows.create({ url, type: 'popup', width: 400, height: 640 });
  }, origin);
  const popup = await opened;
  await popup.setViewportSize({ width: 400, height: 640 });
  if (chat) await popup.locator('li.card[data-conversation]').first().waitFor({ timeout: 20_000 });
  await popup.locator('.popup [role=tablist]').waitFor({ timeout: 60_000 });
  return popup;
}
