/**
 * Issue 11 in Chromium, the ways a kept conversation ends without the user: alice (The Lounge in
 * private mode) is private with bob and with carol (both irssi-otr). One sealed record is
 * damaged on disk: after a restart only that conversation ends, with a notice on its page and an
 * entry in the popup, and the other keeps working both ways. Then the worker's clock moves two
 * days on and the idle setting drops to one day: the other conversation ends by itself (lock
 * Finished, a later message shows "expired", nothing sealed left on disk).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcStack, startIrssi, type IrcStack, type IrssiPeer } from '../stacks/index';
import { loungeQuery, loungeSignIn, loungeSwitchTo } from './helpers/chat';
import { diskRecords, keptProfile, shiftWorkerClock, type KeptProfile } from './helpers/persistent';
import { lock, menu, openPopup, popupRequest, typePrivate, visibleNotices, waitIdentity, waitReader, waitState } from './overlay-kit';

const LIST = '#chat .chat-view .messages';
const DAY = 24 * 60 * 60 * 1000;

describe.sequential('Kept conversations that end by themselves (Chromium): a corrupted record, expiry', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let carol: IrssiPeer;
  let alice: KeptProfile;
  let bobKey = '';
  let carolKey = '';

  /** The query with `nick`: from the sidebar once The Lounge keeps it, else opened. */
  async function showQuery(page: Page, nick: string): Promise<void> {
    if (await page.locator(`#sidebar .channel-list-item[data-name="${nick}"]`).count()) await loungeSwitchTo(page, nick);
    else await loungeQuery(page, nick);
  }

  async function privateWith(page: Page, peer: IrssiPeer, nick: string): Promise<string> {
    const before = new Set((await diskRecords(alice.current!)).map((r) => r.key));
    await loungeQuery(page, nick);
    await menu(page, 'start');
    await waitState(page, 'unverified', 60_000);
    await peer.waitAll(/Session secured/, 30_000);
    const fresh = (await diskRecords(alice.current!)).filter((r) => !before.has(r.key));
    expect(fresh).toHaveLength(1);
    return fresh[0]!.key;
  }

  beforeAll(async () => {
    alice = keptProfile('faults-alice');
    const [irc, first] = await Promise.all([startIrcStack({ accounts: ['alice'] }), alice.open()]);
    stack = irc;
    [bob, carol] = await Promise.all([
      startIrssi({ ircPort: stack.ircPort, nick: 'bob' }),
      startIrssi({ ircPort: stack.ircPort, nick: 'carol' }),
      waitIdentity(first),
    ]);
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.stop();
    await carol?.stop();
    await stack?.stop();
  });

  it('alice is private with bob and with carol', async () => {
    const page = alice.current!.page;
    await loungeSignIn(page, stack.url, 'alice', stack.password!);
    bobKey = await privateWith(page, bob, 'bob');
    carolKey = await privateWith(page, carol, 'carol');
  });

  it('a damaged record ends only its conversation, with a notice and a popup entry; the other works both ways', async () => {
    const damaged = await diskRecords(alice.current!, bobKey);
    expect(damaged.find((r) => r.key === bobKey)?.sealed).toBe(true);
    await alice.close();

    const p = await alice.open();
    await loungeSignIn(p.page, stack.url, 'alice', stack.password!);
    await showQuery(p.page, 'bob');
    await waitState(p.page, 'finished');
    await expect.poll(() => lock(p.page).getAttribute('data-offrecord-ended')).toBe('corrupt');
    await expect.poll(async () => (await visibleNotices(p.page)).join(' '), { timeout: 15_000, interval: 100 }).toMatch(/could not be read/);
    const problems = await popupRequest<{ code: string }[]>(p, 'conversations.problems', {});
    expect(problems.map((x) => x.code)).toEqual(['corrupt']);
    const popup = await openPopup(p, p.page);
    await expect.poll(() => popup.locator('[data-problems]').textContent(), { timeout: 10_000 }).toMatch(/could not be read/);
    await popup.close();

    await showQuery(p.page, 'carol');
    await waitState(p.page, 'unverified', 20_000);
    await typePrivate(p.page, 'carol, still private after the restart');
    await expect.poll(() => carol.messagesFrom('alice'), { timeout: 20_000 }).toContain('carol, still private after the restart');
    carol.say('alice', 'and back to you, alice');
    await waitReader(p.page, 'and back to you, alice', LIST);
    expect(carol.all().match(/Session secured/g)?.length).toBe(1);
  });

  it('two days idle with the setting at one day: the conversation ends by itself, keys gone from disk', async () => {
    const p = alice.current!;
    expect((await diskRecords(p)).find((r) => r.key === carolKey)?.sealed).toBe(true);
    await shiftWorkerClock(p, 2 * DAY);
    await popupRequest(p, 'settings.set', { idleDays: 1 });
    await waitState(p.page, 'finished');
    await expect.poll(() => lock(p.page).getAttribute('data-offrecord-ended')).toBe('expired');
    expect((await diskRecords(p)).find((r) => r.key === carolKey)).toMatchObject({ sealed: false, ended: 'expired' });

    carol.say('alice', 'are you still there?');
    await expect
      .poll(() => p.page.locator('[data-offrecord=status]', { hasText: 'Expired: this private conversation ended' }).count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
  });
});
