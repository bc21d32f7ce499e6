/**
 * A private mail thread carried entirely by the real stack: two OTR engines (OffRecord CLI
 * peers) talk only through Roundcube, Postfix and Dovecot. The AKE runs by mail (query, D-H
 * commit, D-H key, reveal signature, signature: one mail each), then 10 mails go both ways in
 * both editor modes, as new mails and as quoting replies, with UTF-8 and a 100 KB body. Each
 * receiver reads the mail in Roundcube's view with the Roundcube adapter (the extension's path),
 * so quoted earlier ciphertext must never reach its engine. Finally the maildirs hold no
 * plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { startMailStack, type MailStack, type MailUser } from '../stacks/mail';
import { closeAll, esc, shownAs, spawnPeer, unesc, type Peer } from '../interop/harness';
import { launchPlainChromium } from './helpers/browser';
import { injectAdapters } from './helpers/bundle';
import { roundcubeFillHeaders, roundcubeLogin, roundcubeOpenCompose, roundcubeSend, roundcubeTypeBody, roundcubeUseHtmlEditor } from './helpers/mail';

interface Side {
  user: MailUser;
  peer: Peer;
  page: Page;
}

const other = (u: MailUser): MailUser => (u === 'alice' ? 'bob' : 'alice');

describe('a private mail thread over Roundcube, Postfix and Dovecot', () => {
  let stack: MailStack;
  let browser: Browser;
  const sides = {} as Record<MailUser, Side>;
  const sentPlaintexts: string[] = [];
  let mailNo = 0;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startMailStack(), launchPlainChromium()]);
    const side = async (user: MailUser) => {
      const peer = await spawnPeer('offrecord', { account: `${user}@offrecord.test`, peer: `${other(user)}@offrecord.test`, protocol: 'mail' });
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await roundcubeLogin(page, stack.url, user);
      sides[user] = { user, peer, page };
    };
    await Promise.all([side('alice'), side('bob')]);
  });
  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await stack?.stop();
  });

  /** The newest mail with this subject (replies keep one "Re:" subject, so it repeats). */
  async function rowUid(page: Page, subject: string): Promise<string> {
    await page.goto(`${stack.url}?_task=mail&_mbox=INBOX`);
    const rows = page.locator('#messagelist tr', { hasText: subject });
    await rows.first().waitFor({ timeout: 20_000 });
    // Roundcube writes the UID base64-encoded into the row id.
    const uids = (await rows.evaluateAll((trs) => trs.map((tr) => tr.id.replace(/^rcmrow/, '')))).map((id) => Number(Buffer.from(id, 'base64').toString()));
    return String(Math.max(...uids));
  }

  /** Sends `body` from `from` in the given editor; as a reply to `replyTo` (quoting it) when set. */
  async function mail(from: MailUser, body: string, html: boolean, replyTo: string | null): Promise<string> {
    const page = sides[from].page;
    let subject: string;
    if (replyTo) {
      const uid = await rowUid(page, replyTo);
      await page.goto(`${stack.url}?_task=mail&_action=compose&_reply_uid=${uid}&_mbox=INBOX`);
      await page.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
      subject = await page.inputValue('#compose-subject');
      if (html) {
        // A reply to an HTML mail opens in TinyMCE with the quote; ours goes above it.
        await page.waitForSelector('iframe#composebody_ifr', { timeout: 20_000 });
        await page.frameLocator('iframe#composebody_ifr').locator('body#tinymce').click();
        await page.keyboard.press('Control+Home');
        await page.keyboard.insertText(body);
        await page.keyboard.press('Enter');
      } else {
        const quoted = await page.inputValue('#composebody');
        expect(quoted).toContain('> ');
        await page.fill('#composebody', `${body}\n\n${quoted}`);
      }
    } else {
      subject = `Private message ${++mailNo}`;
      await roundcubeOpenCompose(page, stack.url);
      if (html) await roundcubeUseHtmlEditor(page);
      await roundcubeFillHeaders(page, other(from), subject);
      await roundcubeTypeBody(page, body, html);
    }
    const sameSubject = (raw: string) => raw.includes(`Subject: ${subject}\n`) || raw.includes(`Subject: ${subject}\r\n`);
    const before = stack.inbox(other(from)).filter((m) => sameSubject(m.raw)).length;
    await roundcubeSend(page);
    const end = Date.now() + 30_000;
    while (stack.inbox(other(from)).filter((m) => sameSubject(m.raw)).length <= before) {
      if (Date.now() > end) throw new Error(`mail "${subject}" not delivered; postfix log:\n${stack.postfixLog()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return subject;
  }

  /** The receiver opens the mail in Roundcube; the adapter hands its own OTR text to the engine. */
  async function read(to: MailUser, subject: string): Promise<number> {
    const { page, peer } = sides[to];
    const uid = await rowUid(page, subject);
    await page.goto(`${stack.url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`);
    await page.waitForSelector('#messagebody');
    await injectAdapters(page);
    const text = await page.evaluate(() => {
      const a = (window as any).__offrecordAdapters.roundcube;
      return a.messages(a.messageList(document)).map((m: { text: string }) => m.text) as string[];
    });
    expect(text).toHaveLength(1);
    expect(text[0]).toMatch(/^\?OTR/);
    const since = peer.mark();
    peer.send(`RECV ${esc(text[0]!)}`);
    return since;
  }

  /** Everything the engine wants sent since `since` (AKE replies), as one mail body. */
  async function replies(peer: Peer, since: number, expect: RegExp): Promise<string> {
    await peer.waitFor(expect, 15_000, since);
    await new Promise((r) => setTimeout(r, 300)); // an AKE step may print more than one line
    return peer.lines.slice(since).filter((l) => l.startsWith('WIRE ')).map((l) => unesc(l.slice(5))).join('\n');
  }

  it('runs the AKE by mail: each step is a reply, until both engines are private', async () => {
    const a = sides.alice.peer;
    const b = sides.bob.peer;
    let since = a.mark();
    a.send('QUERY');
    const query = await replies(a, since, /^WIRE \?OTRv/);
    let subject = await mail('alice', query, false, null);
    // bob reads the query; his engine answers with a D-H commit, sent in his reply.
    since = await read('bob', subject);
    const commit = await replies(b, since, /^WIRE \?OTR:AAMC/);
    subject = await mail('bob', commit, false, subject);
    since = await read('alice', subject);
    const dhKey = await replies(a, since, /^WIRE \?OTR:AAMK/);
    subject = await mail('alice', dhKey, false, subject);
    since = await read('bob', subject);
    const reveal = await replies(b, since, /^WIRE \?OTR:AAMR/);
    subject = await mail('bob', reveal, false, subject);
    const aSince = await read('alice', subject);
    const sig = await replies(a, aSince, /^WIRE \?OTR:AAMS/);
    await a.waitFor(/^EVENT gone_secure v3/, 15_000, aSince);
    const bSince = b.mark();
    subject = await mail('alice', sig, false, subject);
    await read('bob', subject);
    await b.waitFor(/^EVENT gone_secure v3/, 15_000, bSince);
  });

  it('carries 10 mails both ways, both editors, new and quoting replies, UTF-8 and 100 KB', async () => {
    const big = 'Grüße aus dem Büro, 世界 🙂 — a long private letter. '.repeat(1900).slice(0, 100_000);
    // [sender, plaintext, HTML editor, reply to the previous mail]
    const plan: Array<[MailUser, string, boolean, boolean]> = [
      ['alice', 'Hello Bob, our first private mail. Grüße!', false, false],
      ['bob', 'Hi Alice, replying in plain text, quoting yours.', false, true],
      ['alice', 'Now in the HTML editor: <b>not bold</b> & 世界', true, false],
      ['bob', 'And an HTML reply, quoting it 🙂', true, true],
      ['alice', big, false, false],
      ['bob', 'Got the long one. Ünïcödé ✓', false, true],
      ['alice', 'Line one\nLine two\n\nAfter a blank line', false, false],
      ['bob', 'Eight — a new mail from me.', false, false],
      ['alice', 'Nine, replying to your eighth.', false, true],
      ['bob', 'Ten. Done. 🎉', true, false],
    ];
    let last: string | null = null;
    for (const [from, text, html, reply] of plan) {
      const sender = sides[from].peer;
      const since = sender.mark();
      sender.say(text);
      const wire = unesc((await sender.waitFor(/^WIRE \?OTR:AAMD/, 15_000, since)).slice(5));
      const subject = await mail(from, wire, html, reply ? last : null);
      const receiverSince = await read(other(from), subject);
      await sides[other(from)].peer.waitFor(shownAs(text), 30_000, receiverSince);
      sentPlaintexts.push(text);
      last = subject;
    }
  });

  it('the maildirs hold no plaintext of any of those mails', () => {
    expect(sentPlaintexts).toHaveLength(10);
    const store = stack.storeFiles().map((f) => readFileSync(f, 'utf8'));
    expect(store.length).toBeGreaterThan(10);
    for (const text of sentPlaintexts) {
      const probe = text.slice(0, 24);
      for (const file of store) expect(file).not.toContain(probe);
    }
  });
});
