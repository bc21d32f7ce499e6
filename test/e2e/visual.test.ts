/**
 * Feels native (issue 12): one private message on The Lounge and on Converse, screenshotted
 * (test-results/screenshots/visual-*.png). The reader frame takes the ciphertext's place at the
 * height of its own text (within 8 px) and the message keeps one row: no status line beside it,
 * one reader frame in it, and (The Lounge) a row no taller than the frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { startIrcStack, startXmppStack, type IrcStack, type XmppStack } from '../stacks/index';
import { converseChat, loungeJoin } from './helpers/chat';
import { acceptPrivate, menu, readyProfiles, shot, typePrivate, waitReader, waitState, type Profile } from './overlay-kit';

interface Fit {
  frameHeight: number;
  textHeight: number;
  rowHeight: number;
  statusLines: number;
  framesInRow: number;
}

async function readerFor(page: Page, text: string): Promise<Frame> {
  for (const f of page.frames().filter((x) => x.url().includes('/reader.html'))) {
    const shown = await f.locator('[data-offrecord=plaintext]').textContent({ timeout: 500 }).catch(() => null);
    if (shown === text) return f;
  }
  throw new Error(`no reader frame shows ${JSON.stringify(text)}`);
}

/** Geometry of the reader showing `text` and of the message row holding it. */
async function fit(page: Page, text: string, row: string): Promise<Fit> {
  const frame = await readerFor(page, text);
  const textHeight = await frame.evaluate(() => document.querySelector('.text')!.getBoundingClientRect().height);
  const element = await frame.frameElement();
  return element.evaluate(
    (node, [rowSelector, inner]) => {
      const f = node as Element;
      const r = f.closest(rowSelector as string)!;
      return {
        frameHeight: f.getBoundingClientRect().height,
        textHeight: inner as number,
        rowHeight: r.getBoundingClientRect().height,
        statusLines: Array.from(r.querySelectorAll('[data-offrecord=status]')).filter((s) => (s as HTMLElement).offsetParent !== null).length,
        framesInRow: r.querySelectorAll('iframe[data-offrecord=reader]').length,
      };
    },
    [row, textHeight] as const,
  );
}

async function checkOneMessage(alice: Page, bob: Page, list: string, row: string, name: string, rowFits: boolean): Promise<void> {
  const text = `one private line on ${name}`;
  await typePrivate(alice, text);
  await waitReader(bob, text, list);
  // The frame reports its height after it rendered; the host follows it.
  let last: Fit | null = null;
  await expect
    .poll(async () => {
      last = await fit(bob, text, row);
      return Math.abs(last.frameHeight - last.textHeight) <= 8;
    }, { timeout: 10_000 })
    .toBe(true);
  await shot(bob, `visual-${name}-bob`);
  const f = last!;
  expect(f.textHeight).toBeGreaterThan(5);
  expect(f.statusLines).toBe(0);
  expect(f.framesInRow).toBe(1);
  if (rowFits) expect(f.rowHeight).toBeLessThanOrEqual(f.frameHeight + 12);
}

describe.sequential('visual check on The Lounge', () => {
  let stack: IrcStack;
  let alice: Profile;
  let bob: Profile;
  beforeAll(async () => {
    [stack, [alice, bob]] = await Promise.all([startIrcStack(), readyProfiles('visual-lounge-alice', 'visual-lounge-bob')]);
    await Promise.all([loungeJoin(alice.page, stack.url, 'alice'), loungeJoin(bob.page, stack.url, 'bob')]);
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('one row per message, the reader as tall as its text', async () => {
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    await checkOneMessage(alice.page, bob.page, '#chat .chat-view .messages', 'div.msg', 'thelounge', true);
  });

  it('a page cannot load the frames at their static address (use_dynamic_url), while its own frames work', async () => {
    const id = bob.browser.extensionId;
    const probe = await bob.page.evaluate(async (url) => {
      try {
        const r = await fetch(url);
        return `loaded ${r.status}`;
      } catch {
        return 'refused';
      }
    }, `chrome-extension://${id}/compose.html`);
    expect(probe).toBe('refused');
    // The frames OffRecord placed (addresses from runtime.getURL) still load and read.
    const frames = bob.page.frames().filter((f) => /\/(reader|compose)\.html/.test(f.url()));
    expect(frames.length).toBeGreaterThan(1);
    expect(await bob.page.frameLocator('[data-offrecord=compose]').locator('[data-offrecord=compose-input]').isEnabled()).toBe(true);
    expect(await readerFor(bob.page, 'one private line on thelounge')).toBeTruthy();
  });
});

describe.sequential('visual check on Converse.js', () => {
  let stack: XmppStack;
  let alice: Profile;
  let bob: Profile;
  beforeAll(async () => {
    [stack, [alice, bob]] = await Promise.all([startXmppStack(), readyProfiles('visual-converse-alice', 'visual-converse-bob')]);
    await Promise.all([converseChat(alice.page, stack.url, 'alice', 'bob'), converseChat(bob.page, stack.url, 'bob', 'alice')]);
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
  });

  it('one row per message, the reader as tall as its text', async () => {
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    // Converse's row also holds the sender's name and avatar: only the frame is measured.
    await checkOneMessage(alice.page, bob.page, 'converse-chat .chat-content__messages', 'converse-chat-message', 'converse', false);
  });
});
