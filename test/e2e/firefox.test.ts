/**
 * Firefox (firefox-esr through puppeteer-core, the MV2 build): the basic flow on Converse.js.
 * Alice uses Firefox, Bob Chromium, so this is also a cross-browser conversation: start from
 * Firefox's lock, messages both ways read in the reader frames on both sides (in Firefox, by
 * the warm-frame path where it has Element.moveBefore), end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { launchFirefoxWithExtension, ROOT, type FirefoxWithExtension } from './helpers/browser';
import { converseChat } from './helpers/chat';
import { acceptPrivate, FIREFOX_BUILD, launchProfile, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';
import { extensionFrames, ffConverseChat, ffLockState, ffMenu, ffPoll, ffReaders, ffType } from './helpers/firefox-kept';

const LIST = 'converse-chat .chat-content__messages';

/** How the reader frame showing `text` got there, read from its element in the page. */
async function readerPath(page: Page, text: string): Promise<{ inRow: boolean; warm: boolean; canMove: boolean }> {
  for (const f of extensionFrames(page, 'reader')) {
    const t = await f.$eval('body[data-status] [data-offrecord=plaintext]', (e) => e.textContent).catch(() => null);
    if (t !== text) continue;
    const el = await f.frameElement();
    const where = await el!.evaluate(
      (e, list) => ({ inRow: !!e.closest(list), warm: !new URLSearchParams(new URL((e as HTMLIFrameElement).src).hash.slice(1)).has('m'), canMove: typeof (document.body as HTMLElement & { moveBefore?: unknown }).moveBefore === 'function' }),
      LIST,
    );
    return where;
  }
  throw new Error(`no reader frame shows ${text}`);
}

describe.sequential('Firefox: the overlay on Converse.js', () => {
  let stack: XmppStack;
  let ff: FirefoxWithExtension;
  let alice: Page;
  let bob: Profile;

  beforeAll(async () => {
    [stack, ff, bob] = await Promise.all([startXmppStack(), launchFirefoxWithExtension(FIREFOX_BUILD), launchProfile('firefox-bob')]);
    alice = await ff.browser.newPage();
    await Promise.all([ffConverseChat(alice, stack.url, 'alice', 'bob'), waitIdentity(bob).then(() => converseChat(bob.page, stack.url, 'bob', 'alice'))]);
  });
  afterAll(async () => {
    await ff?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('starts from the lock in Firefox', async () => {
    // First run in Firefox makes the identity key; the lock works once the page is recognised.
    await ffPoll(() => ffLockState(alice), (s) => s === 'plaintext', 60_000, 'the lock');
    await ffMenu(alice, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await ffPoll(() => ffLockState(alice), (s) => s === 'unverified', 90_000, "Alice's lock to become unverified");
    await waitState(bob.page, 'unverified', 60_000);
  });

  it('messages go both ways between Firefox and Chromium', async () => {
    const fromAlice = ['hello from Firefox 🦊', 'zweite Zeile\nüber zwei Zeilen'];
    const fromBob = ['hello from Chromium ✓', 'another one from Bob'];
    const paths: Array<{ inRow: boolean; warm: boolean; canMove: boolean }> = [];
    for (let i = 0; i < fromAlice.length; i++) {
      await ffType(alice, fromAlice[i]!);
      await waitReader(bob.page, fromAlice[i]!, LIST);
      await typePrivate(bob.page, fromBob[i]!);
      await ffPoll(() => ffReaders(alice, LIST), (t) => t.includes(fromBob[i]!), 30_000, `Firefox reader to show ${fromBob[i]}`);
      // The frame showing it sits in the message's row, and came by the path this Firefox
      // allows: a warm frame moved in (Element.moveBefore, which firefox-esr 153 has and which
      // keeps the frame's document) names no message in its address; without moveBefore, a
      // frame made on arrival from a spare token does.
      const path = await readerPath(alice, fromBob[i]!);
      expect(path.inRow).toBe(true);
      paths.push(path);
    }
    // With moveBefore the warm path is taken (a message racing a spare's replacement may still
    // get a fresh frame, which is correct too); without it, never.
    const canMove = paths[0]!.canMove;
    if (canMove) expect(paths.some((p) => p.warm)).toBe(true);
    else expect(paths.every((p) => !p.warm)).toBe(true);
    mkdirSync(join(ROOT, 'test-results/screenshots'), { recursive: true });
    await alice.screenshot({ path: join(ROOT, 'test-results/screenshots/firefox-alice.png') });
  });

  it('ends from Firefox: finished on the peer', async () => {
    await ffMenu(alice, 'end');
    await ffPoll(() => ffLockState(alice), (s) => s === 'plaintext', 30_000, 'plaintext');
    await waitState(bob.page, 'finished');
    expect(stack.traffic()).not.toContain('hello from Firefox');
  });
});
