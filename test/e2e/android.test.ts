/**
 * Phones (issue 16): the package `npm run build:android` makes, in firefox-esr set up as a
 * touch device (coarse pointer, no hover, touch events) with a 360×640 window, the size of a
 * common Android phone in CSS pixels. Firefox for Android shows the popup as a page of its own;
 * here the popup, the options page and the first-contact guide are opened the same way. On each:
 * no sideways overflow, every control at least 44×44 px and visible without hover, and taps
 * work. Screenshots: test-results/screenshots/android-*.png.
 *
 * The remote protocol will not navigate a tab to a moz-extension:// address, so the test opens
 * the pages from the browser's own chrome scope (a Firefox started with system access for the
 * remote agent, a test-only launch flag).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/browser';

const EXT = join(ROOT, '.output/firefox-mv2-android');
const SHOTS = join(ROOT, 'test-results/screenshots');
const UUID = '6b1f3a52-0c4e-4d7a-9b8e-2f5a7c9d1e03';
const PHONE = { width: 360, height: 640 };
// Controls whose size WCAG 2.5.5 measures (inline links inside sentences are exempt).
const CONTROLS = 'button, [role=tab], select, input:not([type=radio]):not([type=checkbox]):not([type=file]), .sidenav a, label.radio';

let browser: Browser;

async function openExtensionPage(path: string): Promise<Page> {
  const conn = (browser as unknown as { connection: { send(m: string, p: object): Promise<{ result: any }> } }).connection;
  const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const before = (await browser.pages()).length;
  const url = `moz-extension://${UUID}/${path}`;
  await conn.send('script.evaluate', {
    expression: `(() => { const w = Services.wm.getMostRecentWindow('navigator:browser');
      w.gBrowser.selectedTab = w.gBrowser.addTab(${JSON.stringify(url)}, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }); })()`,
    target: { context: tree.result.contexts[0].context },
    awaitPromise: false,
  });
  let page: Page | undefined;
  for (const t = Date.now(); !page && Date.now() - t < 15_000; await new Promise((r) => setTimeout(r, 200))) {
    const pages = await browser.pages();
    const last = pages.length > before ? pages[pages.length - 1] : undefined;
    if (last && (await last.evaluate(() => location.href).catch(() => '')).startsWith(url)) page = last;
  }
  if (!page) throw new Error(`${path} did not open`);
  await page.setViewport(PHONE);
  return page;
}

interface Layout {
  overflow: number;
  /** Elements whose own content is wider than they are (cut off or scrolled sideways). */
  clipped: string[];
  small: string[];
  hidden: string[];
}

/** Sideways overflow, controls under 44×44 px, and controls not shown until hovered. */
async function layout(page: Page): Promise<Layout> {
  return page.evaluate((selector) => {
    const small: string[] = [];
    const hidden: string[] = [];
    for (const e of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const r = e.getBoundingClientRect();
      const name = `${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || (e as HTMLInputElement).name || '').trim().slice(0, 40)}"`;
      const style = getComputedStyle(e);
      if (r.width === 0 && r.height === 0) continue; // not rendered (e.g. closed dialog)
      if (style.visibility === 'hidden' || Number(style.opacity) === 0) hidden.push(name);
      if (r.width < 44 || r.height < 44) small.push(`${name} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    const clipped: string[] = [];
    for (const e of Array.from(document.body.querySelectorAll<HTMLElement>('*'))) {
      const x = getComputedStyle(e).overflowX;
      if (e.classList.contains('sr-only')) continue; // hidden on purpose, for screen readers
      if ((x === 'auto' || x === 'scroll' || x === 'hidden') && e.scrollWidth > e.clientWidth + 1) clipped.push(`${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth}>${e.clientWidth}`);
    }
    return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, clipped, small, hidden };
  }, CONTROLS);
}

async function tap(page: Page, selector: string): Promise<void> {
  const element = (await page.waitForSelector(selector))!;
  await element.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const box = await element.boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
}

async function expectPhoneReady(page: Page, name: string): Promise<void> {
  const l = await layout(page);
  await page.screenshot({ path: join(SHOTS, `android-${name}.png`) as `${string}.png` });
  expect(l.overflow, `${name} overflows sideways`).toBeLessThanOrEqual(0);
  expect(l.clipped, `${name}: content cut off or scrolled sideways`).toEqual([]);
  expect(l.small, `${name}: controls under 44 px`).toEqual([]);
  expect(l.hidden, `${name}: controls hidden until hover`).toEqual([]);
  expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches && matchMedia('(hover: none)').matches)).toBe(true);
}

describe.sequential('Firefox for Android at 360×640 with touch', () => {
  beforeAll(async () => {
    if (!existsSync(join(EXT, 'manifest.json'))) throw new Error('no Android build: run npm run build:android first');
    mkdirSync(SHOTS, { recursive: true });
    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: '/usr/bin/firefox-esr',
      headless: true,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ 'offrecord@offrecord.invalid': UUID }),
        // A phone: coarse pointer, no hover (ui.*PointerCapabilities: 1 = coarse), touch events on.
        'ui.primaryPointerCapabilities': 1,
        'ui.allPointerCapabilities': 1,
        'dom.w3c_touch_events.enabled': 1,
        'network.proxy.type': 0,
        'app.update.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
      },
    });
    await browser.installExtension(EXT);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the popup, as Android shows it: its identity, and tabs that switch on a tap', async () => {
    const page = await openExtensionPage('popup.html');
    await page.waitForSelector('.fp-large code[data-fingerprint]', { timeout: 120_000 });
    await expectPhoneReady(page, 'popup-identity');
    await tap(page, '[role=tab]:nth-child(3)');
    await page.waitForSelector('[role=tab]:nth-child(3)[aria-selected=true]');
    await expectPhoneReady(page, 'popup-peers');
    await tap(page, '[role=tab]:nth-child(1)');
    await page.waitForSelector('[role=tab]:nth-child(1)[aria-selected=true]');
    await expectPhoneReady(page, 'popup-this-tab');
    await page.close();
  });

  it('the options page: every section fits, and a tap changes a setting', async () => {
    const page = await openExtensionPage('options.html');
    await page.waitForSelector('#privacy input[type=radio]:not([disabled])', { timeout: 30_000 });
    await expectPhoneReady(page, 'options');
    await tap(page, 'input[name=retention][value=session]');
    await page.waitForFunction(() => (document.querySelector('input[name=retention][value=session]') as HTMLInputElement).checked, { timeout: 10_000 });
    await page.evaluate(() => document.getElementById('invitation')!.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, 'android-options-invitation.png') as `${string}.png` });
    await page.close();
  });

  it('the first-contact guide', async () => {
    const page = await openExtensionPage('first-contact.html');
    await page.waitForSelector('[data-client=irssi]');
    await expectPhoneReady(page, 'first-contact');
    await page.close();
  });
});
