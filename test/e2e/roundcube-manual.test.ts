/**
 * Webmail under the default policy ('manual', "Only when I start them"), two Chromium profiles
 * on the real mail stack (Roundcube 1.6, Postfix, Dovecot): mails written in Roundcube's own
 * editor go as written, with no OTR query or whitespace tag, until alice starts the private
 * thread from the lock. Then her mail carries the query; bob's OffRecord holds it when he opens
 * the mail (the lock asks, nothing is kept for a reply), and only his Start answers, in his
 * reply, with a D-H Commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startMailStack, type MailStack } from '../stacks/mail';
import { launchProfile, lock, menu, waitState, type Profile } from './overlay-kit';
import { MailPair } from './helpers/mail-thread';
import { textParts } from '../adapters/mail-fixtures';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeOpenCompose, roundcubeSend, roundcubeTypeBody, waitForDelivery } from './helpers/mail';

const PLAIN = 'Hi bob, an ordinary mail first.';
/** What marks OTR in a mail: a query, a data or AKE message, or libotr's whitespace tag. */
const OTR_MARK = /\?OTR|\x20\x09\x20\x20\x09\x09\x09\x09\x20\x09\x20\x09\x20\x09\x20\x20/;

/** The lock's whole button lies inside the window (it is fixed, so scrolling cannot bring it in). */
async function lockInWindow(page: Page): Promise<boolean> {
  const box = await lock(page).boundingBox({ timeout: 2000 }).catch(() => null);
  const size = page.viewportSize();
  return !!box && !!size && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

describe.sequential("mail under the 'manual' policy: nothing OTR leaves until the user starts", () => {
  let stack: MailStack;
  let alice: Profile;
  let bob: Profile;
  let pair: MailPair;

  beforeAll(async () => {
    [stack, alice, bob] = await Promise.all([startMailStack(), launchProfile('rc-manual-alice'), launchProfile('rc-manual-bob')]);
    pair = new MailPair(stack, alice, bob);
    await Promise.all([pair.prepare('alice', 'manual'), pair.prepare('bob', 'manual')]);
  }, 120_000);
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it("a mail written in Roundcube's editor goes as written: no query, no tag", async () => {
    const a = alice.page;
    await roundcubeOpenCompose(a, stack.url);
    await roundcubeFillHeaders(a, 'bob', 'Hello');
    // OffRecord is there (the lock) but has not been asked: the site's own editor is in use.
    await waitState(a, 'plaintext');
    expect(await lock(a).getAttribute('data-offrecord-policy', { timeout: 10_000 })).toBe('manual');
    expect(await a.locator('iframe[data-offrecord=compose]').count()).toBe(0);
    await roundcubeTypeBody(a, PLAIN, false);
    await roundcubeSend(a);
    const mail = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Hello'));
    expect(mail.raw).toContain(PLAIN);
    expect(mail.raw).not.toMatch(OTR_MARK);
    await pair.openNext('bob');
    await waitState(bob.page, 'plaintext');
    expect(await bob.page.locator('[data-offrecord=notice]:visible').count()).toBe(0);
  });

  it('starting from the lock sends the query in that mail; bob opening it answers nothing by itself', async () => {
    const a = alice.page;
    await roundcubeOpenCompose(a, stack.url);
    await roundcubeFillHeaders(a, 'bob', 'Private message');
    await waitState(a, 'plaintext');
    // The query is the mail: OffRecord puts it into the body and sends it, leaving the compose
    // screen, so the click may end in a navigation; retried only while still on that screen.
    for (let attempt = 0; a.url().includes('_action=compose'); attempt++) {
      try {
        if (!(await a.locator('[role=menuitem][data-offrecord=start]').isVisible())) await lock(a).click({ timeout: 5_000 });
        await a.locator('[role=menuitem][data-offrecord=start]').click({ timeout: 3_000 });
        await roundcubeLeftCompose(a);
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
    const uid = await pair.openNext('bob');
    const mail = stack.inbox('bob')[pair.delivered.bob - 1]!;
    expect(mail.raw).toMatch(/\?OTRv2?3\?/);
    const b = bob.page;
    // A bounded read: the poll cannot cut short a read that waits for a lock not placed yet.
    await expect.poll(() => lock(b).getAttribute('data-offrecord-asked', { timeout: 2000 }).catch(() => null), { timeout: 30_000 }).toBe('true');
    // Held, not answered: nothing kept for a reply, no notice asking for one.
    expect(await b.locator('[data-offrecord=notice]:visible').allTextContents()).not.toContainEqual(expect.stringContaining('Reply to'));
    // The mail held only the query, so its body gives way to a status line; the lock stays in
    // the window, above where the body was (a hidden body's empty box once put it off screen).
    await expect.poll(() => b.locator('#messagebody').isVisible()).toBe(false);
    // Across several of the content script's placements (every 250 ms), not just the first.
    for (let look = 0; look < 4; look++) {
      await b.waitForTimeout(300);
      expect(await lockInWindow(b)).toBe(true);
    }

    await menu(b, 'start');
    await pair.replyCarriesAke('bob', uid);
    const answer = await waitForDelivery(stack, 'alice', () => true);
    const body = textParts(answer.raw).map((p) => p.body).join('\n');
    expect(body).toMatch(/\?OTR:AAMC/); // a D-H Commit
  });
});
