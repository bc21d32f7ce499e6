/**
 * Firefox (firefox-esr through puppeteer-core, the MV2 build) on the real mail stack: Roundcube
 * is recognised on loopback, the lock sits beside the compose editor, and starting a private
 * thread sends a real mail whose body is the OTR query (read from bob's Maildir).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startMailStack, MAIL_DOMAIN, MAIL_PASSWORD, type MailStack } from '../stacks/mail';
import { launchFirefoxWithExtension, type FirefoxWithExtension } from './helpers/browser';
import { FIREFOX_BUILD } from './overlay-kit';
import { waitForDelivery } from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { textParts } from '../adapters/mail-fixtures';

async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout = 30_000, what = 'condition'): Promise<T> {
  let last: T | undefined;
  for (const t = Date.now(); Date.now() - t < timeout; await new Promise((r) => setTimeout(r, 200))) {
    last = await fn().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`Firefox: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

// puppeteer's `>>>` goes through open shadow roots, where the lock lives.
const ffState = (page: Page) => page.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-state'));

describe.sequential('Firefox: the overlay on Roundcube', () => {
  let stack: MailStack;
  let ff: FirefoxWithExtension;
  let alice: Page;

  beforeAll(async () => {
    stack = await startMailStack();
    ff = await launchFirefoxWithExtension(FIREFOX_BUILD);
    alice = await ff.browser.newPage();
    await alice.setViewport({ width: 1400, height: 900 });
    await alice.goto(stack.url);
    await alice.waitForSelector('#rcmloginuser');
    await alice.type('#rcmloginuser', 'alice');
    await alice.type('#rcmloginpwd', MAIL_PASSWORD);
    await Promise.all([alice.waitForNavigation(), alice.click('#rcmloginsubmit')]);
    await alice.waitForSelector('#messagelist', { timeout: 20_000 });
  });
  afterAll(async () => {
    await ff?.close();
    await stack?.stop();
  });

  it('shows the lock beside the plain-text editor once a recipient is given', async () => {
    await alice.goto(`${stack.url}?_task=mail&_action=compose`);
    await alice.waitForSelector('#composebody', { timeout: 20_000 });
    await alice.type('#compose_to ul.recipient-input input', `bob@${MAIL_DOMAIN}`);
    await alice.keyboard.press('Enter');
    await alice.type('#compose-subject', 'Private message from Firefox');
    expect(await poll(() => ffState(alice), (s) => s === 'plaintext', 30_000, 'the lock')).toBe('plaintext');
  });

  it('starting a private thread sends a mail carrying the OTR query', async () => {
    await (await alice.waitForSelector('>>> [data-offrecord=lock]'))!.click();
    await (await alice.waitForSelector('>>> [role=menuitem][data-offrecord=start]'))!.click();
    const stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Private message from Firefox'));
    const found = normaliseMailBody(textParts(stored.raw)[0]!.body);
    expect(found.body.kind === 'otr' && found.body.text).toMatch(/^\?OTRv[23]+\?$/);
  });
});
