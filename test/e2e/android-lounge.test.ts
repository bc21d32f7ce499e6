/**
 * The chat page on a phone (issue 16): Alice in firefox-esr set up as a touch device at 360×640
 * (as in android.test.ts) chats in The Lounge with Bob in Chromium. The lock is tapped, its menu
 * items are touch-sized, and the compose and reader frames fit the narrow screen.
 * Screenshot: test-results/screenshots/android-lounge.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIrcStack, type IrcStack } from '../stacks/index';
import { ROOT } from './helpers/browser';
import { loungeJoin } from './helpers/chat';
import { acceptPrivate, launchProfile, typePrivate, waitIdentity, waitState, type Profile } from './overlay-kit';
import { ffLockState } from './helpers/firefox-kept';

const EXT = join(ROOT, '.output/firefox-mv2-android');
const SHOTS = join(ROOT, 'test-results/screenshots');

async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout: number, what: string): Promise<T> {
  let last: T | undefined;
  for (const t = Date.now(); Date.now() - t < timeout; await new Promise((r) => setTimeout(r, 250))) {
    last = await fn().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

async function tap(page: Page, selector: string): Promise<void> {
  const el = (await page.waitForSelector(selector))!;
  const box = await el.boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
}

/** Trust comes from the private box, not the page (issue 17). */
const lockState = ffLockState;

describe.sequential('The Lounge on a phone-sized Firefox with touch', () => {
  let stack: IrcStack;
  let browser: Browser;
  let alice: Page;
  let bob: Profile;

  beforeAll(async () => {
    if (!existsSync(join(EXT, 'manifest.json'))) throw new Error('no Android build: run npm run build:android first');
    mkdirSync(SHOTS, { recursive: true });
    const puppeteer = (await import('puppeteer-core')).default;
    [stack, browser, bob] = await Promise.all([
      startIrcStack(),
      puppeteer.launch({
        browser: 'firefox',
        executablePath: '/usr/bin/firefox-esr',
        headless: true,
        extraPrefsFirefox: { 'ui.primaryPointerCapabilities': 1, 'ui.allPointerCapabilities': 1, 'dom.w3c_touch_events.enabled': 1, 'network.proxy.type': 0 },
      }),
      launchProfile('android-lounge-bob'),
    ]);
    const aliceSide = async () => {
      await browser.installExtension(EXT);
      alice = await browser.newPage();
      await alice.setViewport({ width: 360, height: 640 });
      await alice.goto(stack.url);
      await alice.waitForSelector('input[name=nick]');
      await alice.$eval('input[name=nick]', (e) => ((e as HTMLInputElement).value = ''));
      await alice.type('input[name=nick]', 'alice');
      await alice.click('form.container button[type=submit]');
      await alice.waitForSelector('#chat .chat-view[data-type="channel"] .userlist [data-name="alice"]', { timeout: 20_000 });
    };
    const bobSide = async () => {
      await waitIdentity(bob);
      await loungeJoin(bob.page, stack.url, 'bob');
    };
    await Promise.all([aliceSide(), bobSide()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('the lock and its menu are tapped; every menu target is at least 44 px', async () => {
    await poll(() => lockState(alice), (s) => s === 'plaintext', 90_000, 'the lock');
    await tap(alice, '>>> [data-offrecord=lock]');
    await alice.waitForSelector('>>> [role=menuitem][data-offrecord=start]', { visible: true });
    const sizes = await alice.evaluate(() => {
      const root = document.querySelector('[data-offrecord-host=lock]')!.shadowRoot!;
      return Array.from(root.querySelectorAll<HTMLElement>('button')).filter((b) => b.offsetParent !== null).map((b) => {
        const r = b.getBoundingClientRect();
        return { name: b.textContent!.trim(), h: r.height, left: r.left, right: r.right };
      });
    });
    expect(sizes.length).toBeGreaterThan(1);
    for (const s of sizes) {
      expect(s.h, s.name).toBeGreaterThanOrEqual(44);
      expect(s.left, s.name).toBeGreaterThanOrEqual(0);
      expect(s.right, s.name).toBeLessThanOrEqual(360);
    }
    await tap(alice, '>>> [role=menuitem][data-offrecord=start]');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await poll(() => lockState(alice), (s) => s === 'unverified', 90_000, "Alice's lock to become unverified");
    await waitState(bob.page, 'unverified', 60_000);
  });

  it('the compose and reader frames fit 360 px', async () => {
    await typePrivate(bob.page, 'hello phone');
    const frameBox = (sel: string) => alice.evaluate((s) => {
      const all = Array.from(document.querySelectorAll<HTMLElement>(s)).map((f) => f.getBoundingClientRect()).filter((r) => r.width > 0);
      return all.map((r) => ({ left: r.left, right: r.right, width: r.width, height: r.height }));
    }, sel);
    const readers = await poll(() => frameBox('iframe[data-offrecord=reader]'), (b) => b.length > 0, 30_000, 'a reader frame');
    const composers = await poll(() => frameBox('iframe[data-offrecord=compose]'), (b) => b.length > 0, 30_000, 'the compose frame');
    for (const r of [...readers, ...composers]) {
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.right).toBeLessThanOrEqual(360);
      expect(r.height).toBeGreaterThan(0);
    }
    expect(await alice.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await alice.screenshot({ path: join(SHOTS, 'android-lounge.png') as `${string}.png` });
  });
});
