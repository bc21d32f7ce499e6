/**
 * An encrypted 1 MB attachment through the real mail stack, the way the extension will send it:
 * alice's engine (OffRecord CLI peer) announces the file's key in a TLV 8 data message, that
 * ciphertext is the mail body, and the encrypted file goes through Roundcube's own attachment
 * input (the Roundcube adapter finds it; a DataTransfer fills it) under a neutral name. bob's
 * engine reads the body out of his Maildir via the mail body normaliser, reports the same key,
 * and the attachment taken from the stored mail decrypts byte-identical. The store holds no
 * plaintext. The live Roundcube view is also read with the adapter injected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startMailStack, type MailStack, type StoredMail } from '../stacks/mail';
import { closeAll, connect, esc, goSecure, spawnPeer, unesc, type Peer } from '../interop/harness';
import { launchPlainChromium } from './helpers/browser';
import { injectAdapters } from './helpers/bundle';
import { roundcubeFillHeaders, roundcubeLogin, roundcubeOpenCompose, roundcubeSend, roundcubeTypeBody, waitForDelivery } from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { decryptFile, encryptFile, ENCRYPTED_FILE_USE, fileUseData, UPLOAD_NAME, UPLOAD_TYPE, type PlainFile } from '../../src/files/encrypted-file';
import { textParts } from '../adapters/mail-fixtures';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

/** The base64 body of the part whose headers name `filename`, decoded. */
function attachment(raw: string, filename: string): Uint8Array {
  const norm = raw.replace(/\r\n/g, '\n');
  const boundary = /boundary="?([^";\n]+)"?/i.exec(norm)?.[1];
  if (!boundary) throw new Error('not a multipart mail');
  for (const part of norm.split(`--${boundary}`)) {
    const cut = part.indexOf('\n\n');
    const head = part.slice(0, cut);
    if (!head.includes(filename)) continue;
    expect(head).toMatch(/Content-Transfer-Encoding: base64/i);
    return new Uint8Array(Buffer.from(part.slice(cut + 2).replace(/\s+/g, ''), 'base64'));
  }
  throw new Error(`no attachment named ${filename}`);
}

describe('encrypted attachment through Roundcube, Postfix and Dovecot', () => {
  let stack: MailStack;
  let browser: Browser;
  let alicePeer: Peer;
  let bobPeer: Peer;
  // A distinctive plaintext, so a grep of the store would find any copy of it.
  const marker = 'OFFRECORD-PLAINTEXT-MARKER-7f3a';
  const contents = new Uint8Array(randomBytes(1024 * 1024));
  contents.set(new TextEncoder().encode(marker), 1000);
  const file: PlainFile = { name: 'Gehaltsabrechnung März.pdf', type: 'application/pdf', contents };
  let stored: StoredMail;

  beforeAll(async () => {
    [stack, browser, alicePeer, bobPeer] = await Promise.all([
      startMailStack(),
      launchPlainChromium(),
      spawnPeer('offrecord', { account: 'alice@offrecord.test', peer: 'bob@offrecord.test', protocol: 'mail' }),
      spawnPeer('offrecord', { account: 'bob@offrecord.test', peer: 'alice@offrecord.test', protocol: 'mail' }),
    ]);
    const link = connect(alicePeer, bobPeer);
    await goSecure(alicePeer, bobPeer);
    // From here on, what alice's engine sends reaches bob only by mail.
    link.stop();
  });
  afterAll(async () => {
    await closeAll();
    await browser?.close();
    await stack?.stop();
  });

  async function page(): Promise<Page> {
    return (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  }

  it('alice sends the key announcement as the body and the encrypted file via the site’s own input', async () => {
    const useData = fileUseData(file);
    const since = alicePeer.mark();
    alicePeer.send(`SYMKEY ${ENCRYPTED_FILE_USE} ${hex(useData)}`);
    const keyLine = await alicePeer.waitFor(/^EVENT symkey use=\d+ key=[0-9a-f]{64}$/, 15_000, since);
    const body = unesc((await alicePeer.waitFor(/^WIRE \?OTR:AAMD/, 15_000, since)).slice(5));
    const blob = encryptFile(file, bytes(/key=([0-9a-f]{64})/.exec(keyLine)![1]!), useData, random);

    const alice = await page();
    await roundcubeLogin(alice, stack.url, 'alice');
    await roundcubeOpenCompose(alice, stack.url);
    await roundcubeFillHeaders(alice, 'bob', 'Private message');
    await roundcubeTypeBody(alice, body, false);
    await injectAdapters(alice);
    const uploaded = await alice.evaluate(
      ({ b64, name, type }) => {
        const api = (window as any).__offrecordAdapters;
        const input = api.roundcube.mail.attachmentInput(document) as HTMLInputElement | null;
        if (!input) return 'no attachment input';
        const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([raw], name, { type }));
        input.files = transfer.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        return 'ok';
      },
      { b64: Buffer.from(blob).toString('base64'), name: UPLOAD_NAME, type: UPLOAD_TYPE },
    );
    expect(uploaded).toBe('ok');
    // Roundcube lists the upload once its server has stored it.
    await alice.locator('#attachment-list li:not(.uploading)', { hasText: UPLOAD_NAME }).waitFor({ timeout: 30_000 });
    await roundcubeSend(alice);

    stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Private message'));
    expect(stored.raw).toContain(`filename=${UPLOAD_NAME}`);
  });

  it('bob’s engine reads the key from the stored body, and the stored attachment decrypts byte-identical', async () => {
    const [text] = textParts(stored.raw).filter((p) => p.type === 'text/plain');
    const found = normaliseMailBody(text!.body);
    if (found.body.kind !== 'otr') throw new Error(`body is ${found.body.kind}`);
    const since = bobPeer.mark();
    bobPeer.send(`RECV ${esc(found.body.text)}`);
    const got = await bobPeer.waitFor(new RegExp(`^EVENT received_symkey use=${ENCRYPTED_FILE_USE} key=`), 15_000, since);
    const key = bytes(/key=([0-9a-f]{64})/.exec(got)![1]!);
    const useData = bytes(/usedata=([0-9a-f]*)/.exec(got)![1]!);

    const opened = decryptFile(attachment(stored.raw, UPLOAD_NAME), key, useData);
    expect(opened.name).toBe(file.name);
    expect(opened.type).toBe(file.type);
    expect(Buffer.compare(Buffer.from(opened.contents), Buffer.from(file.contents))).toBe(0);
  });

  it('the IMAP store holds no plaintext: not the name, not the contents, not even inside base64 parts', () => {
    const files = stack.storeFiles();
    // bob's INBOX copy and the copy Roundcube saved in alice's Sent folder over IMAP.
    expect(files.filter((f) => readFileSync(f, 'latin1').includes('Subject: Private message'))).toHaveLength(2);
    for (const f of files) {
      const data = readFileSync(f, 'latin1');
      // MIME base64 runs decoded too: a plaintext upload would hide there.
      const runs = data.replace(/\r/g, '').match(/(?:^[A-Za-z0-9+/=]{40,}\n)+/gm) ?? [];
      const decoded = runs.map((r) => Buffer.from(r.replace(/\s+/g, ''), 'base64').toString('latin1'));
      for (const text of [data, ...decoded]) {
        expect(text).not.toContain('Gehaltsabrechnung');
        expect(text).not.toContain(marker);
      }
    }
  });

  it('the Roundcube adapter reads the live mail view: the body’s OTR text, and the attachment under its neutral name', async () => {
    const bob = await page();
    await roundcubeLogin(bob, stack.url, 'bob');
    const row = bob.locator('#messagelist tr', { hasText: 'Private message' }).first();
    await row.waitFor({ timeout: 20_000 });
    const uid = Buffer.from(((await row.getAttribute('id')) ?? '').replace(/^rcmrow/, ''), 'base64').toString();
    await bob.goto(`${stack.url}?_task=mail&_action=show&_uid=${uid}&_mbox=INBOX`);
    await bob.waitForSelector('#messagebody');
    await injectAdapters(bob);
    const live = await bob.evaluate(() => {
      const a = (window as any).__offrecordAdapters.roundcube;
      const [m] = a.messages(a.messageList(document));
      return { text: m?.text as string, from: m?.from as string, direction: m?.direction as string, thread: a.mail.threadId(document) as string, detect: a.detect(document) as boolean };
    });
    const [text] = textParts(stored.raw).filter((p) => p.type === 'text/plain');
    const fromStore = normaliseMailBody(text!.body).body;
    expect(live).toEqual({
      text: fromStore.kind === 'otr' ? fromStore.text : 'not otr',
      from: 'alice@offrecord.test',
      direction: 'incoming',
      thread: 'alice@offrecord.test|private message',
      detect: true,
    });
    expect(await bob.locator('#attachment-list').textContent()).toContain(UPLOAD_NAME);
  });
});
