/**
 * Browsers for the e2e tests (ENVIRONMENT.md): Debian's Chromium through playwright-core with the
 * built extension loaded, and firefox-esr through puppeteer-core.
 */
import { chromium, type Browser, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../stacks/process';

/** A fingerprint as the popup and the lock show it: five groups of eight hex digits. */
export const FINGERPRINT = /^[0-9A-F]{8}( [0-9A-F]{8}){4}$/;
export const ROOT = repoRoot();
export const CHROME_EXT = join(ROOT, '.output/chrome-mv3');
export const FIREFOX_EXT = join(ROOT, '.output/firefox-mv2');

/** Without the background-networking flags Chromium floods a closed network with retries. */
export const QUIET_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  profileDir: string;
  close(): Promise<void>;
}

export async function launchChromiumWithExtension(profileDir?: string, extDir = CHROME_EXT, options: { idlePriority?: boolean } = {}): Promise<ExtensionBrowser> {
  const dir = profileDir ?? mkdtempSync(join(tmpdir(), 'offrecord-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: options.idlePriority ? idleChromium() : '/usr/bin/chromium',
    headless: false, // --headless=new below: the old headless mode cannot load extensions
    args: [`--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`, ...QUIET_FLAGS],
  });
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  const extensionId = new URL(serviceWorker.url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    profileDir: dir,
    async close() {
      await context.close();
      if (!profileDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A launcher that starts Chromium at the lowest CPU priority, so that a bench's second browser
 * runs only on what the timed browser leaves of the cores, as a browser on another machine
 * would take none of them. Two steps, since either alone does not hold:
 * - Playwright starts each browser in a session of its own, and with autogroup scheduling
 *   (Linux's default on desktops and on this project's machines) the kernel shares the CPU
 *   between sessions as equals, whatever the policy of the threads inside: the launcher first
 *   sets its session's group to nice 19 (/proc/self/autogroup).
 * - Inside the group, SCHED_IDLE, which every process and thread Chromium forks inherits
 *   (`nice` alone does not hold: Chromium sets its own processes' nice values).
 */
function idleChromium(): string {
  const launcher = join(mkdtempSync(join(tmpdir(), 'offrecord-idle-')), 'chromium');
  writeFileSync(launcher, '#!/bin/sh\n[ -w /proc/self/autogroup ] && echo 19 > /proc/self/autogroup\nexec chrt --idle 0 /usr/bin/chromium "$@"\n', { mode: 0o755 });
  return launcher;
}

/** A plain Chromium (no extension) for adapter tests on live pages. */
export function launchPlainChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: QUIET_FLAGS });
}

/**
 * Stops the extension's service worker as Chromium does when it is idle, for restart tests;
 * resolves once CDP reports that very version stopped. The next extension event starts it
 * again. Only an activated, running version is stopped: one stopped while it installs (in the
 * first half second of a fresh profile) is never started again by Chromium, and every message
 * then fails with "Receiving end does not exist". The CDP session is on one of the extension's
 * own resources; Playwright keeps listing a stopped worker, so the status comes from CDP.
 */
export async function stopServiceWorker(context: BrowserContext, extensionId: string): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/manifest.json`);
    const cdp = await context.newCDPSession(page);
    const seen: Array<{ versionId: string; running: string; status: string }> = [];
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      for (const v of e.versions) {
        if (v.scriptURL.startsWith(`chrome-extension://${extensionId}/`)) seen.push({ versionId: v.versionId, running: v.runningStatus, status: v.status });
      }
    });
    await cdp.send('ServiceWorker.enable');
    // Chromium may have stopped an idle worker already (after 30 s): then there is nothing to do.
    await until(async () => seen.at(-1)?.status === 'activated' && ['running', 'stopped'].includes(seen.at(-1)!.running), 15_000);
    const { versionId, running } = seen.at(-1)!;
    if (running === 'stopped') return;
    const before = seen.length;
    await cdp.send('ServiceWorker.stopWorker', { versionId });
    await until(async () => seen.slice(before).some((v) => v.versionId === versionId && v.running === 'stopped'), 15_000);
  } finally {
    await page.close();
  }
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  const dir = join(ROOT, 'test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path, ...options });
  return path;
}

export interface FirefoxWithExtension {
  browser: import('puppeteer-core').Browser;
  /** The add-on id returned by installExtension. */
  addonId: string;
  close(): Promise<void>;
}

/** Firefox preferences under which saved files land in `dir` without a dialog. */
export function firefoxDownloadPrefs(dir: string): Record<string, unknown> {
  return { 'browser.download.folderList': 2, 'browser.download.dir': dir, 'browser.download.useDownloadDir': true, 'browser.download.always_ask_before_handling_new_types': false };
}

/**
 * `uuid` pins the add-on's moz-extension:// host; `systemAccess` lets the remote agent reach the
 * browser's chrome scope, the only way to open an extension page (see openFirefoxExtensionPage).
 */
export async function launchFirefoxWithExtension(
  extDir = FIREFOX_EXT,
  options: { uuid?: string; systemAccess?: boolean; downloadDir?: string } = {},
): Promise<FirefoxWithExtension> {
  const puppeteer = (await import('puppeteer-core')).default;
  const addonId = (JSON.parse(readFileSync(join(extDir, 'manifest.json'), 'utf8')) as { browser_specific_settings: { gecko: { id: string } } })
    .browser_specific_settings.gecko.id;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    ...(options.systemAccess ? { args: ['--remote-allow-system-access'] } : {}),
    extraPrefsFirefox: {
      'network.proxy.type': 0,
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      ...(options.uuid ? { 'extensions.webextensions.uuids': JSON.stringify({ [addonId]: options.uuid }) } : {}),
      ...(options.downloadDir ? firefoxDownloadPrefs(options.downloadDir) : {}),
    },
  });
  try {
    const addonId = await browser.installExtension(extDir);
    return { browser, addonId, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/**
 * The first fingerprint an extension page shows (the popup's identity key), once it shows one;
 * `selector` narrows it to one display (the identity's large one, say).
 */
export async function shownFingerprint(page: Page, timeoutMs = 60_000, selector = '[data-fingerprint]'): Promise<string> {
  const fp = page.locator(selector).first();
  await fp.waitFor({ timeout: timeoutMs });
  return (await fp.getAttribute('data-fingerprint')) ?? '';
}

/** Polls `check` every 100 ms until it holds, or throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
