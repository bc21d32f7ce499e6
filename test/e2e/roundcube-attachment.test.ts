/**
 * "Attach encrypted file" between two Chromium profiles on the real mail stack (Roundcube 1.6,
 * Postfix, Dovecot), after a private thread was set up by mail. alice picks the file in
 * OffRecord's attach frame (extension origin): over 25 MB it is refused before any work; a
 * 1 MB file is encrypted under a key from the session's extra symmetric key and goes through
 * Roundcube's own attachment input under a neutral name, its key announced in the same mail.
 * bob's reader frame offers "Decrypt and save", and the saved file is byte-identical; an
 * attachment changed on the way fails authentication and the reader says so. The store holds
 * neither the file's name nor its contents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startMailStack, type MailStack } from '../stacks/mail';
import { tempDir, removeDir } from '../stacks/process';
import { earlierLines, launchProfile, menu, readerStatuses, typePrivate, waitReader, type Profile } from './overlay-kit';
import { MailPair } from './helpers/mail-thread';
import { roundcubeFillHeaders, roundcubeLeftCompose, roundcubeOpenCompose, smtpSend, waitForDelivery } from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { textParts } from '../adapters/mail-fixtures';
import { UPLOAD_NAME } from '../../src/files/neutral-upload';

const FIRST = 'Grüße — the payslip follows in the next mail';
const WITH_FILE = 'Here it is, encrypted ✓';
const FILE_NAME = 'Gehaltsabrechnung März.pdf';
const MARKER = 'OFFRECORD-ATTACHMENT-MARKER-5c1e';

describe('encrypted attachment through the lock menu, Roundcube to Roundcube (Chromium)', () => {
  let stack: MailStack;
  let alice: Profile;
  let bob: Profile;
  let pair: MailPair;
  let dir: string;
  let contents: Buffer;

  beforeAll(async () => {
    dir = tempDir('attach-files');
    contents = randomBytes(1024 * 1024);
    contents.write(MARKER, 4096, 'latin1');
    writeFileSync(join(dir, FILE_NAME), contents);
    // 25 MB and one byte, sparse: the size alone must refuse it.
    const big = openSync(join(dir, 'too-big.bin'), 'w');
    ftruncateSync(big, 25 * 1024 * 1024 + 1);
    closeSync(big);
    [stack, alice, bob] = await Promise.all([startMailStack(), launchProfile('rc-attach-alice'), launchProfile('rc-attach-bob')]);
    pair = new MailPair(stack, alice, bob);
    await Promise.all([pair.prepare('alice', 'always'), pair.prepare('bob', 'always')]);
  }, 120_000);
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await stack?.stop();
    if (dir) removeDir(dir);
  });

  it('goes private by mail', async () => {
    await pair.goPrivate(FIRST);
  });

  it('refuses a file over 25 MB before encrypting, then attaches 1 MB under a neutral name', async () => {
    const a = alice.page;
    await roundcubeOpenCompose(a, stack.url);
    await roundcubeFillHeaders(a, 'bob', 'Private message');
    await expect.poll(() => a.locator('iframe[data-offrecord=compose]').count(), { timeout: 30_000 }).toBe(1);
    await menu(a, 'attach');
    const attach = a.frameLocator('iframe[data-offrecord=attach]');
    const input = attach.locator('[data-offrecord=attach-input]');
    await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
    const status = attach.locator('[data-offrecord=attach-status]');

    await input.setInputFiles(join(dir, 'too-big.bin'));
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain('up to 25 MB');
    expect(await status.textContent()).toContain('Nothing was encrypted or sent');
    expect(await a.locator('#attachment-list li').count()).toBe(0);

    await input.setInputFiles(join(dir, FILE_NAME));
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Encrypted and attached');
    // Roundcube lists the upload once its server has stored it: under the neutral name only.
    await a.locator('#attachment-list li:not(.uploading)', { hasText: UPLOAD_NAME }).waitFor({ timeout: 30_000 });
    expect(await a.locator('#attachment-list').textContent()).not.toContain('Gehaltsabrechnung');
    await attach.locator('[data-offrecord=attach-close]').click();
    await expect.poll(() => a.locator('iframe[data-offrecord=attach]').count()).toBe(0);

    await typePrivate(a, WITH_FILE);
    await roundcubeLeftCompose(a);
    await waitForDelivery(stack, 'bob', () => stack.inbox('bob').length > pair.delivered.bob);
    const stored = stack.inbox('bob')[pair.delivered.bob]!;
    expect(stored.raw).toContain(`filename=${UPLOAD_NAME}`);
    expect(stored.raw).not.toMatch(/Gehaltsabrechnung|application\/pdf/);
  });

  it('bob decrypts and saves it: byte-identical, under its real name; a changed attachment fails authentication', async () => {
    const b = bob.page;
    await pair.openNext('bob');
    await waitReader(b, WITH_FILE, '#messagebody');
    const reader = b.frameLocator('#messagebody iframe[data-offrecord=reader]');
    const decrypt = reader.locator('[data-offrecord=decrypt-file]');
    const fileStatus = reader.locator('[data-offrecord=file-status]');

    // One byte of the ciphertext flipped on its way from the server.
    await b.route(/_action=get/, async (route) => {
      const response = await route.fetch();
      const body = await response.body();
      const at = body.length - 40;
      body.writeUInt8(body.readUInt8(at) ^ 0x01, at);
      await route.fulfill({ response, body });
    });
    await decrypt.click();
    await expect.poll(() => fileStatus.textContent(), { timeout: 30_000 }).toContain('failed authentication');
    await b.unroute(/_action=get/);

    const [download] = await Promise.all([b.waitForEvent('download', { timeout: 30_000 }), decrypt.click()]);
    expect(download.suggestedFilename()).toBe(FILE_NAME);
    const saved = readFileSync((await download.path())!);
    expect(saved.length).toBe(contents.length);
    expect(Buffer.compare(saved, contents)).toBe(0);
    await expect.poll(() => fileStatus.textContent()).toContain('Saved');
  });

  it('the same mail replayed later (sent again by someone else) shows as encrypted earlier: no error, not decrypted again', async () => {
    const original = stack.inbox('bob')[pair.delivered.bob - 1]!;
    const found = normaliseMailBody(textParts(original.raw)[0]!.body);
    if (found.body.kind !== 'otr') throw new Error(`the mail carried ${found.body.kind}`);
    const ciphertexts = [found.body.text, ...found.body.more];
    expect(ciphertexts).toHaveLength(2); // the file's announcement, then the text
    // Wrapped at 76 as mail clients do; SMTP lines must not start with ".": a lone final "." joins its line.
    const lines = ciphertexts.flatMap((c) => [...c.match(/.{1,76}/g)!, '']).join('\n').replace(/\n\.\n/g, '.\n');
    await smtpSend(stack, 'alice', 'bob', 'Re: Private message', lines);
    await pair.openNext('bob');
    const b = bob.page;
    // Bob read it before, and its text went once shown (the default Privacy setting): a status
    // line says so, with no reader frame (display 'gone'; spare readers loaded ahead have no status).
    await expect.poll(() => earlierLines(b), { timeout: 30_000 }).toBe(1);
    expect((await readerStatuses(b)).filter(Boolean)).toEqual([]);
    expect(await b.locator('[data-offrecord=status]').allTextContents()).not.toContainEqual(expect.stringContaining(WITH_FILE));
    expect(await b.locator('[data-offrecord=status][data-offrecord-status=warn]').count()).toBe(0);
  });

  it('the IMAP store holds neither the name nor the contents', () => {
    const files = stack.storeFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const stored = readFileSync(file, 'latin1');
      for (const w of [MARKER, 'Gehaltsabrechnung', WITH_FILE, FIRST]) expect(stored.includes(w), `${w} in ${file}`).toBe(false);
    }
  });
});
