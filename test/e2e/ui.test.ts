/**
 * The popup and options page of the built extension (.output/chrome-mv3, made by `npm run
 * build` before this suite) in Debian's Chromium with a fresh profile (issues 5 and 8):
 * the identity fingerprint appears on first run without any site visited, survives a
 * service-worker restart, the options page shows its three sections, and keyboard focus is
 * visible. Screenshots go to test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { buildKeytool } from '../interop/harness';
import { CHROME_EXT, FINGERPRINT, launchChromiumWithExtension, screenshot, shownFingerprint, stopServiceWorker, type ExtensionBrowser } from './helpers/browser';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let browser: ExtensionBrowser;
let context: BrowserContext;
let extensionId: string;

async function open(path: string, width: number, height: number, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(`chrome-extension://${extensionId}/${path}`);
  return page;
}

/** The identity's large fingerprint, once shown (key generation may take a few seconds). */
const identityFingerprint = (page: Page): Promise<string> => shownFingerprint(page, 120_000, '.fp-large code[data-fingerprint]');

beforeAll(async () => {
  if (!existsSync(join(CHROME_EXT, 'manifest.json'))) throw new Error(`no build at ${CHROME_EXT}: run npm run build first`);
  browser = await launchChromiumWithExtension(undefined, CHROME_EXT);
  context = browser.context;
  extensionId = browser.extensionId;
});

afterAll(async () => {
  await browser?.close();
});

describe('popup on a fresh profile', () => {
  let first = '';

  it('shows the identity key being made, then its fingerprint, with no site visited', async () => {
    const page = await open('popup.html', 360, 560);
    await expect.poll(() => page.locator('.popup .brand').textContent()).toBe('OffRecord');
    // First run: either the progress bar is still up, or generation already finished.
    const progress = page.getByRole('progressbar');
    if (await progress.isVisible().catch(() => false)) {
      await screenshot(page, 'popup-generating');
    }
    first = await identityFingerprint(page);
    expect(first).toMatch(FINGERPRINT);
    expect(await page.getByRole('tab', { name: 'My identity' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('button', { name: 'Show QR code' }).click();
    await expect.poll(() => page.getByRole('img', { name: /QR code of the fingerprint/ }).count()).toBe(1);
    await screenshot(page, 'popup-identity', { fullPage: true });
    await page.close();
  });

  it('shows the same fingerprint after the service worker is stopped', async () => {
    // Resolves only once CDP reports the worker stopped; the popup's requests start a new one.
    await stopServiceWorker(context, extensionId);
    const page = await open('popup.html', 360, 560);
    expect(await identityFingerprint(page)).toBe(first);
    await page.close();
  });

  it('has the other tabs, keyboard navigation and a visible focus ring, in the dark theme too', async () => {
    const page = await open('popup.html', 360, 560, 'dark');
    await identityFingerprint(page);
    await page.getByRole('tab', { name: 'My identity' }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: /This tab/ }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByText('No conversations on this page').count()).toBe(1);
    await screenshot(page, 'popup-this-tab-dark');
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: /Known peers/ }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('searchbox', { name: 'Search known peers' }).count()).toBe(1);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await screenshot(page, 'popup-peers-dark');
    await page.keyboard.press('ArrowLeft');
    await identityFingerprint(page);
    await screenshot(page, 'popup-identity-dark');
    await page.close();
  });
});

describe('options page', () => {
  it('shows Sites, Keys and Privacy with the identity key', async () => {
    const page = await open('options.html', 1100, 900);
    for (const name of ['Sites', 'Keys', 'Privacy']) {
      await expect.poll(() => page.getByRole('heading', { level: 2, name, exact: true }).count()).toBe(1);
    }
    const fp = await identityFingerprint(page);
    expect(fp).toMatch(FINGERPRINT);
    expect(await page.getByText('What OffRecord protects').count()).toBe(1);
    expect(await page.getByText(/Who talks to whom/).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /Not at all/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Add site' }).count()).toBe(1);
    await screenshot(page, 'options', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'options-dark', { fullPage: true });
    await page.close();
  });

  it('refuses a malformed address before asking the browser', async () => {
    const page = await open('options.html', 1100, 900);
    await page.getByLabel('Add a site by its address').fill('ftp://files.example.org');
    await page.getByRole('button', { name: 'Add site' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Enter a web address');
    await page.close();
  });

  it('imports a two-account otr.private_key made by libotr and shows both fingerprints as libotr computes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'offrecord-libotr-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const tool = buildKeytool(dir);
    const keyFile = join(dir, 'otr.private_key');
    const out = execFileSync(tool, ['gen', keyFile, 'alice@irc.example.net', 'prpl-irc', 'alice@localhost', 'prpl-jabber'], { encoding: 'utf8' });
    const expected = out.trim().split('\n').map((line) => line.split('\t')[2]!.toUpperCase());
    expect(expected).toHaveLength(2);

    const page = await open('options.html', 1100, 900);
    await identityFingerprint(page);
    await page.locator('input[data-file="otr.private_key"]').setInputFiles(keyFile);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const result = page.locator('.result[role=status]');
    await result.waitFor({ timeout: 30_000 });
    const shown = await result.locator('[data-fingerprint]').evaluateAll((els) => els.map((e) => e.getAttribute('data-fingerprint')));
    expect(shown.sort()).toEqual([...expected].sort());
    // The accounts list now shows each imported account with its own key.
    for (const fp of expected) await expect.poll(() => page.locator(`.rows [data-fingerprint="${fp}"]`).count()).toBeGreaterThan(0);
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, 'options-import', { fullPage: true });
    await page.close();
  });
});
