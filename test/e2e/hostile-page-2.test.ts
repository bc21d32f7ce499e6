/**
 * Issue 17, attacks by page-supplied text (Chromium, Converse.js over Prosody). Bob's page is
 * private with Alice; then query messages arrive in Bob's page again and again, as a hostile
 * site or peer could make them appear. Before issue 17 each one made Bob's engine answer with a
 * D-H Commit, restarting the AKE and making the content script take his composer's focus to
 * insert it. Now Bob stays private and his page sends no OTR reply at all.
 *
 * Then (item 2, insert side) a hostile page of Bob's own, whose composer is a contenteditable
 * (inserting there focuses it), makes queries appear while Bob types in the private box: the
 * answers wait until he stops, and none of his keys reaches the page (item 2); and the page's
 * attacks on the private box itself are seen (item 1, trusted path). Alice's SMP question opens
 * no frame in Bob's page by itself (item 1).
 *
 * Item 5: a look-alike page on another loopback origin, a copy of Bob's Converse page, runs in a
 * tab of his; whatever it starts or shows, Bob's real conversation is untouched. Item 7: a copy
 * of Bob's page names 300 accounts in turn; OffRecord's account list and instance tags stop at
 * their caps, and his private conversation goes on. Item 3: "Always" on the hostile site (a row
 * Bob added, a `user-…` id) holds on its origin, and the same page on localhost is manual. Last,
 * a changed key's "Check it" opens the popup on Bob's tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { converseChat } from './helpers/chat';
import type { Page } from 'playwright-core';
import {
  acceptPrivate, closeVerify, composeInput, extensionRequest, lock, lockNotice, lockState, menu, popupRequest, readyProfiles, typePrivate, verifyFrame, waitReader, waitState, type Profile,
} from './overlay-kit';
import { composeFrames, copyOfPage, showInConverse, genericSetup, HOSTILE_PAGE, readSpy, startHostileSite, tamperScenario, TYPED, type HostileSite } from './helpers/hostile-site';
import { rotateAccounts, storedCounts, type StoredCounts } from './helpers/hostile-storage';
import { KEYLESS_ACCOUNT_CAP } from '../../src/background/key-store';
import { DEFAULT_MAX_CONVERSATIONS } from '../../src/background/conversation-life';
import { PLAINTEXT_CAP } from '../../src/background/plaintext-cache';
import { INSTANCE_TAG_CAP } from '../../src/background/key-records';
import type { SiteView } from '../../src/messaging/types';

const ALICE_BOX = 'converse-chat[jid="bob@localhost"] textarea.chat-textarea';
const BOB_LIST = 'converse-chat[jid="alice@localhost"] .chat-content__messages';
const ALICE_LIST = 'converse-chat[jid="bob@localhost"] .chat-content__messages';
/** An OTR data message as a page can make one up (it reaches the engine, which fails to read it). */
const FAKE_DATA = '?OTR:AAMDAAAAAQAAAAEAAAAAAAAAAAAAAAAAAAAAAA==.';

/** Raw bodies of the messages Bob's own page sent (Converse keeps them in the `text` attribute). */
function bobsOwnBodies(list: string): string[] {
  const root = document.querySelector(list);
  return Array.from(root?.querySelectorAll('div.message.chat-msg') ?? [])
    .filter((m) => m.querySelector('.chat-msg__content--me'))
    .map((m) => m.querySelector('.chat-msg__text')?.getAttribute('text') ?? '');
}

/** Runs `fn` in a page of the profile's extension (its origin: the background's database and storage). */
async function inExtension<T, A = undefined>(p: Profile, fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  const page = await p.browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/popup.html`);
    return (await page.evaluate(fn as (arg: unknown) => Promise<T>, arg)) as T;
  } finally {
    await page.close();
  }
}

describe.sequential('page-supplied queries while private (item 2)', () => {
  let stack: XmppStack;
  let alice: Profile;
  let bob: Profile;
  let site: HostileSite;

  beforeAll(async () => {
    [site, stack, [alice, bob]] = await Promise.all([startHostileSite(), startXmppStack(), readyProfiles('hostile2-alice', 'hostile2-bob')]);
    await Promise.all([converseChat(alice.page, stack.url, 'alice', 'bob'), converseChat(bob.page, stack.url, 'bob', 'alice')]);
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
    await site?.stop();
  });

  it('ten queries shown in the page make Bob re-key at most once, and the conversation stays private', async () => {
    // First-time users: under the manual policy the lock is neutral, and the menu says "Verify".
    await waitState(bob.page, 'plaintext');
    expect(await lock(bob.page).getAttribute('data-offrecord-policy')).toBe('manual');
    expect(await lock(bob.page).textContent()).toContain('Not started');
    expect(await alice.page.locator('[role=menuitem][data-offrecord=verify]').textContent()).toBe('Verify…');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    const before = (await bob.page.evaluate(bobsOwnBodies, BOB_LIST)).filter((t) => t.startsWith('?OTR')).length;
    // The attack: the query arrives as ordinary chat text, typed by script into the site's own box.
    for (let i = 0; i < 10; i++) {
      await alice.page.evaluate(
        ([box, text]) => {
          const area = document.querySelector<HTMLTextAreaElement>(box!)!;
          area.value = text!;
          area.dispatchEvent(new Event('input', { bubbles: true }));
          area.form?.requestSubmit();
        },
        [ALICE_BOX, i % 2 ? '?OTRv3?' : '?OTRv23?'],
      );
    }
    await expect.poll(() => bob.page.evaluate((l) => document.querySelector(l)?.textContent?.split('?OTRv').length ?? 0, BOB_LIST), { timeout: 20_000 }).toBeGreaterThan(10);
    await new Promise((r) => setTimeout(r, 3000)); // time for any reply Bob's page would send
    const after = (await bob.page.evaluate(bobsOwnBodies, BOB_LIST)).filter((t) => t.startsWith('?OTR')).length;
    // One refresh (D-H Commit, Reveal Signature) at most; without the guard Bob answered 14 times.
    expect(after - before).toBeLessThanOrEqual(2);
    expect(await lockState(bob.page)).toBe('unverified');
    expect(await lockState(alice.page)).toBe('unverified');
  });

  it('a question from the peer opens no verify frame in the page; the lock says so', async () => {
    await menu(alice.page, 'verify');
    const q = verifyFrame(alice.page);
    await q.locator('select').first().selectOption('question');
    await q.getByRole('textbox').nth(0).fill('Our phrase?');
    await q.getByRole('textbox').nth(1).fill('a shared secret');
    await q.locator('button[type=submit]').click();
    await expect.poll(() => lockNotice(bob.page), { timeout: 30_000 }).toContain('wants to verify');
    await bob.page.waitForTimeout(1500); // a frame opening by itself would be there by now
    expect(await bob.page.locator('iframe[data-offrecord=verify]').count()).toBe(0);
    await closeVerify(alice.page);
  });

  it("a copy of Bob's chat page on another origin cannot drive his conversation (item 5)", async () => {
    site.serve('/converse-copy.html', await bob.page.evaluate(copyOfPage));
    const copy = await bob.browser.context.newPage();
    await copy.goto(`${site.url}converse-copy.html`);
    // The copy gets a lock of its own: a conversation of its own origin, not Bob's private one.
    await expect.poll(() => lockState(copy), { timeout: 20_000 }).toBe('plaintext');
    const sentBefore = (await bob.page.evaluate(bobsOwnBodies, BOB_LIST)).length;
    // What the copy can do: start (its own conversation), and show OTR texts as if they came in.
    await menu(copy, 'start');
    // In Converse's own markup, so that OffRecord reads them as the copy's incoming messages.
    await copy.evaluate(showInConverse, { list: BOB_LIST, texts: ['?OTRv3?', FAKE_DATA], id: 'copy' });
    await copy.waitForTimeout(3000); // time for anything the copy set off to reach Bob's tab
    // Bob's conversation stays private, his page sent nothing, and it still works both ways.
    expect(await lockState(bob.page)).toBe('unverified');
    expect(await lockState(alice.page)).toBe('unverified');
    expect((await bob.page.evaluate(bobsOwnBodies, BOB_LIST)).length).toBe(sentBefore);
    expect(await lockState(copy)).not.toBe('unverified');
    await typePrivate(alice.page, 'still between us');
    await waitReader(bob.page, 'still between us', BOB_LIST);
    await copy.close();
  });

  it('a page rotating its account name 300 times grows no store past its cap; the private conversation goes on (item 7)', async () => {
    // A copy of Bob's Converse page (no site script, so nothing re-renders what the attack sets).
    site.serve('/converse-rotate.html', await bob.page.evaluate(copyOfPage));
    const page = await bob.browser.context.newPage();
    await page.goto(`${site.url}converse-rotate.html`);
    await expect.poll(() => lockState(page), { timeout: 20_000 }).toBe('plaintext');
    const counts = () => inExtension<StoredCounts>(bob, storedCounts);
    const before = await counts();
    const registered = await page.evaluate(rotateAccounts, { count: 300, accountElement: 'converse-user-profile converse-avatar[name]', list: BOB_LIST, text: FAKE_DATA });
    expect(registered).toBe(300);
    await page.close();
    // Every account the page named reached the background (300 more conversations on disk,
    // under their own cap), and its account list stops at the cap.
    await expect.poll(counts, { timeout: 30_000 }).toMatchObject({ conversations: before.conversations + 300, keyless: KEYLESS_ACCOUNT_CAP });
    const after = await counts();
    expect(after.conversations).toBeLessThanOrEqual(DEFAULT_MAX_CONVERSATIONS);
    // Instance tags (each account that got an OTR text has one): the cap, the newest account's,
    // and that of Bob's private conversation, never dropped.
    expect(after.instanceTags).toBeGreaterThan(before.instanceTags);
    expect(after.instanceTags).toBeLessThanOrEqual(INSTANCE_TAG_CAP + 2);
    expect(after.session).toBeLessThanOrEqual(PLAINTEXT_CAP);
    // Bob's private conversation with Alice still sends and reads, both ways.
    expect(await lockState(bob.page)).toBe('unverified');
    await typePrivate(alice.page, 'after three hundred names');
    await waitReader(bob.page, 'after three hundred names', BOB_LIST);
    await typePrivate(bob.page, 'still here');
    await waitReader(alice.page, 'still here', ALICE_LIST);
  });

  /** The generic adapter's set-up for `origin` in Bob's browser, as the element picker stores it. */
  async function storeGenericSetup(origin: string): Promise<void> {
    const setup = genericSetup(origin);
    await inExtension(bob, ([key, value]) => (globalThis as unknown as { chrome: { storage: { local: { set(v: object): Promise<void> } } } }).chrome.storage.local.set({ [key as string]: value }), [setup.key, setup.value] as const);
  }

  /** Bob's hostile site: its row with the policy "always", and the generic adapter's set-up. */
  let siteReady = false;
  async function hostilePage(): Promise<Page> {
    const origin = site.url.replace(/\/$/, '');
    if (!siteReady) {
      await popupRequest(bob, 'sites.add', { name: 'Hostile chat', origins: [origin], policy: 'always' });
      await storeGenericSetup(origin);
      siteReady = true;
    }
    const page = await bob.browser.context.newPage();
    await page.goto(`${site.url}chat.html`);
    return page;
  }

  it('answers a page provokes wait while Bob types in the private box; no key reaches the page', async () => {
    const page = await hostilePage();
    // Under "always" the private box is laid over the composer from the start.
    const input = composeInput(page);
    await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
    let settled = -1;
    await expect.poll(async () => {
      const n = (await page.evaluate(readSpy)).sent.length;
      const same = n === settled;
      settled = n;
      return same;
    }, { timeout: 20_000, interval: 1500 }).toBe(true);
    // Under "always" nothing private yet is the red "Not private", not the neutral lock.
    expect(await lock(page).textContent()).toContain('Not private');
    await input.click();
    const before = (await page.evaluate(readSpy)).sent.length;
    await page.evaluate(() => (window as unknown as { fakeQueries(n: number, ms: number): void }).fakeQueries(5, 600));
    await input.pressSequentially(TYPED, { delay: 40 });
    expect(await input.inputValue()).toBe(TYPED);
    // The attack did provoke answers: they go out once the typing stops.
    await expect.poll(() => page.evaluate(readSpy).then((s) => s.sent.length), { timeout: 30_000 }).toBeGreaterThan(before);
    const spy = await page.evaluate(readSpy);
    expect(spy.keys).toEqual([]);
    expect(spy.composer.filter((t) => t.includes('zebra') || t.includes('quiz'))).toEqual([]);
    expect(spy.sent.filter((t) => t.includes('zebra'))).toEqual([]);
    await page.close();
  });

  it('a private box the page covers, removes, hides or makes transparent is replaced, and the lock warns', async () => {
    const page = await hostilePage();
    await tamperScenario({
      tamper: (how) => page.evaluate((h) => (window as unknown as { tamper(h: string): void }).tamper(h), how),
      frames: () => page.evaluate(composeFrames),
      lock: async () => ({ warning: await lock(page).getAttribute('data-offrecord-warning', { timeout: 2000 }), label: (await lock(page).textContent({ timeout: 2000 })) ?? '' }),
    });
    await page.close();
  });

  it("'Always' on a site Bob added holds for its origin, whatever the adapter; the same page on another origin is manual (item 3)", async () => {
    await hostilePage();
    const row = (await popupRequest<SiteView[]>(bob, 'sites.list', {})).find((r) => r.name === 'Hostile chat');
    expect(row).toMatchObject({ builtIn: false, policy: 'always', id: expect.stringMatching(/^user-/) });
    // Fresh conversations (the generic adapter's peer is the page's path), on this origin and on
    // localhost, the same page and the same adapter ('generic', an id no site row has).
    const copyOrigin = site.url.replace('127.0.0.1', 'localhost').replace(/\/$/, '');
    await storeGenericSetup(copyOrigin);
    site.serve('/policy.html', HOSTILE_PAGE);
    const [always, copy] = [await bob.browser.context.newPage(), await bob.browser.context.newPage()];
    await always.goto(`${site.url}policy.html`);
    await copy.goto(`${copyOrigin}/policy.html`);
    await expect.poll(() => lock(always).getAttribute('data-offrecord-state', { timeout: 2000 }).catch(() => null), { timeout: 20_000 }).toBe('plaintext');
    await expect.poll(() => lock(copy).getAttribute('data-offrecord-state', { timeout: 2000 }).catch(() => null), { timeout: 20_000 }).toBe('plaintext');
    // "Always": the private box from the start, the red "Not private"; the copy: neutral, the site's box.
    expect(await lock(always).getAttribute('data-offrecord-policy')).toBe('always');
    expect(await lock(always).textContent()).toContain('Not private');
    await expect.poll(() => always.evaluate(composeFrames).then((f) => f.all), { timeout: 15_000 }).toBe(1);
    expect(await lock(copy).getAttribute('data-offrecord-policy')).toBe('manual');
    expect(await lock(copy).textContent()).toContain('Not started');
    expect((await copy.evaluate(composeFrames)).all).toBe(0);
    // A peer's query: under "Always" answered at once with a D-H Commit; on the copy held for
    // Bob's Start (the lock says the peer asks), nothing sent.
    // Texts shown in a list's first 1.5 s are history, which never gets an answer (watcher.ts).
    await always.waitForTimeout(1600);
    // (Each page in front when its query comes, as the user has it: inserting needs the focus.)
    for (const p of [copy, always]) {
      await p.bringToFront();
      await p.evaluate(() => (window as unknown as { fakeQueries(n: number, ms: number): void }).fakeQueries(1, 10));
    }
    await expect.poll(() => always.evaluate(readSpy).then((s) => s.sent.filter((t) => t.startsWith('?OTR:AAMC')).length), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => lock(copy).getAttribute('data-offrecord-asked', { timeout: 2000 }).catch(() => null), { timeout: 20_000 }).toBe('true');
    await copy.waitForTimeout(1000); // an answer the copy would send would be out by now
    expect((await copy.evaluate(readSpy)).sent).toEqual([]);
    await always.close();
    await copy.close();
  });

  it('a changed key shows "Check it" on Bob\'s lock, which opens the popup on his tab', async () => {
    await extensionRequest(alice, 'options', 'keys.replaceIdentity', {});
    await menu(alice.page, 'start');
    const checkIt = bob.page.locator('[data-offrecord=notice] [data-offrecord=check-key]');
    await checkIt.waitFor({ state: 'visible', timeout: 60_000 });
    const pagesBefore = new Set(bob.browser.context.pages());
    await checkIt.click();
    // Chromium opens the toolbar popup itself (action.openPopup); where it may not, the popup page
    // opens in a tab about Bob's (open-popup.ts). Either way an OffRecord popup is open.
    const worker = bob.browser.context.serviceWorkers().at(-1) ?? bob.browser.serviceWorker;
    const popups = () =>
      worker.evaluate(async () => {
        const api = (globalThis as unknown as { chrome: { runtime: { getContexts(f: object): Promise<{ documentUrl?: string }[]> } } }).chrome;
        return (await api.runtime.getContexts({ contextTypes: ['POPUP', 'TAB'] })).map((c) => c.documentUrl ?? '').filter((u) => u.includes('/popup.html'));
      });
    await expect.poll(popups, { timeout: 15_000 }).toHaveLength(1);
    const tab = bob.browser.context.pages().find((p) => !pagesBefore.has(p) && p.url().includes('/popup.html'));
    if (tab) {
      const alert = tab.locator('li.card[data-conversation] [role=alert]');
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.textContent()).toContain('The key of');
      await tab.close();
    }
  });
});
