/**
 * A private mail thread between two Chromium profiles with the built extension, carried only by
 * the real stack (Roundcube 1.6, Postfix, Dovecot). Both sides run OffRecord under "always": the
 * first mail carries alice's query, her D-H Commit and nothing readable; each side answers the
 * AKE from the mail it opens, and that answer leaves in its reply (the mail view has no
 * composer). Typed text waits for the AKE and then goes out encrypted. Both editor modes send
 * through the compose frame laid over Roundcube's editor; the reader frame shows each body in
 * place of its ciphertext; alice's browser restarts between mails; ten private mails go both
 * ways in all, in UTF-8 of several scripts, one with a 100 KB body; the maildirs hold no
 * plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startMailStack, type MailStack, type MailUser } from '../stacks/mail';
import { launchProfile, pastePrivate, popupRequest, readerTexts, typePrivate, waitIdentity, waitReader, waitState, type Profile } from './overlay-kit';
import { keptProfile, type KeptProfile } from './helpers/persistent';
import {
  roundcubeFillHeaders,
  roundcubeLeftCompose,
  roundcubeLogin,
  roundcubeNewestUid,
  roundcubeOpenCompose,
  roundcubeReplyTo,
  roundcubeShow,
  roundcubeUseHtmlEditor,
  smtpSend,
  waitForDelivery,
} from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { textParts } from '../adapters/mail-fixtures';
import { plaintextInStore } from './helpers/mail-store';

const FIRST = 'Grüße, Bob — the plan is in the usual place ✓';
const SECOND = 'Ça marche: jeudi 19 h, café « Zürich » 🙂';
const THIRD = 'Danke! Bis Donnerstag — Alice';
/** 100 KB of mixed scripts, in lines (UTF-8: one to four bytes a character). */
const LONG = Array.from({ length: 1400 }, (_, i) => `${i} Größe — 東京 ✓ ÇŞĞ 🙂 línea ${'ab'.repeat(20)}`).join('\n').slice(0, 100 * 1024);
/** Mails 4 to 10 of the thread, bob and alice in turn (bob first): one of them 100 KB long. */
const MORE = ['Ja — Donnerstag passt. 👍', 'Привет, Боб!', LONG, 'ελληνικά: καλημέρα', 'שלום — עברית', 'مرحبا', 'Fin. 終わり ✓'];

describe('private mail thread between two profiles on Roundcube (Chromium)', () => {
  let stack: MailStack;
  let aliceKept: KeptProfile;
  let alice: Profile;
  let bob: Profile;
  const page = (u: MailUser) => (u === 'alice' ? alice.page : bob.page);
  const delivered = { alice: 0, bob: 0 };
  /** The UID of the mail last opened (the next reply answers it). */
  let lastUid = '';

  async function prepare(p: Profile, user: MailUser): Promise<void> {
    await waitIdentity(p);
    await popupRequest(p, 'sites.update', { id: 'roundcube', policy: 'always' });
    await p.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(p.page, stack.url, user);
  }

  /**
   * Waits for the mail from `from` to reach the other's Maildir, then opens it there. `direct`:
   * without visiting the list first (each INBOX here is fresh and nothing is deleted, so
   * Dovecot's Nth mail has UID N); a 100 KB body takes Roundcube longer to show.
   */
  async function openNext(to: MailUser, direct = false): Promise<string> {
    delivered[to]++;
    await waitForDelivery(stack, to, () => stack.inbox(to).length >= delivered[to]);
    const uid = direct ? String(delivered[to]) : await roundcubeNewestUid(page(to), stack.url, delivered[to]);
    await roundcubeShow(page(to), stack.url, uid, direct ? 60_000 : undefined);
    return uid;
  }

  /** What the mail view kept for the reply goes out as soon as the reply screen opens. */
  async function replyCarriesAke(user: MailUser, uid: string): Promise<void> {
    const p = page(user);
    await expect.poll(() => p.locator('[data-offrecord=notice]').textContent(), { timeout: 30_000 }).toContain('Reply to');
    await roundcubeReplyTo(p, stack.url, uid);
    await roundcubeLeftCompose(p);
  }

  beforeAll(async () => {
    aliceKept = keptProfile('rc-thread-alice');
    [stack, alice, bob] = await Promise.all([startMailStack(), aliceKept.open(), launchProfile('rc-thread-bob')]);
    await Promise.all([prepare(alice, 'alice'), prepare(bob, 'bob')]);
  }, 120_000);
  afterAll(async () => {
    await aliceKept?.dispose();
    await bob?.close();
    await stack?.stop();
  });

  it('runs the AKE by mail: a typed text waits for it, then goes out encrypted', async () => {
    const a = alice.page;
    await roundcubeOpenCompose(a, stack.url);
    await roundcubeFillHeaders(a, 'bob', 'Private message');
    // Under "always" the compose frame covers Roundcube's plain editor from the start.
    const frame = a.locator('iframe[data-offrecord=compose]');
    await expect.poll(() => frame.count(), { timeout: 30_000 }).toBe(1);
    const editor = (await a.locator('textarea#composebody').boundingBox())!;
    await expect.poll(async () => Math.abs(((await frame.boundingBox())?.y ?? 0) - editor.y), { timeout: 10_000 }).toBeLessThan(3);
    await typePrivate(a, FIRST);
    await roundcubeLeftCompose(a);
    const first = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Private message'));
    expect(first.raw).toMatch(/\?OTRv\d*\?/);
    expect(first.raw).toContain('?OTR:');

    // bob answers alice's commit from her mail; the answer leaves in his reply, and so on.
    let uid = await openNext('bob');
    await replyCarriesAke('bob', uid); // D-H Key
    uid = await openNext('alice');
    await replyCarriesAke('alice', uid); // Reveal Signature
    uid = await openNext('bob');
    await waitState(bob.page, 'unverified');
    await replyCarriesAke('bob', uid); // Signature
    uid = await openNext('alice');
    await waitState(alice.page, 'unverified');
    await replyCarriesAke('alice', uid); // the text that waited
    await openNext('bob');
    await waitReader(bob.page, FIRST, '#messagebody');
  });

  it('the reader frame takes the place of the ciphertext, sized to the text', async () => {
    const b = bob.page;
    const reader = b.locator('#messagebody iframe[data-offrecord=reader]');
    await expect.poll(async () => (await reader.boundingBox())?.height ?? 0, { timeout: 10_000 }).toBeGreaterThan(10);
    // One line of text, not the many lines the ciphertext took.
    expect((await reader.boundingBox())!.height).toBeLessThan(120);
    expect(await b.locator('#messagebody').evaluate((e) => (e as HTMLElement).innerText)).not.toContain(FIRST);
  });

  it('writes in the HTML (TinyMCE) editor through the compose frame laid over it', async () => {
    const b = bob.page;
    await roundcubeOpenCompose(b, stack.url);
    await roundcubeUseHtmlEditor(b);
    await roundcubeFillHeaders(b, 'alice', 'Re: Private message');
    const frame = b.locator('iframe[data-offrecord=compose]');
    await expect.poll(() => frame.count(), { timeout: 30_000 }).toBe(1);
    const editor = b.locator('iframe#composebody_ifr');
    await expect
      .poll(
        async () => {
          const [f, e] = [await frame.boundingBox(), await editor.boundingBox()];
          return !!f && !!e && Math.abs(f.y - e.y) < 3 && Math.abs(f.x - e.x) < 3 && Math.abs(f.height - e.height) < 3;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await typePrivate(b, SECOND);
    await roundcubeLeftCompose(b);
    await waitForDelivery(stack, 'alice', () => stack.inbox('alice').length > delivered.alice);
    const sent = stack.inbox('alice')[delivered.alice]!;
    // TinyMCE's mail: an HTML part whose only text is the ciphertext.
    expect(sent.raw).toMatch(/Content-Type: text\/html/i);
    expect(sent.raw).toContain('?OTR:');
  });

  it('alice reads it after her browser restarted, and answers', async () => {
    await aliceKept.close();
    alice = await aliceKept.open();
    await alice.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(alice.page, stack.url, 'alice');
    const uid = await openNext('alice');
    await waitReader(alice.page, SECOND, '#messagebody');
    await roundcubeReplyTo(alice.page, stack.url, uid);
    await typePrivate(alice.page, THIRD);
    await roundcubeLeftCompose(alice.page);
    lastUid = await openNext('bob');
    await waitReader(bob.page, THIRD, '#messagebody');
    expect(await readerTexts(bob.page)).toEqual([THIRD]);
  });

  it('seven more private mails both ways, in UTF-8, one of them 100 KB: each reads in the other browser', async () => {
    expect(new TextEncoder().encode(LONG).length).toBeGreaterThanOrEqual(100 * 1024);
    let from: MailUser = 'bob';
    for (const text of MORE) {
      const to: MailUser = from === 'bob' ? 'alice' : 'bob';
      await roundcubeReplyTo(page(from), stack.url, lastUid);
      await (text.length > 200 ? pastePrivate(page(from), text) : typePrivate(page(from), text));
      await roundcubeLeftCompose(page(from));
      lastUid = await openNext(to, true);
      await waitReader(page(to), text, '#messagebody', 60_000);
      from = to;
    }
  }, 150_000);

  it('a mail whose ciphertext lost its middle is said to be damaged, and nothing of it is shown', async () => {
    const last = stack.inbox('bob')[delivered.bob - 1]!;
    const found = normaliseMailBody(textParts(last.raw)[0]!.body);
    if (found.body.kind !== 'otr') throw new Error('the last mail carried no OTR message');
    const cipher = found.body.text;
    const cut = cipher.slice(0, 60) + cipher.slice(120);
    const lines = cut.match(/.{1,76}/g)!;
    await smtpSend(stack, 'alice', 'bob', 'Re: Private message', lines.join('\n'));
    await openNext('bob');
    const status = bob.page.locator('[data-offrecord=status]');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Damaged encrypted mail');
    expect(await bob.page.locator('#messagebody iframe[data-offrecord=reader]').count()).toBe(0);
  });

  it('no plaintext is stored in any maildir', () => {
    const words = [FIRST, SECOND, THIRD, 'Grüße', 'usual place', 'jeudi', 'Zürich', 'Donnerstag', 'Größe', '東京', 'Привет', 'καλημέρα', 'línea'];
    expect(plaintextInStore(stack, [...words, ...MORE.filter((t) => t !== LONG), LONG.slice(0, 40)])).toEqual([]);
  });
});
