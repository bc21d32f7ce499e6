/**
 * The no-answer path (issue 16): Alice, in The Lounge with OffRecord, asks carol for a private
 * conversation; carol uses a plain IRC client with no OTR. Carol receives the invitation as one
 * line; after 30 s without an OTR answer Alice's lock menu says carol has not answered, copies
 * the invitation (exactly the line carol received: never plaintext) and tries again.
 *
 * The 30 s are not waited for real: the background's clock is set back before Alice asks, so her
 * query carries an older time and the page's wait (which counts from that time) ends sooner. The
 * product's 30 s and the exact moment are checked with a fake clock in test/overlay/no-answer.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIrcObserver, startIrcStack, type IrcObserver, type IrcStack } from '../stacks/index';
import { loungeJoin, loungeQuery } from './helpers/chat';
import { shiftWorkerClock } from './helpers/persistent';
import { lock, lockState, menu, readyProfiles, shot, waitState, type Profile } from './overlay-kit';

/** The product's wait (NO_ANSWER_MS; its module loads the extension API, so not imported here). */
const NO_ANSWER_MS = 30_000;
/** What is left of the 30 s once the background's clock is set back. */
const LEFT_MS = 12_000;

const queriesTo = (carol: IrcObserver) => carol.messages().filter((m) => m.from === 'alice' && m.target === 'carol' && m.text.startsWith('?OTRv'));

describe.sequential('no answer from a buddy without OTR', () => {
  let stack: IrcStack;
  let carol: IrcObserver;
  let alice: Profile;

  beforeAll(async () => {
    [stack, [alice]] = await Promise.all([startIrcStack(), readyProfiles('no-answer-alice')]);
    carol = await startIrcObserver(stack.ircPort, { nick: 'carol' });
    await loungeJoin(alice.page, stack.url, 'alice');
    await loungeQuery(alice.page, 'carol');
    await alice.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.url).origin });
  });
  afterAll(async () => {
    carol?.close();
    await alice?.close();
    await stack?.stop();
  });

  it('carol receives the invitation in one line; after 30 s the lock menu says she has not answered', async () => {
    await waitState(alice.page, 'plaintext');
    await shiftWorkerClock(alice, LEFT_MS - NO_ANSWER_MS);
    const asked = Date.now();
    await menu(alice.page, 'start');
    await expect.poll(() => queriesTo(carol).length, { timeout: 15_000 }).toBe(1);
    const invitation = queriesTo(carol)[0]!.text;
    expect(invitation).toMatch(/^\?OTRv23\? alice invites you to a private conversation/);
    const section = alice.page.locator('[data-offrecord=no-answer]');
    // Not before the 30 s are over (here: half of what is left of them)...
    await alice.page.waitForTimeout(Math.max(0, asked + LEFT_MS / 2 - Date.now()));
    expect(Date.now() - asked).toBeLessThan(LEFT_MS);
    expect(await section.isVisible()).toBe(false);
    // ...then the notice, and the menu says so.
    await expect.poll(() => alice.page.locator('[data-offrecord=notice]').textContent(), { timeout: 20_000 }).toBe('carol has not answered. They may not have OTR yet.');
    await lock(alice.page).click();
    await expect.poll(() => section.isVisible()).toBe(true);
    expect(await section.locator('p').textContent()).toBe('carol has not answered. They may not have OTR yet.');
    await shot(alice.page, 'no-answer-lock-menu');

    await menu(alice.page, 'copy-invitation');
    await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe(invitation);
    expect(await lockState(alice.page)).toBe('plaintext');
  });

  it('Try again sends the invitation once more and waits another 30 s', async () => {
    // Real time again: the new query's 30 s start now.
    await shiftWorkerClock(alice, 0);
    await menu(alice.page, 'try-again');
    await expect.poll(() => queriesTo(carol).length, { timeout: 15_000 }).toBe(2);
    await lock(alice.page).click();
    expect(await alice.page.locator('[data-offrecord=no-answer]').isVisible()).toBe(false);
  });
});
