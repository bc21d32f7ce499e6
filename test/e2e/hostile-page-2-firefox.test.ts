/**
 * Issue 17 item 2 in Firefox (the MV2 build through puppeteer-core): Bob, private in Firefox,
 * gets query messages again and again in his page (sent by script through Alice's Chromium
 * page's own box). His engine restarts nothing and his page sends no OTR reply.
 *
 * Then (item 2, insert side) a hostile page in Bob's Firefox, whose composer is a contenteditable
 * (inserting there focuses it), makes queries appear while Bob types in the private box: the
 * answers wait until he stops, and none of his keys reaches the page (item 2); and the page's
 * attacks on the private box itself are seen (item 1, trusted path). Alice's SMP question opens
 * no frame in Bob's Firefox page by itself (item 1), and a page script's clicks on the lock do
 * nothing (item 1). Item 8: the page's lock shows no trust level, and frames the page makes at
 * OffRecord's addresses get nothing.
 *
 * Also in Firefox: the comparison step before "Mark as verified" (issue 17), the SMP question
 * kept out of the page (item 6) while Bob's verify frame shows it, Bob's security mark in his
 * genuine frames and in neither the page nor its copies (item 1), a copy of Bob's Converse page
 * on another loopback origin that cannot drive his conversation (item 5), a copy of his page that
 * names 300 accounts in turn without growing OffRecord's stores past their caps (item 7), a
 * ciphertext of Bob's second private conversation with Alice (a hostile chat page, relayed by the
 * test) shown in his Converse page, whose reader there gets no plaintext while the owning page's
 * reader still shows it (item 4), "Always"
 * on the hostile site (a row Bob added) holding on its origin while the same page on localhost is
 * manual (item 3), and a changed key's "Check it", which opens the popup page on Bob's tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { launchFirefoxWithExtension, type FirefoxWithExtension } from './helpers/browser';
import { converseChat } from './helpers/chat';
import { randomUUID } from 'node:crypto';
import {
  composeFrames, copyOfPage, showInConverse, copyOurFrames, firefoxRequest, genericSetup, HOSTILE_PAGE, markOf, openFirefoxExtensionPage, pageText, readSpy, setUpInFirefox, showing, startHostileSite, tamperScenario, tokensIn, TYPED,
  type HostileSite, type Mark,
} from './helpers/hostile-site';
import { closeVerify, extensionRequest, FIREFOX_BUILD, launchProfile, lockState, menu, typePrivate, verifyFrame, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';
import { extensionFrames, ffConverseChat, ffLockState, ffMenu, ffType } from './helpers/firefox-kept';
import { deliverToList, Relay } from './helpers/hostile-relay';
import type { Page as ChromiumPage } from 'playwright-core';
import { rotateAccounts, storedCounts, type StoredCounts } from './helpers/hostile-storage';
import { KEYLESS_ACCOUNT_CAP } from '../../src/background/key-store';
import { INSTANCE_TAG_CAP } from '../../src/background/key-records';
import { DEFAULT_MAX_CONVERSATIONS } from '../../src/background/conversation-life';
import { PLAINTEXT_CAP } from '../../src/background/plaintext-cache';
import type { SiteView } from '../../src/messaging/types';

const ALICE_BOX = 'converse-chat[jid="bob@localhost"] textarea.chat-textarea';
const BOB_LIST = 'converse-chat[jid="alice@localhost"] .chat-content__messages';
const ALICE_LIST = 'converse-chat[jid="bob@localhost"] .chat-content__messages';
/** An OTR data message as a page can make one up (it reaches the engine, which fails to read it). */
const FAKE_DATA = '?OTR:AAMDAAAAAQAAAAEAAAAAAAAAAAAAAAAAAAAAAA==.';

async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout: number, what: string): Promise<T> {
  let last: T | undefined;
  for (const t = Date.now(); Date.now() - t < timeout; await new Promise((r) => setTimeout(r, 200))) {
    last = await fn().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`Firefox: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Trust comes from the private box, not the page (issue 17). */
const ffState = ffLockState;

/** Bob opens Verify from his lock (trusted clicks) and gets his verify frame once it shows `ready`. */
async function openBobsVerify(bob: Page, ready: string) {
  await (await bob.waitForSelector('>>> [data-offrecord=lock]'))!.click();
  await (await bob.waitForSelector('>>> [role=menuitem][data-offrecord=verify]'))!.click();
  const found = async () => {
    const f = extensionFrames(bob, 'verify')[0];
    return f && (await f.$(ready)) ? f : undefined;
  };
  return (await poll(found, (f) => !!f, 20_000, "Bob's verify frame"))!;
}

async function closeBobsVerify(bob: Page, frame: Awaited<ReturnType<typeof openBobsVerify>>): Promise<void> {
  await frame.click('.dialog-head button');
  await poll(() => bob.$$('iframe[data-offrecord=verify]').then((l) => l.length), (n) => n === 0, 10_000, "Bob's verify frame to close");
}

const bobsOtrReplies = (page: Page) =>
  page.evaluate((list) => {
    const root = document.querySelector(list);
    return Array.from(root?.querySelectorAll('div.message.chat-msg') ?? [])
      .filter((m) => m.querySelector('.chat-msg__content--me'))
      .map((m) => m.querySelector('.chat-msg__text')?.getAttribute('text') ?? '')
      .filter((t) => t.startsWith('?OTR')).length;
  }, BOB_LIST);

describe.sequential('Firefox: page-supplied queries while private (item 2)', () => {
  let stack: XmppStack;
  let ff: FirefoxWithExtension;
  let bob: Page;
  let alice: Profile;
  let site: HostileSite;
  let bobMark: Mark;
  const uuid = randomUUID();

  beforeAll(async () => {
    [site, stack, ff, alice] = await Promise.all([
      startHostileSite(),
      startXmppStack(),
      launchFirefoxWithExtension(FIREFOX_BUILD, { uuid, systemAccess: true }),
      launchProfile('hostile2-ff-alice'),
    ]);
    bob = await ff.browser.newPage();
    await Promise.all([ffConverseChat(bob, stack.url, 'bob', 'alice'), waitIdentity(alice).then(() => converseChat(alice.page, stack.url, 'alice', 'bob'))]);
    bobMark = await firefoxRequest<Mark>(ff.browser, uuid, 'security.mark', {});
  });
  afterAll(async () => {
    await ff?.close();
    await alice?.close();
    await stack?.stop();
    await site?.stop();
  });

  it('ten queries make Bob re-key at most once, and the conversation stays private', async () => {
    await poll(() => ffState(bob), (s) => s === 'plaintext', 60_000, "Bob's lock");
    // First-time users: under the manual policy the lock is neutral, and the menu says "Verify".
    const look = await bob.$eval('>>> [data-offrecord=lock]', (e) => ({ policy: e.getAttribute('data-offrecord-policy'), label: e.textContent ?? '' }));
    expect(look).toEqual({ policy: 'manual', label: expect.stringContaining('Not started') });
    expect(await bob.$eval('>>> [role=menuitem][data-offrecord=verify]', (e) => e.textContent)).toBe('Verify…');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await poll(() => bob.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-asked')), (a) => a === 'true', 60_000, "Bob's lock to say Alice asks");
    await (await bob.waitForSelector('>>> [data-offrecord=lock]'))!.click();
    await (await bob.waitForSelector('>>> [role=menuitem][data-offrecord=start]'))!.click();
    await waitState(alice.page, 'unverified', 90_000);
    await poll(() => ffState(bob), (s) => s === 'unverified', 60_000, "Bob's lock to become unverified");
    // Item 8: unverified shows in the private box only; the page's lock says just "Private".
    const pageSees = await bob.$eval('>>> [data-offrecord=lock]', (e) => ({ state: e.getAttribute('data-offrecord-state'), label: e.textContent ?? '' }));
    expect(pageSees.state).toBe('private');
    expect(pageSees.label).not.toMatch(/verified/i);
    const before = await bobsOtrReplies(bob);
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
    await poll(() => bob.evaluate((l) => document.querySelector(l)?.textContent?.split('?OTRv').length ?? 0, BOB_LIST), (n) => n > 10, 20_000, 'the queries in Bob\'s page');
    await new Promise((r) => setTimeout(r, 3000));
    // One refresh (D-H Commit, Reveal Signature) at most; a flood gets no more.
    expect((await bobsOtrReplies(bob)) - before).toBeLessThanOrEqual(2);
    expect(await ffState(bob)).toBe('unverified');
    expect(await lockState(alice.page)).toBe('unverified');
    // Item 1: a page script's clicks on the lock, End and Start do nothing (not trusted events).
    const acted = await bob.evaluate(() => {
      const root = document.querySelector('[data-offrecord-host=lock]')?.shadowRoot;
      const lockButton = root?.querySelector<HTMLElement>('[data-offrecord=lock]');
      if (!root || !lockButton) return 'no lock';
      lockButton.click();
      lockButton.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
      for (const item of ['end', 'start']) {
        const b = root.querySelector<HTMLElement>(`[data-offrecord=${item}]`);
        b?.click();
        b?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      }
      return (root.querySelector('[role=menu]') as HTMLElement).hidden ? 'menu stayed closed' : 'menu opened';
    });
    expect(acted).toBe('menu stayed closed');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await ffState(bob)).toBe('unverified');
    expect(await lockState(alice.page)).toBe('unverified');
  });

  it('the comparison step: "Mark as verified" waits until Bob says the fingerprints were compared', async () => {
    const dialog = await openBobsVerify(bob, 'select');
    // Item 1: the genuine frame shows Bob's security mark.
    expect(await dialog.$eval('[data-offrecord=security-mark]', markOf)).toEqual(showing(bobMark));
    await dialog.select('select', 'manual');
    await dialog.waitForSelector('select[aria-label]');
    await dialog.select('select[aria-label]', 'yes');
    await dialog.waitForSelector('[data-offrecord=compared]');
    const saveDisabled = () => dialog.$eval('button[type=submit]', (b) => (b as HTMLButtonElement).disabled);
    expect(await saveDisabled()).toBe(true);
    await dialog.click('[data-offrecord=compared]');
    await poll(saveDisabled, (d) => !d, 5000, 'Save to be enabled');
    await dialog.click('button[type=submit]');
    await poll(() => ffState(bob), (s) => s === 'private', 15_000, "Bob's private box to say verified");
    await poll(() => bob.$$('iframe[data-offrecord=verify]').then((l) => l.length), (n) => n === 0, 10_000, "Bob's verify frame to close");
  });

  it('a question from the peer opens no verify frame in the page; the lock says so', async () => {
    await menu(alice.page, 'verify');
    const q = verifyFrame(alice.page);
    await q.locator('select').first().selectOption('question');
    await q.getByRole('textbox').nth(0).fill('Our phrase?');
    await q.getByRole('textbox').nth(1).fill('a shared secret');
    await q.locator('button[type=submit]').click();
    const notice = () => bob.$eval('>>> [data-offrecord=notice]', (e) => ((e as HTMLElement).hidden ? '' : (e.textContent ?? '')));
    await poll(notice, (t) => t.includes('wants to verify'), 30_000, "Bob's lock to say a question came");
    await new Promise((r) => setTimeout(r, 1500)); // a frame opening by itself would be there by now
    expect((await bob.$$('iframe[data-offrecord=verify]')).length).toBe(0);
    // Item 6: the question never reaches the page or its content script's lock; Bob's verify
    // frame, opened with his click, shows it (with his security mark).
    expect(await bob.evaluate(pageText)).not.toContain('Our phrase?');
    const answer = await openBobsVerify(bob, 'blockquote.question');
    expect(await answer.$eval('blockquote.question', (e) => e.textContent)).toBe('Our phrase?');
    expect(await answer.$eval('[data-offrecord=security-mark]', markOf)).toEqual(showing(bobMark));
    expect(await bob.evaluate(pageText)).not.toContain('Our phrase?');
    expect(await bob.evaluate(pageText)).not.toContain(bobMark.symbols);
    await closeBobsVerify(bob, answer);
    await closeVerify(alice.page);
  });

  it("a copy of Bob's chat page on another origin cannot drive his conversation (item 5)", async () => {
    site.serve('/converse-copy.html', await bob.evaluate(copyOfPage));
    const copy = await ff.browser.newPage();
    await copy.goto(`${site.url}converse-copy.html`);
    // The copy gets a lock of its own: a conversation of its own origin, not Bob's private one.
    await poll(() => ffState(copy), (s) => s === 'plaintext', 20_000, "the copy's lock");
    const sentBefore = await bobsOtrReplies(bob);
    await (await copy.waitForSelector('>>> [data-offrecord=lock]'))!.click();
    await (await copy.waitForSelector('>>> [role=menuitem][data-offrecord=start]'))!.click();
    // In Converse's own markup, so that OffRecord reads them as the copy's incoming messages.
    await copy.evaluate(showInConverse, { list: BOB_LIST, texts: ['?OTRv3?', FAKE_DATA], id: 'copy' });
    await new Promise((r) => setTimeout(r, 3000)); // time for anything the copy set off to reach Bob's tab
    // Bob's conversation keeps its state, his page sent nothing, and it still works both ways.
    expect(await ffState(bob)).toBe('private');
    expect(await lockState(alice.page)).toBe('unverified');
    expect(await bobsOtrReplies(bob)).toBe(sentBefore);
    expect(await ffState(copy)).not.toBe('private');
    await copy.close();
    const line = 'still between us';
    await typePrivate(alice.page, line);
    const readers = () =>
      Promise.all(extensionFrames(bob, 'reader').map((f) => f.$eval('[data-offrecord=plaintext]', (e) => e.textContent ?? '').catch(() => '')));
    await poll(readers, (t) => t.includes(line), 30_000, "Bob's reader of Alice's line");
  });

  it('frame addresses carry no token; frames the page makes at the same addresses get nothing (item 8)', async () => {
    const line = 'for the reader OffRecord placed';
    await typePrivate(alice.page, line);
    const readerTexts = async () =>
      Promise.all(
        bob.frames().filter((f) => f.url().includes('/reader.html')).map((f) => f.$eval('[data-offrecord=plaintext]', (e) => e.textContent ?? '').catch(() => '')),
      );
    await poll(readerTexts, (t) => t.includes(line), 30_000, "Bob's reader frame");
    const shown = (await readerTexts()).filter((t) => t !== '…').length;
    const addresses = await bob.evaluate(copyOurFrames);
    expect(tokensIn(addresses)).toEqual([]);
    const copies = await bob.$$eval('iframe[data-page-copy=reader]', (l) => l.length);
    expect(copies).toBeGreaterThan(0);
    // Every copy loads and says hello, and is never claimed: the texts shown stay as many.
    await poll(async () => (await readerTexts()).length, (n) => n >= shown + copies, 15_000, 'the copies to load');
    await new Promise((r) => setTimeout(r, 3000));
    const after = await readerTexts();
    expect(after.filter((t) => t !== '…').length).toBe(shown);
    expect(after.filter((t) => t === line).length).toBe(1);
    // Item 1: the copies never get Bob's security mark; his own reader shows it.
    for (const copy of await bob.$$('iframe[data-page-copy]')) {
      const f = (await copy.contentFrame())!;
      expect(await f.$eval('[data-offrecord=security-mark]', markOf)).toEqual({ symbols: '', colour: '', shown: false });
    }
    const own = extensionFrames(bob, 'reader');
    const marks = await Promise.all(own.map((f) => f.$eval('[data-offrecord=security-mark]', markOf).catch(() => null)));
    expect(marks).toContainEqual(showing(bobMark));
    expect(await bob.evaluate(pageText)).not.toContain(bobMark.symbols);
    await bob.evaluate(() => document.querySelectorAll('iframe[data-page-copy]').forEach((f) => f.remove()));
  });

  it('a page rotating its account name 300 times grows no store past its cap; the private conversation goes on (item 7)', async () => {
    // A copy of Bob's Converse page (no site script, so nothing re-renders what the attack sets).
    site.serve('/converse-rotate.html', await bob.evaluate(copyOfPage));
    const page = await ff.browser.newPage();
    await page.goto(`${site.url}converse-rotate.html`);
    await poll(() => ffState(page), (s) => s === 'plaintext', 20_000, "the copy's lock");
    const counts = async () => {
      const ext = await openFirefoxExtensionPage(ff.browser, uuid, 'popup.html');
      try {
        return await ext.evaluate(storedCounts);
      } finally {
        await ext.close();
      }
    };
    const before = await counts();
    await page.bringToFront();
    const registered = await page.evaluate(rotateAccounts, { count: 300, accountElement: 'converse-user-profile converse-avatar[name]', list: BOB_LIST, text: FAKE_DATA });
    expect(registered).toBe(300);
    await page.close();
    // Every account the page named reached the background (300 more conversations on disk,
    // under their own cap), and its account list stops at the cap.
    const after: StoredCounts = await poll(counts, (c) => c.conversations === before.conversations + 300 && c.keyless === KEYLESS_ACCOUNT_CAP, 30_000, 'the stored counts');
    expect(after.conversations).toBeLessThanOrEqual(DEFAULT_MAX_CONVERSATIONS);
    // Instance tags: the cap, the newest account's, and that of Bob's private conversation.
    expect(after.instanceTags).toBeGreaterThan(before.instanceTags);
    expect(after.instanceTags).toBeLessThanOrEqual(INSTANCE_TAG_CAP + 2);
    expect(after.session).toBeLessThanOrEqual(PLAINTEXT_CAP);
    // Bob's private conversation with Alice still sends and reads, both ways.
    await bob.bringToFront();
    expect(await ffState(bob)).toBe('private');
    const line = 'after three hundred names';
    await typePrivate(alice.page, line);
    const readers = () => Promise.all(extensionFrames(bob, 'reader').map((f) => f.$eval('[data-offrecord=plaintext]', (e) => e.textContent ?? '').catch(() => '')));
    await poll(readers, (t) => t.includes(line), 30_000, "Bob's reader of Alice's line");
    await ffType(bob, 'still here');
    await waitReader(alice.page, 'still here', ALICE_LIST);
  });

  it("a reader asked for in another of Bob's private conversations gets no plaintext; the owner's reader still shows it (item 4)", async () => {
    // A second private conversation between Alice and Bob: the hostile chat page (at a path of
    // its own, so a conversation of its own) in a tab of each, joined by the test as a chat
    // server would join them (the generic adapter, no site row yet).
    // A path of this attempt's own: a retry starts a new conversation, not the one the failed
    // attempt left private.
    const relayPage = `relay-${randomUUID().slice(0, 8)}.html`;
    site.serve(`/${relayPage}`, HOSTILE_PAGE);
    const origin = site.url.replace(/\/$/, '');
    await setUpInFirefox(ff.browser, uuid, origin, false);
    const setup = genericSetup(origin);
    const ext = await alice.browser.context.newPage();
    await ext.goto(`chrome-extension://${alice.browser.extensionId}/popup.html`);
    await ext.evaluate(([key, value]) => (globalThis as unknown as { chrome: { storage: { local: { set(v: object): Promise<void> } } } }).chrome.storage.local.set({ [key as string]: value }), [setup.key, setup.value] as const);
    await ext.close();
    const alicePage: ChromiumPage = await alice.browser.context.newPage();
    await alicePage.goto(`${site.url}${relayPage}`);
    const bobPage = await ff.browser.newPage();
    await bobPage.goto(`${site.url}${relayPage}`);
    const relay = new Relay([
      { sent: () => alicePage.evaluate(readSpy).then((s) => s.sent), deliver: (texts) => alicePage.evaluate(deliverToList, texts) },
      { sent: () => bobPage.evaluate(readSpy).then((s) => s.sent), deliver: (texts) => bobPage.evaluate(deliverToList, texts) },
    ]);
    try {
      await alicePage.bringToFront();
      await bobPage.bringToFront();
      await waitState(alicePage, 'plaintext');
      await poll(() => ffState(bobPage), (st) => st === 'plaintext', 20_000, "the lock on Bob's hostile page");
      // Texts shown in a list's first 1.5 s are history, which asks nothing (watcher.ts).
      await new Promise((r) => setTimeout(r, 1600));
      await menu(alicePage, 'start');
      await poll(() => bobPage.$eval('>>> [data-offrecord=lock]', (e) => e.getAttribute('data-offrecord-asked')), (a) => a === 'true', 60_000, 'Bob to be asked');
      await ffMenu(bobPage, 'start');
      // Private; verified or not (trust belongs to the key, which Bob verified above).
      await expect.poll(() => lockState(alicePage), { timeout: 60_000 }).toMatch(/^(unverified|private)$/);
      await poll(() => ffState(bobPage), (st) => st === 'unverified' || st === 'private', 60_000, "Bob's hostile page to be private");
      // Alice's next message on the hostile page is held back on its way to Bob.
      relay.holding = true;
      const line = 'for the hostile page tab alone';
      await typePrivate(alicePage, line);
      await poll(async () => relay.held.filter((t) => t.startsWith('?OTR:AAMD')).length, (n) => n === 1, 20_000, "Alice's data message");
      const ciphertext = relay.held.find((t) => t.startsWith('?OTR:AAMD'))!;
      // The attack: Bob's Converse page (private with Alice too, so it frames readers) shows that
      // ciphertext as a message of its own conversation, then it reaches Bob's hostile page.
      await bob.bringToFront();
      await bob.evaluate(showInConverse, { list: BOB_LIST, texts: [ciphertext], id: 'copied-from-another-conversation', watch: true });
      await relay.release();
      // The hostile page's own reader shows the text: its one delivery was not used up.
      await bobPage.bringToFront();
      const readersOf = (p: Page) => Promise.all(extensionFrames(p, 'reader').map((f) => f.$eval('[data-offrecord=plaintext]', (e) => e.textContent ?? '').catch(() => '')));
      await poll(() => readersOf(bobPage), (t) => t.includes(line), 30_000, "the hostile page's reader");
      await bob.bringToFront();
      await new Promise((r) => setTimeout(r, 3000)); // a reader given the text would show it by now
      expect(await bob.evaluate(() => (window as unknown as { readerPlaced?: boolean }).readerPlaced)).toBe(true);
      expect(await readersOf(bob)).not.toContain(line);
      expect(await bob.evaluate(pageText)).not.toContain(line);
    } finally {
      relay.stop();
      await alicePage.close();
      await bobPage.close();
    }
  });

  let siteReady = false;
  async function hostilePage(): Promise<Page> {
    if (!siteReady) await setUpInFirefox(ff.browser, uuid, site.url);
    siteReady = true;
    const page = await ff.browser.newPage();
    await page.goto(`${site.url}chat.html`);
    return page;
  }

  it('answers a page provokes wait while Bob types in the private box; no key reaches the page', async () => {
    const page = await hostilePage();
    const sentCount = () => page.evaluate(readSpy).then((s) => s.sent.length);
    const frame = await poll(async () => page.frames().find((f) => f.url().startsWith('moz-extension://') && f.url().includes('/compose.html')), (f) => !!f, 30_000, 'the compose frame');
    const input = (await frame!.waitForSelector('[data-offrecord=compose-input]:not([disabled])', { timeout: 15_000 }))!;
    let settled = -1;
    await poll(async () => {
      const n = await sentCount();
      const same = n === settled;
      settled = n;
      await new Promise((r) => setTimeout(r, 1000));
      return same;
    }, (same) => same, 20_000, 'the page to stop sending');
    await input.click();
    const before = await sentCount();
    await page.evaluate(() => (window as unknown as { fakeQueries(n: number, ms: number): void }).fakeQueries(5, 600));
    await input.type(TYPED, { delay: 40 });
    expect(await frame!.$eval('[data-offrecord=compose-input]', (e) => (e as HTMLTextAreaElement).value)).toBe(TYPED);
    // The attack did provoke answers: they go out once the typing stops.
    await poll(sentCount, (n) => n > before, 30_000, 'the answers to go out');
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
      lock: () => page.$eval('>>> [data-offrecord=lock]', (e) => ({ warning: e.getAttribute('data-offrecord-warning'), label: e.textContent ?? '' })),
    });
    await page.close();
  });

  it("'Always' on a site Bob added holds for its origin, whatever the adapter; the same page on another origin is manual (item 3)", async () => {
    await (await hostilePage()).close();
    const row = (await firefoxRequest<SiteView[]>(ff.browser, uuid, 'sites.list', {})).find((r) => r.name === 'Hostile chat');
    expect(row).toMatchObject({ builtIn: false, policy: 'always', id: expect.stringMatching(/^user-/) });
    // Fresh conversations (the generic adapter's peer is the page's path), on this origin and on
    // localhost, the same page and the same adapter ('generic', an id no site row has).
    const copyOrigin = site.url.replace('127.0.0.1', 'localhost').replace(/\/$/, '');
    await setUpInFirefox(ff.browser, uuid, copyOrigin, false);
    site.serve('/policy.html', HOSTILE_PAGE);
    const always = await ff.browser.newPage();
    await always.goto(`${site.url}policy.html`);
    const copy = await ff.browser.newPage();
    await copy.goto(`${copyOrigin}/policy.html`);
    const look = (p: Page) =>
      p.$eval('>>> [data-offrecord=lock]', (e) => ({ state: e.getAttribute('data-offrecord-state'), policy: e.getAttribute('data-offrecord-policy'), asked: e.getAttribute('data-offrecord-asked'), label: e.textContent ?? '' }));
    // "Always": the private box from the start, the red "Not private"; the copy: neutral, the site's box.
    const a = await poll(() => look(always), (l) => l.state === 'plaintext', 20_000, "the lock on Bob's site");
    expect(a).toMatchObject({ policy: 'always', label: expect.stringContaining('Not private') });
    await poll(() => always.evaluate(composeFrames), (f) => f.all === 1, 15_000, 'the private box');
    const c = await poll(() => look(copy), (l) => l.state === 'plaintext', 20_000, "the copy's lock");
    expect(c).toMatchObject({ policy: 'manual', label: expect.stringContaining('Not started') });
    expect((await copy.evaluate(composeFrames)).all).toBe(0);
    // A peer's query: under "Always" answered at once with a D-H Commit; on the copy held for
    // Bob's Start (the lock says the peer asks), nothing sent.
    // Texts shown in a list's first 1.5 s are history, which never gets an answer (watcher.ts).
    await new Promise((r) => setTimeout(r, 1600));
    // (Each page in front when its query comes, as the user has it: inserting needs the focus.)
    for (const p of [copy, always]) {
      await p.bringToFront();
      await p.evaluate(() => (window as unknown as { fakeQueries(n: number, ms: number): void }).fakeQueries(1, 10));
    }
    await poll(() => always.evaluate(readSpy).then((s) => s.sent.filter((t) => t.startsWith('?OTR:AAMC')).length), (n) => n === 1, 20_000, 'the D-H Commit');
    await poll(() => look(copy), (l) => l.asked === 'true', 20_000, "the copy's lock to say the peer asks");
    await new Promise((r) => setTimeout(r, 1000)); // an answer the copy would send would be out by now
    expect((await copy.evaluate(readSpy)).sent).toEqual([]);
    await always.close();
    await copy.close();
  });

  it('a changed key shows "Check it" on Bob\'s lock, which opens the popup page on his tab', async () => {
    // Alice's new identity key, used at her next key exchange.
    await extensionRequest(alice, 'options', 'keys.replaceIdentity', {});
    await menu(alice.page, 'start');
    // The lock's notice (its text says what showed instead, should the wait fail).
    const checkIt = () =>
      bob.$eval('>>> [data-offrecord=notice]', (n) => ({ text: n.textContent ?? '', button: !!n.querySelector('[data-offrecord=check-key]'), hidden: (n as HTMLElement).hidden })).catch(() => null);
    await poll(checkIt, (n) => !!n?.button && !n.hidden, 60_000, "Bob's lock to warn of the changed key");
    const before = new Set(await ff.browser.pages());
    await (await bob.waitForSelector('>>> [data-offrecord=check-key]'))!.click();
    const isPopup = async (p: Page) => p.url().includes('/popup.html?tab=') || (await p.evaluate(() => location.href).catch(() => '')).includes('/popup.html?tab=');
    const popup = await poll(
      async () => {
        for (const p of await ff.browser.pages()) if (!before.has(p) && (await isPopup(p))) return p;
        return undefined;
      },
      (p) => !!p,
      40_000,
      'the popup page',
    );
    const alert = await popup!.waitForSelector('li.card[data-conversation] [role=alert]', { timeout: 15_000 });
    expect(await alert!.evaluate((e) => e.textContent)).toContain('The key of');
    await popup!.close();
  });
});
