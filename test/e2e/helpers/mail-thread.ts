/**
 * Two Chromium profiles with OffRecord, each logged into the real mail stack's Roundcube, and
 * the steps of a private mail thread between them: a mail reaches the other's Maildir and is
 * opened there; what a mail view's engine answered leaves in the reply.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { MailStack, MailUser } from '../../stacks/mail';
import { popupRequest, typePrivate, waitIdentity, waitReader, waitState, type Profile } from '../overlay-kit';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeLogin, roundcubeNewestUid, roundcubeOpenCompose, roundcubeReplyTo, roundcubeShow, waitForDelivery } from './mail';

export class MailPair {
  /** Mails in each INBOX so far (the next one opened is the one after). */
  readonly delivered = { alice: 0, bob: 0 };

  constructor(
    readonly stack: MailStack,
    public alice: Profile,
    public bob: Profile,
  ) {}

  page(u: MailUser): Page {
    return u === 'alice' ? this.alice.page : this.bob.page;
  }

  /** Ready to write: identity made, the site's policy set, logged in. */
  async prepare(user: MailUser, policy: 'manual' | 'always'): Promise<void> {
    const p = user === 'alice' ? this.alice : this.bob;
    await waitIdentity(p);
    if (policy !== 'manual') await popupRequest(p, 'sites.update', { id: 'roundcube', policy });
    await p.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(p.page, this.stack.url, user);
  }

  /** Waits for the next mail to reach `to`'s Maildir, then opens it there; returns its UID. */
  async openNext(to: MailUser): Promise<string> {
    this.delivered[to]++;
    await waitForDelivery(this.stack, to, () => this.stack.inbox(to).length >= this.delivered[to]);
    const uid = await roundcubeNewestUid(this.page(to), this.stack.url, this.delivered[to]);
    await roundcubeShow(this.page(to), this.stack.url, uid);
    return uid;
  }

  /** What the mail view kept for the reply goes out as soon as the reply screen opens. */
  async replyCarriesAke(user: MailUser, uid: string): Promise<void> {
    const p = this.page(user);
    await expect.poll(() => p.locator('[data-offrecord=notice]').textContent(), { timeout: 30_000 }).toContain('Reply to');
    await roundcubeReplyTo(p, this.stack.url, uid);
    await roundcubeLeftCompose(p);
  }

  /**
   * Under "always": alice's first mail carries her query and D-H Commit and `first` waits for
   * the AKE; each side answers from the mail it opens, in its reply; bob reads `first` at last.
   */
  async goPrivate(first: string, subject = 'Private message'): Promise<void> {
    const a = this.alice.page;
    await roundcubeOpenCompose(a, this.stack.url);
    await roundcubeFillHeaders(a, 'bob', subject);
    await expect.poll(() => a.locator('iframe[data-offrecord=compose]').count(), { timeout: 30_000 }).toBe(1);
    await typePrivate(a, first);
    await roundcubeLeftCompose(a);
    let uid = await this.openNext('bob');
    await this.replyCarriesAke('bob', uid); // D-H Key
    uid = await this.openNext('alice');
    await this.replyCarriesAke('alice', uid); // Reveal Signature
    uid = await this.openNext('bob');
    await waitState(this.bob.page, 'unverified');
    await this.replyCarriesAke('bob', uid); // Signature
    uid = await this.openNext('alice');
    await waitState(this.alice.page, 'unverified');
    await this.replyCarriesAke('alice', uid); // the text that waited
    await this.openNext('bob');
    await waitReader(this.bob.page, first, '#messagebody');
  }
}
