/**
 * Firefox (firefox-esr through puppeteer-core, the MV2 build) on the real mail stack: Roundcube
 * is recognised on loopback, the lock sits beside the compose editor, and starting a private
 * thread sends a real mail whose body is the OTR query (read from bob's Maildir).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startMailStack, MAIL_DOMAIN, MAIL_PASSWORD, type MailStack } from '../stacks/mail';
import { ffLockState, ffMenu, ffNotice, ffPoll, ffRequest, keptFirefox, type KeptFirefox } from './helpers/firefox-kept';
import { waitForDelivery } from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { textParts } from '../adapters/mail-fixtures';

describe.sequential('Firefox: the overlay on Roundcube', () => {
  let stack: MailStack;
  let ff: KeptFirefox;
  let alice: Page;

  beforeAll(async () => {
    ff = keptFirefox('roundcube');
    [stack, alice] = await Promise.all([startMailStack(), ff.open()]);
    ff.via = stack.url;
    // Starting waits for the identity key, which Firefox makes slowly on a loaded machine
    // (minutes at worst): wait for it here, as the Chromium test does, so the start is timed alone.
    await ffPoll(() => ffRequest<{ state: string }>(ff, 'identity.status', {}), (s) => s.state === 'ready', 240_000, 'the identity key');
    await alice.bringToFront();
    await alice.setViewport({ width: 1400, height: 900 });
    await alice.goto(stack.url);
    await alice.waitForSelector('#rcmloginuser');
    await alice.type('#rcmloginuser', 'alice');
    await alice.type('#rcmloginpwd', MAIL_PASSWORD);
    await Promise.all([alice.waitForNavigation(), alice.click('#rcmloginsubmit')]);
    await alice.waitForSelector('#messagelist', { timeout: 20_000 });
  }, 300_000);
  afterAll(async () => {
    await ff?.dispose();
    await stack?.stop();
  });

  it('shows the lock beside the plain-text editor once a recipient is given', async () => {
    await alice.goto(`${stack.url}?_task=mail&_action=compose`);
    await alice.waitForSelector('#composebody', { timeout: 20_000 });
    await alice.type('#compose_to ul.recipient-input input', `bob@${MAIL_DOMAIN}`);
    await alice.keyboard.press('Enter');
    await alice.type('#compose-subject', 'Private message from Firefox');
    expect(await ffPoll(() => ffLockState(alice), (s) => s === 'plaintext', 30_000, 'the lock')).toBe('plaintext');
  });

  it('starting a private thread sends a mail carrying the OTR query', async () => {
    await ffMenu(alice, 'start');
    // The query goes out through Roundcube's own Send, which leaves the compose screen.
    await ffPoll(async () => alice.url(), (u) => !u.includes('_action=compose'), 30_000, 'Roundcube to leave the compose screen').catch(async (e: unknown) => {
      throw new Error(`the query was not sent; the lock says ${JSON.stringify(await ffNotice(alice))}`, { cause: e });
    });
    const stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Private message from Firefox'));
    const found = normaliseMailBody(textParts(stored.raw)[0]!.body);
    expect(found.body.kind === 'otr' && found.body.text).toMatch(/^\?OTRv[23]+\?$/);
  });
});
