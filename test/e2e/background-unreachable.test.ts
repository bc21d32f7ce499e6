/**
 * When OffRecord's background answers nothing (seen when Chrome never started the worker again),
 * the popup and the options page say so in plain words and offer "Restart OffRecord", and the
 * restart brings OffRecord back. Real browsers: a copy of the built extension whose background
 * script registers no listener stands for the dead background, so every request meets the
 * browser's own "Receiving end does not exist" (src/messaging/client.ts recognises it by those
 * words). Before the click the real script is put back, and the restart (runtime.reload) loads
 * it from disk, as it does for an unpacked or temporary add-on.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { CHROME_EXT, FINGERPRINT, FIREFOX_EXT, launchChromiumWithExtension, launchFirefoxWithExtension, shownFingerprint, type ExtensionBrowser, type FirefoxWithExtension } from './helpers/browser';
import { ffPoll } from './helpers/firefox-kept';
import { firefoxRequest, openFirefoxExtensionPage } from './helpers/hostile-site';
import { tempDir } from '../stacks/process';
import catalogue from '../../public/_locales/en/messages.json';

const UNREACHABLE = catalogue.background_unreachable.message;
const RESTART = catalogue.background_restart.message;
const SILENT_BACKGROUND = '// OffRecord with a background that registers no listener: nothing answers.\n';

/** A copy of a built extension whose background answers nothing; `repair()` puts the real one back. */
function silentCopy(built: string, name: string): { dir: string; repair(): void } {
  const dir = join(tempDir(name), 'extension');
  cpSync(built, dir, { recursive: true });
  const real = readFileSync(join(dir, 'background.js'));
  writeFileSync(join(dir, 'background.js'), SILENT_BACKGROUND);
  return { dir, repair: () => writeFileSync(join(dir, 'background.js'), real) };
}

describe('a background that does not answer (real Chromium)', () => {
  let copy: ReturnType<typeof silentCopy>;
  let b: ExtensionBrowser;
  const open = async (path: string): Promise<Page> => {
    const page = await b.context.newPage();
    await page.goto(`chrome-extension://${b.extensionId}/${path}`);
    return page;
  };

  beforeAll(async () => {
    copy = silentCopy(CHROME_EXT, 'silent-chrome');
    // Chromium reloads an unpacked extension only with developer mode on, as it is for anyone who
    // loaded one from chrome://extensions; without it runtime.reload() unloads it for good.
    const profile = tempDir('silent-chrome-profile');
    mkdirSync(join(profile, 'Default'));
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ extensions: { ui: { developer_mode: true } } }));
    b = await launchChromiumWithExtension(profile, copy.dir);
  });
  afterAll(async () => {
    await b?.close();
  });

  it('the options page says the background is not answering, in plain words, with a restart', async () => {
    const page = await open('options.html');
    const alert = page.getByRole('alert').filter({ hasText: UNREACHABLE });
    await alert.waitFor({ timeout: 20_000 });
    expect(await page.locator('body').textContent()).not.toContain('Receiving end does not exist');
    expect(await alert.getByRole('button', { name: RESTART }).count()).toBe(1);
    await page.close();
  });

  it('the popup says the same, shows no endless "Loading…", and its restart brings OffRecord back', async () => {
    const popup = await open('popup.html');
    const alert = popup.getByRole('alert').filter({ hasText: UNREACHABLE });
    await alert.waitFor({ timeout: 20_000 });
    const text = (await popup.locator('body').textContent()) ?? '';
    expect(text).not.toContain('Receiving end does not exist');
    expect(text).not.toContain('Loading');
    copy.repair();
    const restarted = b.context.waitForEvent('serviceworker', { timeout: 30_000 });
    // The click reloads the extension, which closes the popup under it.
    await alert.getByRole('button', { name: RESTART }).click().catch((e: unknown) => {
      if (!popup.isClosed()) throw e;
    });
    await restarted;
    expect(popup.isClosed()).toBe(true);
    // The same extension, now with its real background: it answers, and makes the identity key.
    const again = await open('popup.html');
    expect(await shownFingerprint(again, 120_000)).toMatch(FINGERPRINT);
    expect(await again.getByRole('alert').count()).toBe(0);
  });
});

describe('a background that does not answer (real Firefox)', () => {
  const uuid = randomUUID();
  let copy: ReturnType<typeof silentCopy>;
  let ff: FirefoxWithExtension;

  beforeAll(async () => {
    copy = silentCopy(FIREFOX_EXT, 'silent-firefox');
    ff = await launchFirefoxWithExtension(copy.dir, { uuid, systemAccess: true });
  });
  afterAll(async () => {
    await ff?.close();
  });

  it('the popup says so in plain words, and its restart brings OffRecord back', async () => {
    const popup = await openFirefoxExtensionPage(ff.browser, uuid, 'popup.html');
    await popup.waitForFunction((words) => document.querySelector('[role=alert]')?.textContent?.includes(words), { timeout: 20_000 }, UNREACHABLE);
    const text = await popup.evaluate(() => document.body.textContent ?? '');
    expect(text).not.toContain('Receiving end does not exist');
    expect(text).not.toContain('Loading');
    copy.repair();
    const restart = await popup.waitForSelector('[role=alert] button[data-offrecord=restart]');
    expect(await restart!.evaluate((b) => b.textContent)).toBe(RESTART);
    // The reload takes the popup's document away under the click.
    await restart!.click().catch(() => undefined);
    // Only a reload reads the repaired script: the add-on answering again is the restart's doing.
    // (Firefox makes the first identity key slowly; that it is under way is the answer looked for.)
    // A tab opened while the add-on is still coming back stays blank: each try gives up in 3 s.
    const status = await ffPoll(
      () => firefoxRequest<{ state: string }>(ff.browser, uuid, 'identity.status', {}, 3000).catch(() => ({ state: 'unanswered' })),
      (s) => s.state !== 'unanswered',
      60_000,
      'an answer after the restart',
    );
    expect(['generating', 'ready']).toContain(status.state);
  });
});
