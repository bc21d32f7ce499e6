/**
 * Captures the mail fixtures in test/fixtures/mail/ from the real stack:
 *   npx vite-node test/e2e/capture-mail-fixtures.ts   (after `npm run build`, for bin/otr-peer)
 * Two OffRecord CLI peers make real OTR ciphertext; alice and bob send it through Roundcube in
 * both editor modes, reply quoting it and forward it. Saved per mail: the raw RFC 822 text from
 * the Maildir (`NAME.eml`), Roundcube's rendered mail view (`NAME.view.html`), and in
 * manifest.json the wire texts each body carries, own and quoted. The compose pages in both
 * editor modes are saved too (`compose-plain.html`, `compose-html.html`) for the adapter tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startMailStack, type MailStack, type MailUser } from '../stacks/mail';
import { repoRoot } from '../stacks/process';
import { closeAll, connect, goSecure, spawnPeer, unesc, type Peer } from '../interop/harness';
import { launchPlainChromium } from './helpers/browser';
import {
  roundcubeFillHeaders,
  roundcubeLogin,
  roundcubeOpenCompose,
  roundcubeOpenMail,
  roundcubeSend,
  roundcubeTypeBody,
  roundcubeUseHtmlEditor,
  waitForDelivery,
} from './helpers/mail';

const OUT = join(repoRoot(), 'test/fixtures/mail');

interface Captured {
  name: string;
  from: MailUser;
  to: MailUser;
  subject: string;
  editor: 'plain' | 'html';
  kind: 'new' | 'reply' | 'forward';
  /** The OTR wire text the sender typed as its own body (null: none). */
  own: string | null;
  /** OTR wire texts present only as quoted or forwarded material. */
  quoted: string[];
}

/** The sender's next data message for `text`, as the engine puts it on the wire. */
async function ciphertext(from: Peer, to: Peer, text: string): Promise<string> {
  const since = from.mark();
  const seen = to.mark();
  from.say(text);
  const wire = await from.waitFor(/^WIRE \?OTR:AAMD/, 15_000, since);
  await to.waitFor(/^SHOW /, 15_000, seen);
  return unesc(wire.slice(5));
}

async function rowUid(page: Page, url: string, subject: string): Promise<string> {
  await page.goto(`${url}?_task=mail&_mbox=INBOX`);
  const row = page.locator('#messagelist tr', { hasText: subject }).first();
  await row.waitFor({ timeout: 20_000 });
  const id = (await row.getAttribute('id')) ?? '';
  // Roundcube writes the UID base64-encoded into the row id (html_identifier).
  return Buffer.from(id.replace(/^rcmrow/, ''), 'base64').toString();
}

/** page.content() serialises attributes, not live values: copy typed values into the DOM first. */
async function composePage(page: Page): Promise<string> {
  await page.evaluate(() => {
    for (const i of Array.from(document.querySelectorAll('input'))) if (i.type !== 'file') i.setAttribute('value', i.value);
    for (const t of Array.from(document.querySelectorAll('textarea'))) t.textContent = t.value;
    for (const s of Array.from(document.querySelectorAll('select'))) {
      for (const o of Array.from(s.options)) o.toggleAttribute('selected', o.selected);
    }
  });
  return page.content();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack: MailStack = await startMailStack();
  const browser = await launchPlainChromium();
  const manifest: Captured[] = [];
  try {
    const alicePeer = await spawnPeer('offrecord', { account: 'alice@offrecord.test', peer: 'bob@offrecord.test', protocol: 'mail' });
    const bobPeer = await spawnPeer('offrecord', { account: 'bob@offrecord.test', peer: 'alice@offrecord.test', protocol: 'mail' });
    connect(alicePeer, bobPeer);
    await goSecure(alicePeer, bobPeer);

    const page = async (user: MailUser): Promise<Page> => {
      const p = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await roundcubeLogin(p, stack.url, user);
      return p;
    };
    const alice = await page('alice');
    const bob = await page('bob');

    const save = async (c: Captured, reader: Page): Promise<void> => {
      const stored = await waitForDelivery(stack, c.to, (m) => m.raw.includes(`Subject: ${c.subject}`));
      writeFileSync(join(OUT, `${c.name}.eml`), stored.raw);
      const frame = await roundcubeOpenMail(reader, stack.url, c.subject);
      writeFileSync(join(OUT, `${c.name}.view.html`), await frame.content());
      manifest.push(c);
    };

    // 1. New mail, plain-text editor, short body.
    const c1 = await ciphertext(alicePeer, bobPeer, 'Hello Bob, this is private.');
    await roundcubeOpenCompose(alice, stack.url);
    await roundcubeFillHeaders(alice, 'bob', 'Private plain');
    await roundcubeTypeBody(alice, c1, false);
    writeFileSync(join(OUT, 'compose-plain.html'), await composePage(alice));
    await roundcubeSend(alice);
    await save({ name: 'plain-new', from: 'alice', to: 'bob', subject: 'Private plain', editor: 'plain', kind: 'new', own: c1, quoted: [] }, bob);

    // 2. New mail, plain-text editor, long UTF-8 body (ciphertext far past 76 columns).
    const long = 'Grüße aus dem Büro, 世界 🙂 — a longer private letter. '.repeat(40);
    const c2 = await ciphertext(alicePeer, bobPeer, long);
    await roundcubeOpenCompose(alice, stack.url);
    await roundcubeFillHeaders(alice, 'bob', 'Private long');
    await roundcubeTypeBody(alice, c2, false);
    await roundcubeSend(alice);
    await save({ name: 'plain-long', from: 'alice', to: 'bob', subject: 'Private long', editor: 'plain', kind: 'new', own: c2, quoted: [] }, bob);

    // 3. New mail, HTML (TinyMCE) editor.
    const c3 = await ciphertext(alicePeer, bobPeer, 'Written in the HTML editor: <b>not bold</b> & more.');
    await roundcubeOpenCompose(alice, stack.url);
    await roundcubeUseHtmlEditor(alice);
    await roundcubeFillHeaders(alice, 'bob', 'Private html');
    await roundcubeTypeBody(alice, c3, true);
    writeFileSync(join(OUT, 'compose-html.html'), await composePage(alice));
    // TinyMCE's editable document lives in its own frame; page.content() leaves it out.
    const editorFrame = await (await alice.waitForSelector('iframe#composebody_ifr')).contentFrame();
    writeFileSync(join(OUT, 'compose-html.editor.html'), (await editorFrame?.content()) ?? '');
    await roundcubeSend(alice);
    await save({ name: 'html-new', from: 'alice', to: 'bob', subject: 'Private html', editor: 'html', kind: 'new', own: c3, quoted: [] }, bob);

    // 4. bob replies to mail 1 in plain text: his ciphertext on top, alice's quoted below.
    const c4 = await ciphertext(bobPeer, alicePeer, 'Hi Alice, got it.');
    const uid1 = await rowUid(bob, stack.url, 'Private plain');
    await bob.goto(`${stack.url}?_task=mail&_action=compose&_reply_uid=${uid1}&_mbox=INBOX`);
    await bob.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
    const quotedPlain = await bob.inputValue('#composebody');
    await bob.fill('#composebody', `${c4}\n\n${quotedPlain}`);
    await roundcubeSend(bob);
    await save({ name: 'plain-reply', from: 'bob', to: 'alice', subject: 'Re: Private plain', editor: 'plain', kind: 'reply', own: c4, quoted: [c1] }, alice);

    // 5. bob replies to mail 3 in the HTML editor: TinyMCE quotes in a blockquote.
    const c5 = await ciphertext(bobPeer, alicePeer, 'Replying in HTML mode.');
    const uid3 = await rowUid(bob, stack.url, 'Private html');
    await bob.goto(`${stack.url}?_task=mail&_action=compose&_reply_uid=${uid3}&_mbox=INBOX`);
    await bob.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
    await bob.waitForSelector('iframe#composebody_ifr', { timeout: 20_000 });
    const editor = bob.frameLocator('iframe#composebody_ifr').locator('body#tinymce');
    await editor.click();
    await bob.keyboard.press('Control+Home');
    await bob.keyboard.insertText(c5);
    await bob.keyboard.press('Enter');
    await roundcubeSend(bob);
    await save({ name: 'html-reply', from: 'bob', to: 'alice', subject: 'Re: Private html', editor: 'html', kind: 'reply', own: c5, quoted: [c3] }, alice);

    // 6. bob forwards mail 2 inline with a plain note: the forwarded ciphertext is not his.
    const uid2 = await rowUid(bob, stack.url, 'Private long');
    await bob.goto(`${stack.url}?_task=mail&_action=compose&_forward_uid=${uid2}&_mbox=INBOX`);
    await bob.waitForSelector('#composebody', { state: 'attached', timeout: 20_000 });
    const forwarded = await bob.inputValue('#composebody');
    await bob.fill('#composebody', `See the message below.\n\n${forwarded}`);
    await roundcubeFillHeaders(bob, 'alice', null);
    await roundcubeSend(bob);
    await save({ name: 'plain-forward', from: 'bob', to: 'alice', subject: 'Fwd: Private long', editor: 'plain', kind: 'forward', own: null, quoted: [c2] }, alice);

    writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    console.log(`captured ${manifest.length} mails into ${OUT}`);
  } finally {
    await closeAll();
    await browser.close();
    await stack.stop();
  }
}

await main();
