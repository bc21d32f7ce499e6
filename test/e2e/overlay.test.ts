/**
 * The overlay end to end (issue 4): two Chromium profiles with the built extension, Alice and
 * Bob, chat privately through real chat stacks. For each stack: start from the lock, both locks
 * reach 'unverified', 20 messages each way (UTF-8, emoji, multi-line, one that fragments on
 * IRC) read back inside the reader frames, SMP through the verify frames (a wrong answer keeps
 * 'unverified', the right one makes the asker's lock 'private'), a reload mid-conversation
 * (history never fed again, no error notices), end ('finished' on the peer). The server side
 * never carries any plaintext: an observer IRC client in the channel, or Prosody's stanza log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startIrcObserver, startIrcStack, startXmppStack, type IrcObserver, type IrcStack, type XmppStack } from '../stacks/index';
import { converseChat, converseLogin, converseOpenChat, loungeJoin } from './helpers/chat';
import {
  acceptPrivate, closeVerify, earlierLines, exchange, lockState, menu, popupRequest, readerStatuses, readerTexts, readyProfiles, scrollDown, shot, smpQuestion, smpResult,
  typePrivate, visibleNotices, waitReader, waitState, type Profile,
} from './overlay-kit';

const LOUNGE_LIST = '#chat .chat-view .messages';
const CONVERSE_LIST = 'converse-chat .chat-content__messages';
const QUESTION = 'Where did we first meet?';

/** Every line of every plaintext must be absent from what the server carried. */
function expectNoPlaintext(traffic: string, sent: string[]): void {
  for (const text of [...sent, QUESTION, 'lisbon', 'porto']) {
    for (const line of text.split('\n')) if (line.length >= 4) expect(traffic, line).not.toContain(line);
  }
}

/** Wrong answer first (lock stays 'unverified'), then the right one ('private' for the asker). */
async function verifyBoth(alice: Page, bob: Page): Promise<void> {
  await smpQuestion(alice, bob, QUESTION, 'lisbon', 'porto');
  expect(await smpResult(alice)).toBe('failed');
  expect(await smpResult(bob)).toBe('failed');
  expect(await lockState(alice)).toBe('unverified');
  await closeVerify(alice);
  await closeVerify(bob);
  await smpQuestion(alice, bob, QUESTION, 'lisbon', 'lisbon');
  expect(await smpResult(alice)).toBe('succeeded');
  await waitState(alice, 'private', 30_000);
  // Answering a question proves nothing about the asker (Pidgin's rule): Bob stays unverified.
  await waitState(bob, 'unverified');
  await shot(alice, 'overlay-smp-succeeded');
  await closeVerify(alice);
  await closeVerify(bob);
}

describe.sequential('overlay on The Lounge (IRC)', () => {
  let stack: IrcStack;
  let alice: Profile;
  let bob: Profile;
  let observer: IrcObserver;
  const sent: string[] = [];

  beforeAll(async () => {
    // The stack and both browsers start together; the observer is on IRC before anyone joins.
    [stack, [alice, bob]] = await Promise.all([startIrcStack(), readyProfiles('lounge-alice', 'lounge-bob')]);
    observer = await startIrcObserver(stack.ircPort, { nick: 'observer' });
    await Promise.all([loungeJoin(alice.page, stack.url, 'alice'), loungeJoin(bob.page, stack.url, 'bob')]);
  });
  afterAll(async () => {
    observer?.close();
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('starts from the lock and both sides reach unverified', async () => {
    await waitState(alice.page, 'plaintext');
    await waitState(bob.page, 'plaintext');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    await expect.poll(() => alice.page.locator('[data-offrecord=compose]').count()).toBe(1);
    await expect.poll(() => bob.page.locator('[data-offrecord=compose]').count()).toBe(1);
    await shot(alice.page, 'lounge-alice-unverified');
  });

  it('exchanges 20 messages both ways, one of them in several IRC lines', async () => {
    await exchange(alice.page, bob.page, LOUNGE_LIST, 'lounge', 20, sent);
    // Our own bubbles show what we typed, from the frames too.
    await scrollDown(alice.page, LOUNGE_LIST);
    expect(await readerTexts(alice.page)).toContain(sent[sent.length - 2]);
    // The long message went out as several PRIVMSGs (OTR fragments within the 300-char limit).
    const pieces = observer.messages().filter((m) => m.from === 'alice' && m.text.startsWith('?OTR|'));
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    for (const p of pieces) expect(p.text.length).toBeLessThanOrEqual(300);
    await shot(bob.page, 'lounge-bob-20-messages');
  });

  it('verifies with SMP through the UI: wrong answer fails, right answer makes it private', async () => {
    await verifyBoth(alice.page, bob.page);
  });

  it('keeps going after a reload, without feeding history again', async () => {
    await bob.page.reload();
    // Public-mode The Lounge drops the IRC connection with the page; rejoin as the same nick.
    await observer.waitFor((l) => /^:bob!\S+ QUIT/.test(l), 15_000);
    await loungeJoin(bob.page, stack.url, 'bob');
    await waitState(bob.page, 'unverified', 30_000);
    await exchange(alice.page, bob.page, LOUNGE_LIST, 'reload', 2, sent);
    expect(await visibleNotices(bob.page)).toEqual([]);
    expect(await visibleNotices(alice.page)).toEqual([]);
  });

  it('ends the conversation: finished on the peer', async () => {
    await menu(alice.page, 'end');
    await waitState(alice.page, 'plaintext', 30_000);
    await waitState(bob.page, 'finished', 30_000);
    await shot(bob.page, 'lounge-bob-finished');
  });

  it('the IRC server carried only ciphertext', () => {
    const traffic = observer.messages().map((m) => m.text).join('\n');
    expect(traffic).toContain('?OTR:');
    expectNoPlaintext(traffic, sent);
  });
});

describe.sequential('overlay on Converse.js (XMPP)', () => {
  let stack: XmppStack;
  let alice: Profile;
  let bob: Profile;
  const sent: string[] = [];

  beforeAll(async () => {
    [stack, [alice, bob]] = await Promise.all([startXmppStack(), readyProfiles('converse-alice', 'converse-bob')]);
    await Promise.all([converseChat(alice.page, stack.url, 'alice', 'bob'), converseChat(bob.page, stack.url, 'bob', 'alice')]);
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('starts from the lock and both sides reach unverified', async () => {
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
  });

  it('exchanges 20 messages both ways', async () => {
    await exchange(alice.page, bob.page, CONVERSE_LIST, 'xmpp', 20, sent);
    await shot(alice.page, 'converse-alice-20-messages');
  });

  it('verifies with SMP through the UI', async () => {
    await verifyBoth(alice.page, bob.page);
  });

  it('keeps going after a reload, without feeding history again', async () => {
    await bob.page.reload();
    // Converse either signs in again by itself or shows its sign-in form: whichever comes first.
    const signedIn = bob.page.locator('#controlbox:not(.logged-out) converse-roster');
    const form = bob.page.locator('#converse-login-jid');
    await expect.poll(async () => (await signedIn.count()) > 0 || (await form.isVisible()), { timeout: 20_000 }).toBe(true);
    if ((await signedIn.count()) === 0) await converseLogin(bob.page, stack.url, 'bob');
    await converseOpenChat(bob.page, 'alice');
    await waitState(bob.page, 'unverified', 30_000);
    // Converse shows the conversation again from its cache: shown as history, never fed again
    // (the engine would reject replayed data messages). Alice's messages were read, and under
    // the default Privacy setting their texts went once shown: each says "encrypted earlier" in
    // a status line, with no frame (display 'gone').
    await expect
      .poll(async () => {
        await scrollDown(bob.page, CONVERSE_LIST);
        return earlierLines(bob.page);
      }, { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await readerStatuses(bob.page)).not.toContain('error');
    await exchange(alice.page, bob.page, CONVERSE_LIST, 'xreload', 2, sent);
    expect(await visibleNotices(bob.page)).toEqual([]);
    await shot(bob.page, 'converse-bob-after-reload');
  });

  it('ends the conversation: finished on the peer', async () => {
    await menu(alice.page, 'end');
    await waitState(alice.page, 'plaintext', 30_000);
    await waitState(bob.page, 'finished', 30_000);
    await shot(bob.page, 'converse-bob-finished');
  });

  it('under "require encryption", typed text waits and leaves only encrypted', async () => {
    await popupRequest(alice, 'sites.update', { id: 'converse', policy: 'always' });
    // The compose frame covers the site's box at once, even before anything is private.
    await expect.poll(() => alice.page.locator('[data-offrecord=compose]').count()).toBe(1);
    const text = 'typed before the conversation was private';
    await typePrivate(alice.page, text);
    sent.push(text);
    // Alice verified Bob's key earlier (SMP), so her lock goes straight to 'private'.
    await waitState(alice.page, 'private', 60_000);
    await waitReader(bob.page, text, CONVERSE_LIST);
    await popupRequest(alice, 'sites.update', { id: 'converse', policy: 'manual' });
  });

  it('Prosody carried only ciphertext', () => {
    const traffic = stack.traffic();
    expect(traffic).toContain('?OTR:');
    expectNoPlaintext(traffic, sent);
  });
});
