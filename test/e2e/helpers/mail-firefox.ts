/**
 * A private mail thread between bob in Chromium and alice in Firefox (firefox-esr, the MV2
 * build) on the real mail stack: bob runs "always", so his first mail carries his query and
 * D-H Commit; each side answers the AKE from the mail it opens, in its reply. alice's Firefox
 * runs on a kept profile, so it can be closed and opened again between mails.
 */
import { expect } from 'vitest';
import type { Page as FfPage } from 'puppeteer-core';
import { MAIL_PASSWORD, type MailStack } from '../../stacks/mail';
import { firefoxDownloadPrefs } from './browser';
import { ffPoll, ffReaders, ffType, keptFirefox, type KeptFirefox } from './firefox-kept';
import { pastePrivate, popupRequest, readyProfiles, typePrivate, waitState, FIREFOX_BUILD, type Profile } from '../overlay-kit';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeLogin, roundcubeNewestUid, roundcubeOpenCompose, roundcubeReplyTo, roundcubeShow, waitForDelivery } from './mail';

/** Texts longer than this are pasted into the compose frame, not typed. */
const TYPED_AT_MOST = 200;

export class BrowsersMailPair {
  readonly delivered = { alice: 0, bob: 0 };
  bob!: Profile;
  /** alice's Firefox profile, kept on disk between launches. */
  aliceFirefox!: KeptFirefox;
  alice!: FfPage;

  constructor(readonly stack: MailStack) {}

  /** bob (Chromium, "always") and alice (Firefox, `downloadDir` for saved files) logged in. */
  async launch(name: string, downloadDir?: string): Promise<void> {
    this.aliceFirefox = keptFirefox(`${name}-alice`, FIREFOX_BUILD, downloadDir ? firefoxDownloadPrefs(downloadDir) : {});
    this.aliceFirefox.via = this.stack.url;
    // The two browsers start side by side: each takes seconds on a loaded machine.
    await Promise.all([this.launchBob(name), this.openAlice()]);
  }

  private async launchBob(name: string): Promise<void> {
    [this.bob] = await readyProfiles(`${name}-bob`);
    await popupRequest(this.bob, 'sites.update', { id: 'roundcube', policy: 'always' });
    await this.bob.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(this.bob.page, this.stack.url, 'bob');
  }

  /** alice's Firefox on her kept profile, at her INBOX (logged in again if the session went). */
  private async openAlice(): Promise<void> {
    this.alice = await this.aliceFirefox.open();
    await this.alice.setViewport({ width: 1400, height: 900 });
    await this.alice.goto(this.stack.url);
    await this.alice.waitForSelector('#rcmloginuser, #messagelist', { timeout: 20_000 });
    if (await this.alice.$('#rcmloginuser')) {
      await this.alice.type('#rcmloginuser', 'alice');
      await this.alice.type('#rcmloginpwd', MAIL_PASSWORD);
      await Promise.all([this.alice.waitForNavigation(), this.alice.click('#rcmloginsubmit')]);
    }
    await this.alice.waitForSelector('#messagelist', { timeout: 20_000 });
  }

  /** alice closes Firefox; `meanwhile` runs while it is closed; then it opens on the same profile. */
  async restartAlice(meanwhile: () => Promise<void> = async () => undefined): Promise<void> {
    await this.aliceFirefox.close();
    await meanwhile();
    await this.openAlice();
  }

  async close(): Promise<void> {
    await this.aliceFirefox?.dispose();
    await this.bob?.close();
  }

  aliceLeftCompose(): Promise<string> {
    return ffPoll(async () => this.alice.url(), (u) => !u.includes('_action=compose'), 30_000, 'Roundcube to leave the compose screen');
  }

  /** Waits for alice's next mail and opens it on its own page; returns its UID. */
  async aliceOpensNext(timeout = 20_000): Promise<string> {
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
    await this.aliceShows(uid, timeout);
    return uid;
  }

  /** Opens one of alice's mails on its own page, where the reader frames sit. */
  async aliceShows(uid: string, timeout = 20_000): Promise<void> {
    await this.alice.goto(`${this.stack.url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`, { timeout });
    await this.alice.waitForSelector('#messagebody', { timeout });
  }

  async aliceReplies(uid: string): Promise<void> {
    const notice = () => this.alice.$eval('>>> [data-offrecord=notice]', (e) => e.textContent ?? '');
    await ffPoll(notice, (t) => t.includes('Reply to'), 30_000, 'the notice asking alice to reply');
    await this.alice.goto(`${this.stack.url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
    await this.aliceLeftCompose();
  }

  async bobOpensNext(timeout = 20_000): Promise<string> {
    const { stack, bob } = this;
    this.delivered.bob++;
    await waitForDelivery(stack, 'bob', () => stack.inbox('bob').length >= this.delivered.bob);
    const uid = await roundcubeNewestUid(bob.page, stack.url, this.delivered.bob);
    await roundcubeShow(bob.page, stack.url, uid, timeout);
    return uid;
  }

  async bobReplies(uid: string): Promise<void> {
    await expect.poll(() => this.bob.page.locator('[data-offrecord=notice]').textContent(), { timeout: 30_000 }).toContain('Reply to');
    await roundcubeReplyTo(this.bob.page, this.stack.url, uid);
    await roundcubeLeftCompose(this.bob.page);
  }

  /** alice answers mail `uid` with `text`, written in the compose frame over Roundcube's editor. */
  async aliceWrites(uid: string, text: string): Promise<void> {
    await this.alice.goto(`${this.stack.url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
    await this.alice.waitForSelector('#composebody', { timeout: 20_000 });
    await ffType(this.alice, text);
    await this.aliceLeftCompose();
  }

  /** bob answers mail `uid` with `text`, written in the compose frame over Roundcube's editor. */
  async bobWrites(uid: string, text: string): Promise<void> {
    const b = this.bob.page;
    await roundcubeReplyTo(b, this.stack.url, uid);
    await (text.length > TYPED_AT_MOST ? pastePrivate(b, text) : typePrivate(b, text));
    await roundcubeLeftCompose(b);
  }

  /**
   * The AKE by mail, bob's `first` text waiting for it; alice's Firefox reader shows it.
   * Returns the UID of that mail in alice's INBOX.
   */
  async goPrivate(first: string): Promise<string> {
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
    uid = await this.aliceOpensNext();
    await ffPoll(() => ffReaders(this.alice, '#messagebody'), (t) => t.includes(first), 30_000, 'the reader to show bob’s text');
    return uid;
  }
}
