/**
 * "Attach encrypted file" in Firefox (firefox-esr, the MV2 build) on the real mail stack
 * (Roundcube 1.6, Postfix, Dovecot), both ways with bob in Chromium, after a private thread
 * was set up by mail. alice attaches 1 MB in Firefox and sends with Roundcube's own Send,
 * typing nothing: the file's key still goes with that mail, and bob saves the file
 * byte-identical. bob attaches 1 MB with typed text; alice's Firefox reader decrypts and saves
 * it byte-identical. The maildirs hold neither the names nor the contents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElementHandle, Frame as FfFrame } from 'puppeteer-core';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startMailStack, MAIL_DOMAIN, type MailStack } from '../stacks/mail';
import { tempDir, removeDir } from '../stacks/process';
import { extensionFrames, ffMenu, ffPoll, ffReaders } from './helpers/firefox-kept';
import { BrowsersMailPair } from './helpers/mail-firefox';
import { menu, typePrivate } from './overlay-kit';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeOpenCompose } from './helpers/mail';
import { UPLOAD_NAME } from '../../src/files/neutral-upload';

const FIRST = 'Grüße aus Chromium — gleich kommen Dateien';
const WITH_FILE = 'Voilà le fichier, chiffré ✓';
const TO_BOB = 'Steuerbescheid 2026.pdf';
const TO_ALICE = 'relevé de compte.pdf';
const MARKER_TO_BOB = 'OFFRECORD-FF-TO-BOB-MARKER-7a2e';
const MARKER_TO_ALICE = 'OFFRECORD-FF-TO-ALICE-MARKER-c41b';

function fileWith(dir: string, name: string, marker: string): Buffer {
  const contents = randomBytes(1024 * 1024);
  contents.write(marker, 4096, 'latin1');
  writeFileSync(join(dir, name), contents);
  return contents;
}

describe.sequential('encrypted attachments through Roundcube in Firefox', () => {
  let stack: MailStack;
  let pair: BrowsersMailPair;
  let dir: string;
  let downloads: string;
  let toBob: Buffer;
  let toAlice: Buffer;

  beforeAll(async () => {
    dir = tempDir('ff-attach-files');
    downloads = tempDir('ff-attach-saved');
    toBob = fileWith(dir, TO_BOB, MARKER_TO_BOB);
    toAlice = fileWith(dir, TO_ALICE, MARKER_TO_ALICE);
    stack = await startMailStack();
    pair = new BrowsersMailPair(stack);
    await pair.launch('rc-ff-attach', downloads);
  }, 120_000);
  afterAll(async () => {
    await pair?.close();
    await stack?.stop();
    if (dir) removeDir(dir);
    if (downloads) removeDir(downloads);
  });

  it('goes private by mail between Chromium and Firefox', async () => {
    await pair.goPrivate(FIRST);
  });

  it("alice attaches 1 MB in Firefox and sends with Roundcube's own Send, nothing typed: the key goes with it", async () => {
    const { alice } = pair;
    await alice.goto(`${stack.url}?_task=mail&_action=compose`);
    await alice.waitForSelector('#composebody', { timeout: 20_000 });
    await alice.type('#compose_to ul.recipient-input input', `bob@${MAIL_DOMAIN}`);
    await alice.keyboard.press('Enter');
    await alice.type('#compose-subject', 'Re: Private message');
    await ffPoll(async () => extensionFrames(alice, 'compose').length, (n) => n === 1, 30_000, 'the compose frame');
    await ffMenu(alice, 'attach');
    const attach = (await ffPoll(async () => extensionFrames(alice, 'attach')[0], (f) => !!f, 15_000, 'the attach frame'))!;
    const input = (await attach.waitForSelector('[data-offrecord=attach-input]:not([disabled])', { timeout: 15_000 })) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(join(dir, TO_BOB));
    const status = () => attach.$eval('[data-offrecord=attach-status]', (e) => e.textContent ?? '');
    await ffPoll(status, (t) => t.includes('Encrypted and attached'), 30_000, 'the attach frame to say it attached');
    const listed = () => alice.$$eval('#attachment-list li:not(.uploading)', (lis) => lis.map((li) => li.textContent ?? '').join('|'));
    await ffPoll(listed, (t) => t.includes(UPLOAD_NAME), 30_000, 'Roundcube to list the upload');
    expect(await alice.$eval('#attachment-list', (e) => e.textContent ?? '')).not.toContain('Steuerbescheid');
    // The announcement is in the body already: what Roundcube's Send mails.
    expect(await alice.$eval('#composebody', (e) => (e as HTMLTextAreaElement).value)).toMatch(/^\?OTR:/);
    await (await attach.$('[data-offrecord=attach-close]'))!.click();
    await alice.click('.formbuttons button.send, button.btn.send');
    await pair.aliceLeftCompose();

    await pair.bobOpensNext();
    const stored = stack.inbox('bob')[pair.delivered.bob - 1]!;
    expect(stored.raw).toContain(`filename=${UPLOAD_NAME}`);
    expect(stored.raw).not.toMatch(/Steuerbescheid|application\/pdf/);
    const b = pair.bob.page;
    const reader = b.frameLocator('#messagebody iframe[data-offrecord=reader]');
    const decrypt = reader.locator('[data-offrecord=decrypt-file]');
    await decrypt.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([b.waitForEvent('download', { timeout: 30_000 }), decrypt.click()]);
    expect(download.suggestedFilename()).toBe(TO_BOB);
    const saved = readFileSync((await download.path())!);
    expect(saved.length).toBe(toBob.length);
    expect(Buffer.compare(saved, toBob)).toBe(0);
  });

  it("bob attaches 1 MB with text; alice's Firefox reader decrypts and saves it byte-identical", async () => {
    const b = pair.bob.page;
    await roundcubeOpenCompose(b, stack.url);
    await roundcubeFillHeaders(b, 'alice', 'Re: Private message');
    await expect.poll(() => b.locator('iframe[data-offrecord=compose]').count(), { timeout: 30_000 }).toBe(1);
    await menu(b, 'attach');
    const attach = b.frameLocator('iframe[data-offrecord=attach]');
    const input = attach.locator('[data-offrecord=attach-input]');
    await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
    await input.setInputFiles(join(dir, TO_ALICE));
    await expect.poll(() => attach.locator('[data-offrecord=attach-status]').textContent(), { timeout: 30_000 }).toContain('Encrypted and attached');
    await b.locator('#attachment-list li:not(.uploading)', { hasText: UPLOAD_NAME }).waitFor({ timeout: 30_000 });
    await attach.locator('[data-offrecord=attach-close]').click();
    await typePrivate(b, WITH_FILE);
    await roundcubeLeftCompose(b);

    const { alice } = pair;
    await pair.aliceOpensNext();
    await ffPoll(() => ffReaders(alice, '#messagebody'), (t) => t.includes(WITH_FILE), 30_000, 'the reader to show bob’s text');
    let reader: FfFrame | undefined;
    await ffPoll(
      async () => {
        for (const f of extensionFrames(alice, 'reader')) if (await f.$('[data-offrecord=decrypt-file]').catch(() => null)) reader = f;
        return !!reader;
      },
      (found) => found,
      30_000,
      'the reader to offer Decrypt and save',
    );
    await (await reader!.$('[data-offrecord=decrypt-file]'))!.click();
    const savedAt = join(downloads, TO_ALICE);
    const fileStatus = () => reader!.$eval('[data-offrecord=file-status]', (e) => e.textContent ?? '');
    await ffPoll(fileStatus, (t) => t.includes('Saved'), 30_000, 'the reader to say it saved the file');
    // Firefox writes the file under its own name once the download completes.
    await ffPoll(async () => existsSync(savedAt) && !existsSync(`${savedAt}.part`) && statSync(savedAt).size, (n) => n === toAlice.length, 30_000, 'the saved file');
    expect(Buffer.compare(readFileSync(savedAt), toAlice)).toBe(0);
  });

  it('the maildirs hold neither the names nor the contents', () => {
    const files = stack.storeFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const stored = readFileSync(file, 'latin1');
      const utf8 = readFileSync(file, 'utf8');
      for (const w of [MARKER_TO_BOB, MARKER_TO_ALICE, 'Steuerbescheid', 'relev', FIRST, WITH_FILE]) {
        expect(stored.includes(w) || utf8.includes(w), `${w} in ${file}`).toBe(false);
      }
    }
  });
});
