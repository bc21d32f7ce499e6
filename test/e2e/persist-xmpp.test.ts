/**
 * Issue 11, scenario 2 in Chromium: alice and bob both use OffRecord in Converse.js over
 * Prosody with offline storage and the message archive (MAM), and are never online together.
 * Alice types while bob is offline: her text waits in the extension ("waiting for bob"), can be
 * cancelled, and never reaches the server in the clear. Each browser opening reads the other's
 * last AKE message from history and answers it; once private, the waiting text leaves encrypted
 * and bob reads it at his next opening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { converseLogin, converseOpenChat } from './helpers/chat';
import { keptProfile, type KeptProfile } from './helpers/persistent';
import { composeInput, lockState, popupRequest, typePrivate, waitIdentity, waitReader, waitState } from './overlay-kit';

const LIST = 'converse-chat .chat-content__messages';
const WAITED = 'waited for you, bob — ünïcödé 🔐';
const CANCELLED = 'never mind this one';

describe.sequential('Scenario 2 (Chromium): an AKE across browser openings, never online together', () => {
  let stack: XmppStack;
  let alice: KeptProfile;
  let bob: KeptProfile;
  const opened = new Set<KeptProfile>();

  /** One browser opening: sign in to Converse and open the chat with the other. */
  async function open(who: KeptProfile, user: string, peer: string): Promise<Page> {
    const p = await who.open();
    if (!opened.has(who)) {
      opened.add(who);
      await waitIdentity(p);
      // "Always" (require encryption): typed text waits for privacy and never leaves in clear.
      await popupRequest(p, 'sites.update', { id: 'converse', policy: 'always' });
    }
    await converseLogin(p.page, stack.url, user);
    await converseOpenChat(p.page, peer);
    return p.page;
  }

  /** How many times a kind of OTR message (e.g. `?OTR:AAMK`) rests in Prosody's store. */
  const storedCount = (head: string) => stack.stored().split(head).length - 1;

  async function waitStored(head: string, count = 1): Promise<void> {
    await expect.poll(() => storedCount(head), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(count);
  }

  beforeAll(async () => {
    stack = await startXmppStack({ archive: true });
    alice = keptProfile('scenario2-alice');
    bob = keptProfile('scenario2-bob');
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.dispose();
    await stack?.stop();
  });

  it('opening 1: alice types while bob is offline; the text waits, one is cancelled, only the AKE offer leaves', async () => {
    const page = await open(alice, 'alice', 'bob');
    const queued = page.frameLocator('[data-offrecord=compose]').locator('[data-offrecord=compose-queued] li');
    await typePrivate(page, WAITED);
    // The frame redraws when its waiting list changes: type the next one after that.
    await expect.poll(() => queued.count(), { timeout: 10_000 }).toBe(1);
    await typePrivate(page, CANCELLED);
    await expect.poll(() => queued.allTextContents(), { timeout: 10_000 }).toHaveLength(2);
    const items = await queued.allTextContents();
    expect(items[0]).toMatch(/waiting for bob/i);
    expect(items[0]).toContain(WAITED);
    await queued.filter({ hasText: CANCELLED }).locator('[data-offrecord=compose-cancel]').click();
    await expect.poll(() => queued.allTextContents(), { timeout: 10_000 }).toHaveLength(1);
    await waitStored('?OTR:AAMC');
    expect(await lockState(page)).not.toBe('unverified');
    await alice.close();
  });

  it('openings 2–5: each side answers the last AKE message from history; then the waiting text leaves encrypted', async () => {
    let page = await open(bob, 'bob', 'alice');
    await waitStored('?OTR:AAMK');
    await bob.close();

    page = await open(alice, 'alice', 'bob');
    await waitStored('?OTR:AAMR');
    await alice.close();

    page = await open(bob, 'bob', 'alice');
    await waitStored('?OTR:AAMS');
    await waitState(page, 'unverified');
    await bob.close();

    page = await open(alice, 'alice', 'bob');
    await waitState(page, 'unverified');
    await waitStored('?OTR:AAMD');
    const queued = page.frameLocator('[data-offrecord=compose]').locator('[data-offrecord=compose-queued] li');
    await expect.poll(() => queued.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => composeInput(page).isEnabled()).toBe(true);
    await alice.close();
  });

  it('opening 6: bob reads the waiting text; the cancelled one never left; no plaintext on the server', async () => {
    const page = await open(bob, 'bob', 'alice');
    await waitReader(page, WAITED, LIST);
    await bob.close();
    for (const where of [stack.stored(), stack.traffic()]) {
      expect(where).not.toContain('waited for you');
      expect(where).not.toContain(CANCELLED);
    }
  });
});
