/**
 * The mail thread across browsers: bob in Chromium, alice in Firefox (firefox-esr, the MV2
 * build), both with the built extension, on the real stack (Roundcube 1.6, Postfix, Dovecot).
 * bob runs "always": his first mail carries his query, his D-H Commit and nothing readable.
 * Firefox answers the AKE from the mails alice opens and sends each answer in her reply (kept in
 * the add-on's storage meanwhile), shows bob's text in a reader frame in place of the
 * ciphertext, and sends alice's answer from the compose frame over TinyMCE. The maildirs hold no
 * plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page as FfPage } from 'puppeteer-core';
import { readFileSync } from 'node:fs';
import { startMailStack, MAIL_DOMAIN, MAIL_PASSWORD, type MailStack } from '../stacks/mail';
import { launchFirefoxWithExtension, type FirefoxWithExtension } from './helpers/browser';
import { ffPoll, ffReaders, ffType } from './helpers/firefox-kept';
import { launchProfile, popupRequest, typePrivate, waitIdentity, waitReader, waitState, FIREFOX_BUILD, type Profile } from './overlay-kit';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeLogin, roundcubeNewestUid, roundcubeOpenCompose, roundcubeReplyTo, roundcubeShow, waitForDelivery } from './helpers/mail';

const FROM_BOB = 'Hallo Alice — Grüße aus Chromium ✓';
const FROM_ALICE = 'Merci Bob, réponse depuis Firefox 🙂';

describe.sequential('mail thread between Chromium and Firefox on Roundcube', () => {
  let stack: MailStack;
  let bob: Profile;
  let ff: FirefoxWithExtension;
  let alice: FfPage;
  const delivered = { alice: 0, bob: 0 };

  const leftCompose = (page: FfPage) => ffPoll(async () => page.url(), (u) => !u.includes('_action=compose'), 30_000, 'Roundcube to leave the compose screen');

  async function aliceOpensNext(): Promise<string> {
    delivered.alice++;
    await waitForDelivery(stack, 'alice', () => stack.inbox('alice').length >= delivered.alice);
    let uid = '';
    await ffPoll(
      async () => {
        await alice.goto(`${stack.url}?_task=mail&_mbox=INBOX`);
        await alice.waitForSelector('#messagelist tr[id^=rcmrow]', { timeout: 10_000 });
        const uids = await alice.$$eval('#messagelist tr[id^=rcmrow]', (trs) => trs.map((tr) => Number(atob(tr.id.replace(/^rcmrow/, '')))));
        uid = String(Math.max(...uids));
        return uids.length;
      },
      (n) => n >= delivered.alice,
      30_000,
      `alice's INBOX to show ${delivered.alice} mails`,
    );
    await alice.goto(`${stack.url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`);
    await alice.waitForSelector('#messagebody', { timeout: 20_000 });
    return uid;
  }

  async function aliceReplies(uid: string): Promise<void> {
    const notice = () => alice.$eval('>>> [data-offrecord=notice]', (e) => e.textContent ?? '');
    await ffPoll(notice, (t) => t.includes('Reply to'), 30_000, 'the notice asking alice to reply');
    await alice.goto(`${stack.url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
    await leftCompose(alice);
  }

  async function bobOpensNext(): Promise<string> {
    delivered.bob++;
    await waitForDelivery(stack, 'bob', () => stack.inbox('bob').length >= delivered.bob);
    const uid = await roundcubeNewestUid(bob.page, stack.url, delivered.bob);
    await roundcubeShow(bob.page, stack.url, uid);
    return uid;
  }

  async function bobReplies(uid: string): Promise<void> {
    await expect.poll(() => bob.page.locator('[data-offrecord=notice]').textContent(), { timeout: 30_000 }).toContain('Reply to');
    await roundcubeReplyTo(bob.page, stack.url, uid);
    await roundcubeLeftCompose(bob.page);
  }

  beforeAll(async () => {
    stack = await startMailStack();
    bob = await launchProfile('rc-ff-bob');
    await waitIdentity(bob);
    await popupRequest(bob, 'sites.update', { id: 'roundcube', policy: 'always' });
    await bob.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(bob.page, stack.url, 'bob');
    ff = await launchFirefoxWithExtension(FIREFOX_BUILD);
    alice = await ff.browser.newPage();
    await alice.setViewport({ width: 1400, height: 900 });
    await alice.goto(stack.url);
    await alice.waitForSelector('#rcmloginuser');
    await alice.type('#rcmloginuser', 'alice');
    await alice.type('#rcmloginpwd', MAIL_PASSWORD);
    await Promise.all([alice.waitForNavigation(), alice.click('#rcmloginsubmit')]);
    await alice.waitForSelector('#messagelist', { timeout: 20_000 });
  }, 120_000);
  afterAll(async () => {
    await ff?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('runs the AKE by mail, and Firefox shows the text that waited for it', async () => {
    await roundcubeOpenCompose(bob.page, stack.url);
    await roundcubeFillHeaders(bob.page, 'alice', 'Private message');
    await typePrivate(bob.page, FROM_BOB);
    await roundcubeLeftCompose(bob.page);

    let uid = await aliceOpensNext();
    await aliceReplies(uid); // D-H Key
    uid = await bobOpensNext();
    await bobReplies(uid); // Reveal Signature
    uid = await aliceOpensNext();
    await aliceReplies(uid); // Signature
    uid = await bobOpensNext();
    await waitState(bob.page, 'unverified');
    await bobReplies(uid); // the text that waited
    await aliceOpensNext();
    const shown = await ffPoll(() => ffReaders(alice, '#messagebody'), (t) => t.includes(FROM_BOB), 30_000, 'the reader to show bob’s text');
    expect(shown).toEqual([FROM_BOB]);
  });

  it('alice answers from the compose frame over TinyMCE in Firefox', async () => {
    await alice.goto(`${stack.url}?_task=mail&_action=compose`);
    await alice.waitForSelector('#composebody', { timeout: 20_000 });
    await alice.waitForFunction(() => (window as unknown as { rcmail?: { commands: Record<string, unknown> } }).rcmail?.commands['toggle-editor'] === true);
    await alice.evaluate(() => {
      (window as unknown as { rcmail: { command(c: string, p: unknown): unknown } }).rcmail.command('toggle-editor', { id: 'composebody', html: true });
    });
    await alice.waitForSelector('iframe#composebody_ifr', { timeout: 20_000 });
    await alice.type('#compose_to ul.recipient-input input', `bob@${MAIL_DOMAIN}`);
    await alice.keyboard.press('Enter');
    await alice.type('#compose-subject', 'Re: Private message');
    await ffType(alice, FROM_ALICE);
    await leftCompose(alice);
    await bobOpensNext();
    const sent = stack.inbox('bob')[delivered.bob - 1]!;
    expect(sent.raw).toMatch(/Content-Type: text\/html/i);
    await waitReader(bob.page, FROM_ALICE, '#messagebody');
  });

  it('no plaintext is stored in any maildir', () => {
    const words = [FROM_BOB, FROM_ALICE, 'Grüße', 'Chromium', 'réponse', 'Firefox'];
    for (const file of stack.storeFiles()) {
      const utf8 = readFileSync(file, 'utf8');
      const latin1 = readFileSync(file, 'latin1');
      for (const w of words) expect(utf8.includes(w) || latin1.includes(w), `${w} in ${file}`).toBe(false);
    }
  });
});
