/**
 * A hostile page (DESIGN.md §1: site JS is the adversary). A script in the page's own world,
 * installed before the chat loads, records everything a page can see: the DOM's text (also inside
 * open shadow roots and form fields) on every mutation, the selection, keyboard and input events,
 * postMessage traffic, and whatever it can reach inside OffRecord's frames. During a private
 * conversation, with typing, reading and an SMP secret, none of the plaintext reaches it.
 *
 * Bob's page has the same spy: Alice's SMP question reaches his verify frame but never his page
 * or its content script's lock (item 6). Each profile's security mark shows in every genuine
 * frame, and in neither the page nor the frames the page makes at the same addresses (item 1).
 *
 * Item 4: Alice and Bob also talk privately over a hostile chat page (a tab each, joined by the
 * test); Bob's Converse page shows a ciphertext of that conversation as its own message, which
 * gets a reader there, but no plaintext; the hostile page's own reader still shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { converseChat } from './helpers/chat';
import {
  acceptPrivate, closeVerify, exchange, lockState, menu, popupRequest, readerTexts, readyProfiles, shot, smpQuestion, smpResult, typePrivate, verifyFrame, waitReader, waitState, type Profile,
} from './overlay-kit';
import { copyOurFrames, genericSetup, markOf, readSpy, showInConverse, showing, startHostileSite, tokensIn, type HostileSite, type Mark } from './helpers/hostile-site';
import { deliverToList, Relay } from './helpers/hostile-relay';
import type { Page } from 'playwright-core';

const LIST = 'converse-chat .chat-content__messages';

/** Runs in the page's main world on every document of the profile's pages. */
function spy(): void {
  type Spy = { seen: Set<string>; keys: string[]; frameReads: string[]; add(s: string | null | undefined): void };
  const w = window as unknown as { __spy: Spy };
  const seen = new Set<string>();
  const s: Spy = {
    seen,
    keys: [],
    frameReads: [],
    add(text) {
      if (text && text.trim()) seen.add(text);
    },
  };
  w.__spy = s;
  const collect = (root: Document | ShadowRoot | Element): void => {
    s.add((root as Element).textContent ?? '');
    for (const el of Array.from(root.querySelectorAll('*'))) {
      if (el.shadowRoot) collect(el.shadowRoot);
      if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) s.add(el.value);
      if (el instanceof HTMLIFrameElement) {
        try {
          s.add(el.contentDocument?.documentElement?.textContent);
          // A frame still loading shows its initial about:blank, which the parent may read.
          const d = el.contentDocument;
          s.frameReads.push(d ? `readable ${d.URL}` : 'null');
        } catch (e) {
          s.frameReads.push(`blocked: ${(e as Error).name}`);
        }
      }
    }
  };
  const snapshot = () => collect(document);
  new MutationObserver(snapshot).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  setInterval(snapshot, 100);
  for (const type of ['keydown', 'keypress', 'keyup', 'beforeinput', 'input', 'compositionend', 'paste', 'copy']) {
    window.addEventListener(
      type,
      (e) => {
        const k = e as KeyboardEvent & InputEvent;
        s.keys.push(`${type}:${k.key ?? ''}:${k.data ?? ''}`);
        const dt = (e as ClipboardEvent).clipboardData;
        if (dt) s.add(dt.getData('text/plain'));
      },
      true,
    );
  }
  document.addEventListener('selectionchange', () => s.add(document.getSelection()?.toString()));
  window.addEventListener('message', (e) => s.add(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)), true);
}

/**
 * Runs in the page's main world: everything the page can read of the lock (its open shadow root:
 * each element's attributes and text), but its inline position and the menu's open state.
 */
function lockSnapshot(): string {
  const root = document.querySelector('[data-offrecord-host=lock]')?.shadowRoot;
  if (!root) return 'no lock';
  return Array.from(root.querySelectorAll('*'))
    .filter((el) => el.tagName !== 'STYLE')
    .map((el) => {
      const attrs = Array.from(el.attributes).filter((a) => !['style', 'class', 'aria-expanded'].includes(a.name));
      const text = Array.from(el.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('');
      return `${el.tagName} ${attrs.map((a) => `${a.name}=${a.value}`).join(' ')} ${text}`;
    })
    .join('\n');
}

describe.sequential('a hostile page sees no plaintext', () => {
  let stack: XmppStack;
  let alice: Profile;
  let bob: Profile;
  const sent: string[] = [];
  const SECRET = 'correct horse battery staple';
  const QUESTION = 'Our phrase?';
  let aliceMark: Mark;
  let bobMark: Mark;
  let site: HostileSite | undefined;

  beforeAll(async () => {
    [stack, [alice, bob]] = await Promise.all([startXmppStack(), readyProfiles('hostile-alice', 'hostile-bob')]);
    await alice.page.addInitScript(spy);
    await bob.page.addInitScript(spy);
    await Promise.all([converseChat(alice.page, stack.url, 'alice', 'bob'), converseChat(bob.page, stack.url, 'bob', 'alice')]);
    [aliceMark, bobMark] = await Promise.all([popupRequest<Mark>(alice, 'security.mark', {}), popupRequest<Mark>(bob, 'security.mark', {})]);
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
    await site?.stop();
  });

  it('records what the page can see during a private conversation', async () => {
    // The spy works: text typed in the site's own box (before going private) is caught.
    await alice.page.fill('converse-chat[jid="bob@localhost"] textarea.chat-textarea', 'visible to the page');
    await expect.poll(() => alice.page.evaluate(() => [...(window as unknown as { __spy: { seen: Set<string> } }).__spy.seen].some((t) => t.includes('visible to the page')))).toBe(true);
    await alice.page.fill('converse-chat[jid="bob@localhost"] textarea.chat-textarea', '');

    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    await exchange(alice.page, bob.page, LIST, 'hostile', 6, sent);
    // Select everything in the page, including the reader frames' boxes.
    await alice.page.mouse.click(10, 10);
    await alice.page.keyboard.press('Control+A');
    await alice.page.keyboard.press('Escape');
    const unverifiedLock = await alice.page.evaluate(lockSnapshot);
    expect(unverifiedLock).toContain('data-offrecord-state=private');
    // The secret is typed into Alice's verify frame (she asks) and Bob's (he answers).
    await smpQuestion(alice.page, bob.page, QUESTION, SECRET, SECRET);
    expect(await smpResult(alice.page)).toBe('succeeded');
    // Item 1: both verify frames show their user's own security mark.
    expect(await verifyFrame(alice.page).locator('[data-offrecord=security-mark]').evaluate(markOf)).toEqual(showing(aliceMark));
    expect(await verifyFrame(bob.page).locator('[data-offrecord=security-mark]').evaluate(markOf)).toEqual(showing(bobMark));
    await closeVerify(alice.page);
    await closeVerify(bob.page);
    // Item 8: Alice has verified Bob (her private box says so), and her page cannot tell: the
    // lock reads exactly as it did while unverified.
    await waitState(alice.page, 'private');
    await expect.poll(() => alice.page.evaluate(lockSnapshot)).toBe(unverifiedLock);
    await shot(alice.page, 'hostile-page-alice');
  });

  it('frame addresses carry no token; frames the page makes at the same addresses get nothing (item 8)', async () => {
    const addresses = await alice.page.evaluate(copyOurFrames);
    expect(addresses.length).toBeGreaterThan(1); // the compose frame and the readers
    expect(tokensIn(addresses)).toEqual([]);
    const copies = alice.page.locator('iframe[data-page-copy=reader]');
    const count = await copies.count();
    expect(count).toBeGreaterThan(0);
    // Every copy loads OffRecord's page, says hello, and is never claimed: no text arrives.
    await alice.page.waitForTimeout(3000);
    for (let i = 0; i < count; i++) {
      const text = await alice.page.frameLocator('iframe[data-page-copy=reader]').nth(i).locator('[data-offrecord=plaintext]').textContent();
      expect(text).toBe('…');
    }
    const compose = alice.page.frameLocator('iframe[data-page-copy=compose]').locator('[data-offrecord=compose-input]');
    expect(await compose.isDisabled()).toBe(true);
    // Item 1: the copies load the same pages but never get the security mark; OffRecord's own
    // compose frame and readers show it.
    for (const role of ['compose', 'reader']) {
      const copy = alice.page.frameLocator(`iframe[data-page-copy=${role}]`).first().locator('[data-offrecord=security-mark]');
      expect(await copy.evaluate(markOf)).toEqual({ symbols: '', colour: '', shown: false });
      const own = alice.page.frameLocator(`iframe[data-offrecord=${role}]`).first().locator('[data-offrecord=security-mark]');
      expect(await own.evaluate(markOf)).toEqual(showing(aliceMark));
    }
    // OffRecord's own readers still show their texts.
    const own = await alice.page.frameLocator('iframe[data-offrecord=reader]').first().locator('[data-offrecord=plaintext]').textContent();
    expect(sent).toContain(own);
    await alice.page.evaluate(() => document.querySelectorAll('iframe[data-page-copy]').forEach((f) => f.remove()));
  });

  it("a page script's dispatched clicks and keys cannot end or restart the conversation", async () => {
    const before = await lockState(alice.page);
    const bobBefore = await lockState(bob.page);
    expect(before).toBe('private');
    // Runs in the page's main world: the lock lives in an open shadow root the page can reach.
    const acted = await alice.page.evaluate(() => {
      const root = document.querySelector('[data-offrecord-host=lock]')?.shadowRoot;
      const lockButton = root?.querySelector<HTMLElement>('[data-offrecord=lock]');
      if (!root || !lockButton) return 'no lock';
      lockButton.click();
      lockButton.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
      for (const item of ['end', 'start']) {
        const b = root.querySelector<HTMLElement>(`[data-offrecord=${item}]`);
        b?.click();
        b?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
        b?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      }
      return (root.querySelector('[role=menu]') as HTMLElement).hidden ? 'menu stayed closed' : 'menu opened';
    });
    expect(acted).toBe('menu stayed closed');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await lockState(alice.page)).toBe(before);
    expect(await lockState(bob.page)).toBe(bobBefore);
  });

  it('found no plaintext, only ciphertext', async () => {
    const spied = await alice.page.evaluate(() => {
      const s = (window as unknown as { __spy: { seen: Set<string>; keys: string[]; frameReads: string[] } }).__spy;
      return { seen: [...s.seen].join('\n'), keys: s.keys.join('\n'), frameReads: [...new Set(s.frameReads)] };
    });
    expect(spied.seen).toContain('?OTR:'); // it did watch the conversation
    expect(spied.frameReads.filter((r) => r.startsWith('readable') && r !== 'readable about:blank')).toEqual([]);
    for (const text of [...sent, SECRET]) {
      for (const line of text.split('\n')) {
        const probe = line.trim();
        if (probe.length < 4) continue;
        expect(spied.seen, probe).not.toContain(probe);
        expect(spied.keys, probe).not.toContain(probe);
      }
    }
    // Item 1: the security mark never reached the page.
    expect(spied.seen).not.toContain(aliceMark.symbols);
    // Item 6: Bob's page saw the SMP came, never Alice's question, nor Bob's mark.
    const bobSpied = await bob.page.evaluate(() => [...(window as unknown as { __spy: { seen: Set<string> } }).__spy.seen].join('\n'));
    expect(bobSpied).toContain('wants to verify');
    expect(bobSpied).not.toContain(QUESTION);
    expect(bobSpied).not.toContain(bobMark.symbols);
    // Keystrokes typed into OffRecord's frames never reach the page's listeners.
    const typed = spied.keys.split('\n').filter((k) => /^key(down|press):[^:]:/.test(k)).map((k) => k.split(':')[1]).join('');
    expect(typed).not.toContain('hello');
  });
  it("a reader asked for in another of Bob's private conversations gets no plaintext; the owner's reader still shows it (item 4)", async () => {
    // A second private conversation between Alice and Bob: the hostile chat page in a tab of
    // each, joined by the test as a chat server would join them (the generic adapter, no site row).
    site = await startHostileSite();
    const origin = site.url.replace(/\/$/, '');
    const pages: Page[] = [];
    for (const p of [alice, bob]) {
      const setup = genericSetup(origin);
      const ext = await p.browser.context.newPage();
      await ext.goto(`chrome-extension://${p.browser.extensionId}/popup.html`);
      await ext.evaluate(([key, value]) => (globalThis as unknown as { chrome: { storage: { local: { set(v: object): Promise<void> } } } }).chrome.storage.local.set({ [key as string]: value }), [setup.key, setup.value] as const);
      await ext.close();
      const page = await p.browser.context.newPage();
      await page.goto(`${site.url}chat.html`);
      pages.push(page);
    }
    const [alicePage, bobPage] = pages as [Page, Page];
    const relay = new Relay([alicePage, bobPage].map((page) => ({
      sent: () => page.evaluate(readSpy).then((s) => s.sent),
      deliver: (texts: string[]) => page.evaluate(deliverToList, texts),
    })) as [never, never]);
    try {
      // Each in front of its browser, as the user has it: inserting into the page needs the focus.
      await Promise.all([alicePage.bringToFront(), bobPage.bringToFront()]);
      await waitState(alicePage, 'plaintext');
      await waitState(bobPage, 'plaintext');
      // Texts shown in a list's first 1.5 s are history, which asks nothing (watcher.ts).
      await bobPage.waitForTimeout(1600);
      await menu(alicePage, 'start');
      await acceptPrivate(bobPage).catch(async (e: unknown) => {
        throw new Error(`Bob was not asked; sent ${JSON.stringify([(await alicePage.evaluate(readSpy)).sent, (await bobPage.evaluate(readSpy)).sent])}; Bob's list ${await bobPage.evaluate(() => document.getElementById('list')!.textContent)}`, { cause: e });
      });
      // Private; verified or not (trust belongs to the key, which the first test verified).
      for (const p of [alicePage, bobPage]) await expect.poll(() => lockState(p), { timeout: 60_000 }).toMatch(/^(unverified|private)$/);
      // Alice's next message on the hostile page is held back on its way to Bob.
      relay.holding = true;
      const line = 'for the hostile page tab alone';
      await typePrivate(alicePage, line);
      await expect.poll(() => relay.held.filter((t) => t.startsWith('?OTR:AAMD')).length, { timeout: 20_000 }).toBe(1);
      const ciphertext = relay.held.find((t) => t.startsWith('?OTR:AAMD'))!;
      // The attack: Bob's Converse page (private with Alice too, so it frames readers) shows that
      // ciphertext as a message of its own conversation, then it reaches Bob's hostile page.
      const list = LIST.replace('converse-chat', 'converse-chat[jid="alice@localhost"]');
      await bob.page.evaluate(showInConverse, { list, texts: [ciphertext], id: 'copied-from-another-conversation', watch: true });
      await relay.release();
      // The hostile page's own reader shows the text: its one delivery was not used up.
      await bobPage.bringToFront();
      await waitReader(bobPage, line, '#list');
      await bob.page.bringToFront();
      await bob.page.waitForTimeout(3000); // a reader given the text would show it by now
      expect(await bob.page.evaluate(() => (window as unknown as { readerPlaced?: boolean }).readerPlaced)).toBe(true);
      expect(await readerTexts(bob.page)).not.toContain(line);
      expect(await bob.page.evaluate(() => document.documentElement.textContent ?? '')).not.toContain(line);
      // And Bob's Converse conversation still reads what Alice sends there.
      await alice.page.bringToFront();
      await typePrivate(alice.page, 'converse still reads');
      await waitReader(bob.page, 'converse still reads', LIST);
    } finally {
      relay.stop();
      await alicePage.close();
      await bobPage.close();
    }
  });
});
