/**
 * A private mail thread between bob in Chromium and alice in Firefox (firefox-esr, the MV2
 * build) on the real mail stack: bob runs "always", so his first mail carries his query and
 * D-H Commit; each side answers the AKE from the mail it opens, in its reply.
 */
import { expect } from 'vitest';
import type { Page as FfPage } from 'puppeteer-core';
import { MAIL_PASSWORD, type MailStack } from '../../stacks/mail';
import { launchFirefoxWithExtension, type FirefoxWithExtension } from './browser';
import { ffPoll, ffReaders } from './firefox-kept';
import { launchProfile, popupRequest, typePrivate, waitIdentity, waitState, FIREFOX_BUILD, type Profile } from '../overlay-kit';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeLogin, roundcubeNewestUid, roundcubeOpenCompose, roundcubeReplyTo, roundcubeShow, waitForDelivery } from './mail';

export class BrowsersMailPair {
  readonly delivered = { alice: 0, bob: 0 };
  bob!: Profile;
  ff!: FirefoxWithExtension;
  alice!: FfPage;

  constructor(readonly stack: MailStack) {}

  /** bob (Chromium, "always") and alice (Firefox, `downloadDir` for saved files) logged in. */
  async launch(name: string, downloadDir?: string): Promise<void> {
    // The two browsers start side by side: each takes seconds on a loaded machine.
    await Promise.all([this.launchBob(name), this.launchAlice(downloadDir)]);
  }

  private async launchBob(name: string): Promise<void> {
    this.bob = await launchProfile(`${name}-bob`);
    await waitIdentity(this.bob);
    await popupRequest(this.bob, 'sites.update', { id: 'roundcube', policy: 'always' });
    await this.bob.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(this.bob.page, this.stack.url, 'bob');
  }

  private async launchAlice(downloadDir?: string): Promise<void> {
    this.ff = await launchFirefoxWithExtension(FIREFOX_BUILD, { downloadDir });
    this.alice = await this.ff.browser.newPage();
    await this.alice.setViewport({ width: 1400, height: 900 });
    await this.alice.goto(this.stack.url);
    await this.alice.waitForSelector('#rcmloginuser');
    await this.alice.type('#rcmloginuser', 'alice');
    await this.alice.type('#rcmloginpwd', MAIL_PASSWORD);
    await Promise.all([this.alice.waitForNavigation(), this.alice.click('#rcmloginsubmit')]);
    await this.alice.waitForSelector('#messagelist', { timeout: 20_000 });
  }

  async close(): Promise<void> {
    await this.ff?.close();
    await this.bob?.close();
  }

  aliceLeftCompose(): Promise<string> {
    return ffPoll(async () => this.alice.url(), (u) => !u.includes('_action=compose'), 30_000, 'Roundcube to leave the compose screen');
  }

  /** Waits for alice's next mail and opens it on its own page; returns its UID. */
  async aliceOpensNext(): Promise<string> {
    const { stack, alice } = this;
    this.delivered.alice++;
    await waitForDelivery(stack, 'alice', () => stack.inbox('alice').length >= this.delivered.alice);
    let uid = '';
    await ffPoll(
      async () => {
        await alice.goto(`${stack.url}?_task=mail&_mbox=INBOX`);
        await alice.waitForSelector('#messagelist tr[id^=rcmrow]', { timeout: 10_000 });
        const uids = await alice.$$eval('#messagelist tr[id^=rcmrow]', (trs) => trs.map((tr) => Number(atob(tr.id.replace(/^rcmrow/, '')))));
        uid = String(Math.max(...uids));
        return uids.length;
      },
      (n) => n >= this.delivered.alice,
      30_000,
      `alice's INBOX to show ${this.delivered.alice} mails`,
    );
    await alice.goto(`${stack.url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`);
    await alice.waitForSelector('#messagebody', { timeout: 20_000 });
    return uid;
  }

  async aliceReplies(uid: string): Promise<void> {
    const notice = () => this.alice.$eval('>>> [data-offrecord=notice]', (e) => e.textContent ?? '');
    await ffPoll(notice, (t) => t.includes('Reply to'), 30_000, 'the notice asking alice to reply');
    await this.alice.goto(`${this.stack.url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
    await this.aliceLeftCompose();
  }

  async bobOpensNext(): Promise<string> {
    const { stack, bob } = this;
    this.delivered.bob++;
    await waitForDelivery(stack, 'bob', () => stack.inbox('bob').length >= this.delivered.bob);
    const uid = await roundcubeNewestUid(bob.page, stack.url, this.delivered.bob);
    await roundcubeShow(bob.page, stack.url, uid);
    return uid;
  }

  async bobReplies(uid: string): Promise<void> {
    await expect.poll(() => this.bob.page.locator('[data-offrecord=notice]').textContent(), { timeout: 30_000 }).toContain('Reply to');
    await roundcubeReplyTo(this.bob.page, this.stack.url, uid);
    await roundcubeLeftCompose(this.bob.page);
  }

  /** The AKE by mail, bob's `first` text waiting for it; alice's Firefox reader shows it. */
  async goPrivate(first: string): Promise<void> {
    const b = this.bob.page;
    await roundcubeOpenCompose(b, this.stack.url);
    await roundcubeFillHeaders(b, 'alice', 'Private message');
    await typePrivate(b, first);
    await roundcubeLeftCompose(b);
    let uid = await this.aliceOpensNext();
    await this.aliceReplies(uid); // D-H Key
    uid = await this.bobOpensNext();
    await this.bobReplies(uid); // Reveal Signature
    uid = await this.aliceOpensNext();
    await this.aliceReplies(uid); // Signature
    uid = await this.bobOpensNext();
    await waitState(b, 'unverified');
    await this.bobReplies(uid); // the text that waited
    await this.aliceOpensNext();
    await ffPoll(() => ffReaders(this.alice, '#messagebody'), (t) => t.includes(first), 30_000, 'the reader to show bob’s text');
  }
}
