/**
 * Accessibility (issue 16): axe-core in Debian's Chromium with the built extension, on every
 * surface a user meets: the popup (each tab, with a live conversation), the options page, the
 * first-contact guide, the lock and its menu in the chat page, the compose and reader frames.
 * Goal: no serious or critical violation. Every finding, of any impact, is written to
 * test-results/a11y.json. Also: the popup at 200% zoom and in forced colours (high contrast),
 * as screenshots; and the invitation as a plain IRC client in the channel sees it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIrcObserver, startIrcStack, type IrcObserver, type IrcStack } from '../stacks/index';
import { loungeJoin } from './helpers/chat';
import { AXE_VERSION, runAxe, serious, type AxeReport } from './helpers/axe';
import { ROOT } from './helpers/browser';
import { acceptPrivate, lock, menu, openPopup, readyProfiles, shot, typePrivate, waitReader, waitState, type Profile } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const reports: AxeReport[] = [];

async function check(report: Promise<AxeReport>): Promise<void> {
  const r = await report;
  reports.push(r);
  expect(serious(r), `${r.surface}: ${JSON.stringify(serious(r), null, 1)}`).toEqual([]);
}

describe.sequential('accessibility of every OffRecord surface (axe-core)', () => {
  let stack: IrcStack;
  let observer: IrcObserver;
  let alice: Profile;
  let bob: Profile;

  beforeAll(async () => {
    [stack, [alice, bob]] = await Promise.all([startIrcStack(), readyProfiles('a11y-alice', 'a11y-bob')]);
    observer = await startIrcObserver(stack.ircPort, { nick: 'plainirc' });
    await Promise.all([loungeJoin(alice.page, stack.url, 'alice'), loungeJoin(bob.page, stack.url, 'bob')]);
  });
  afterAll(async () => {
    const dir = join(ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a11y.json'), JSON.stringify({ axe: AXE_VERSION, reports }, null, 2) + '\n');
    observer?.close();
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('the invitation reaches a plain IRC client as one line, tag first, and bob still goes private', async () => {
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    const fromAlice = observer.messages().filter((m) => m.from === 'alice' && m.text.includes('?OTRv'));
    expect(fromAlice).toHaveLength(1);
    const query = fromAlice[0]!.text;
    expect(query).toMatch(/^\?OTRv23\? alice invites you to a private conversation with Off-the-Record \(OTR\) messaging\./);
    expect(query).toContain('https://addons.mozilla.org/firefox/addon/offrecord/');
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results', 'invitation-plain-irc.txt'), observer.lines.filter((l) => l.includes('?OTRv')).join('\n') + '\n');
  });

  it('the lock and its menu in the chat page', async () => {
    await check(runAxe(bob.page, 'lock', '[data-offrecord-host=lock]'));
    await lock(bob.page).click();
    await bob.page.locator('[role=menuitem]').first().waitFor();
    await check(runAxe(bob.page, 'lock menu (open)', '[data-offrecord-host=lock]'));
    await bob.page.keyboard.press('Escape');
  });

  it('the compose and reader frames', async () => {
    await typePrivate(alice.page, 'hello, can you read this?');
    await waitReader(bob.page, 'hello, can you read this?', LIST);
    const compose = bob.page.frames().find((f) => f.url().includes('/compose.html'));
    const reader = bob.page.frames().find((f) => f.url().includes('/reader.html'));
    expect(compose && reader).toBeTruthy();
    await check(runAxe(compose!, 'compose frame'));
    await check(runAxe(reader!, 'reader frame'));
  });

  it('the popup: This tab with the conversation, My identity, Known peers', async () => {
    const popup = await openPopup(bob, bob.page);
    await check(runAxe(popup, 'popup: This tab'));
    for (const [tab, name] of [['My identity', 'popup: My identity'], ['Known peers', 'popup: Known peers']] as const) {
      await popup.getByRole('tab', { name: tab }).click();
      await check(runAxe(popup, name));
    }
    await popup.getByRole('tab', { name: 'This tab' }).click();
    await zoomed(popup, 'popup-200-percent');
    await forcedColours(popup, 'popup-forced-colors');
    await popup.close();
  });

  it('the options page and the first-contact guide', async () => {
    for (const [path, name] of [['options.html', 'options page'], ['first-contact.html', 'first-contact guide']] as const) {
      const page = await bob.browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(`chrome-extension://${bob.browser.extensionId}/${path}`);
      await page.locator('h2').first().waitFor();
      await check(runAxe(page, name));
      await shot(page, `a11y-${path.replace('.html', '')}`);
      await page.close();
    }
  });
});

/**
 * At 200% browser zoom Chromium doubles CSS pixels inside a popup window that can grow to at
 * most 800×600 device pixels, so the popup lays out in 400×300 CSS pixels: CSS zoom on the root
 * of an 800×600 window reproduces that. Nothing may overflow sideways.
 */
async function zoomed(popup: Page, name: string): Promise<void> {
  await popup.setViewportSize({ width: 800, height: 600 });
  await popup.evaluate(() => (document.documentElement.style.zoom = '2'));
  const overflow = await popup.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await check(runAxe(popup, 'popup: 200% zoom'));
  await shot(popup, name);
  await popup.evaluate(() => (document.documentElement.style.zoom = ''));
  await popup.setViewportSize({ width: 400, height: 640 });
}

/** High contrast: Windows' forced colours, which replace the page's own colours. */
async function forcedColours(popup: Page, name: string): Promise<void> {
  await popup.emulateMedia({ forcedColors: 'active' });
  await check(runAxe(popup, 'popup: forced colours'));
  await shot(popup, name);
  await popup.emulateMedia({ forcedColors: 'none' });
}
