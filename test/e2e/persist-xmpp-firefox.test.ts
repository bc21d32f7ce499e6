/**
 * Issue 11, scenario 2 in firefox-esr: alice and bob both use OffRecord (two kept Firefox
 * profiles) in Converse.js over Prosody with offline storage and MAM, never online together.
 * Mirrors persist-xmpp.test.ts: alice's typed text waits ("waiting for bob", one cancelled),
 * each browser opening answers the other's last AKE message from history, and once private the
 * waiting text leaves encrypted and bob reads it at his next opening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { startXmppStack, type XmppStack } from '../stacks/index';
import { extensionFrames, ffConverseChat, ffLockState, ffPoll, ffReaders, ffRequest, ffType, keptFirefox, type KeptFirefox } from './helpers/firefox-kept';

const LIST = 'converse-chat .chat-content__messages';
const WAITED = 'waited for you, bob — ünïcödé 🔐';
const CANCELLED = 'never mind this one';

/** The texts of the compose frame's waiting list ([] while there is no frame). */
async function queued(page: Page): Promise<string[]> {
  const frame: Frame | undefined = extensionFrames(page, 'compose')[0];
  if (!frame) return [];
  return frame.$$eval('[data-offrecord=compose-queued] li', (all) => all.map((e) => e.textContent ?? '')).catch(() => []);
}

describe.sequential('Scenario 2 (Firefox): an AKE across browser openings, never online together', () => {
  let stack: XmppStack;
  let alice: KeptFirefox;
  let bob: KeptFirefox;
  const opened = new Set<KeptFirefox>();

  const step = (what: string) => process.stderr.write(`scenario 2 (Firefox): ${new Date().toISOString().slice(11, 19)} ${what}\n`);

  async function open(who: KeptFirefox, user: string, peer: string): Promise<Page> {
    step(`opening ${user}'s browser`);
    const page = await who.open();
    if (!opened.has(who)) {
      opened.add(who);
      await ffPoll(() => ffRequest<{ state: string }>(who, 'identity.status', {}), (s) => s.state === 'ready', 240_000, 'the identity key');
      await ffRequest(who, 'sites.update', { id: 'converse', policy: 'always' });
    }
    step(`${user}: signing in`);
    await ffConverseChat(page, stack.url, user, peer);
    return page;
  }

  const storedCount = (head: string) => stack.stored().split(head).length - 1;
  const waitStored = (head: string) => expect.poll(() => storedCount(head), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(1);
  const waitState = (page: Page, want: string) => ffPoll(() => ffLockState(page), (s) => s === want, 30_000, `the lock to show ${want}`);

  beforeAll(async () => {
    stack = await startXmppStack({ archive: true });
    alice = keptFirefox('scenario2-alice');
    bob = keptFirefox('scenario2-bob');
    alice.via = bob.via = new URL('/offrecord-blank', stack.url).href;
  });
  afterAll(async () => {
    await alice?.dispose();
    await bob?.dispose();
    await stack?.stop();
  });

  it('opening 1: alice types while bob is offline; the text waits, one is cancelled, only the AKE offer leaves', async () => {
    const page = await open(alice, 'alice', 'bob');
    step('typing');
    await ffType(page, WAITED);
    await ffPoll(() => queued(page), (q) => q.length === 1, 10_000, 'the first waiting text');
    await ffType(page, CANCELLED);
    const items = await ffPoll(() => queued(page), (q) => q.length === 2, 10_000, 'two waiting texts');
    expect(items[0]).toMatch(/waiting for bob/i);
    expect(items[0]).toContain(WAITED);
    // A real click: the frame grows to show its waiting list, and Cancel is within reach.
    const frame = extensionFrames(page, 'compose')[0]!;
    const cancel = await frame.waitForSelector(`::-p-xpath(//li[contains(., "${CANCELLED}")]//*[@data-offrecord="compose-cancel"])`);
    await cancel!.click();
    const left = await ffPoll(() => queued(page), (q) => q.length === 1, 10_000, 'one waiting text after cancelling');
    expect(left[0]).toContain(WAITED);
    await waitStored('?OTR:AAMC');
    expect(await ffLockState(page)).not.toBe('unverified');
    await alice.close();
  });

  it('openings 2–5: each side answers the last AKE message from history; then the waiting text leaves encrypted', async () => {
    await open(bob, 'bob', 'alice');
    await waitStored('?OTR:AAMK');
    await bob.close();

    await open(alice, 'alice', 'bob');
    await waitStored('?OTR:AAMR');
    await alice.close();

    let page = await open(bob, 'bob', 'alice');
    await waitStored('?OTR:AAMS');
    await waitState(page, 'unverified');
    await bob.close();

    page = await open(alice, 'alice', 'bob');
    await waitState(page, 'unverified');
    await waitStored('?OTR:AAMD');
    await ffPoll(() => queued(page), (q) => q.length === 0, 10_000, 'the waiting list to empty');
    await alice.close();
  });

  it('opening 6: bob reads the waiting text; the cancelled one never left; no plaintext on the server', async () => {
    const page = await open(bob, 'bob', 'alice');
    await ffPoll(() => ffReaders(page, LIST), (t) => t.includes(WAITED), 30_000, 'the waited text in a reader');
    await bob.close();
    for (const where of [stack.stored(), stack.traffic()]) {
      expect(where).not.toContain('waited for you');
      expect(where).not.toContain(CANCELLED);
    }
  });
});
