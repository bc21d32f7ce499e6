/**
 * "Attach encrypted file" in a chat that takes uploads (issue 14): The Lounge with
 * `fileUpload.enable`, two Chromium profiles in a private query. Alice picks a 1 MB file in
 * OffRecord's attach frame; the ciphertext goes through The Lounge's own upload input under a
 * neutral name, and the key's announcement (OTR, TLV 8) then the upload's link go out as
 * messages. Bob's reader offers "Decrypt and save"; the extension fetches the link and the
 * saved file is byte-identical. The Lounge's upload folder holds only ciphertext: no name, no
 * plaintext bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startIrcStack, type IrcStack } from '../stacks/index';
import { tempDir, removeDir } from '../stacks/process';
import { loungeJoin, loungeQuery } from './helpers/chat';
import { acceptPrivate, menu, readyProfiles, scrollDown, typePrivate, waitReader, waitState, type Profile } from './overlay-kit';
import { UPLOAD_NAME } from '../../src/files/neutral-upload';

const LIST = '#chat .chat-view .messages';
const FILE_NAME = 'Quartalszahlen Q3.xlsx';
const MARKER = 'OFFRECORD-CHAT-UPLOAD-MARKER-91d4';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** The reader frame that offers "Decrypt and save", once it shows. */
async function fileReader(page: Page): Promise<Frame> {
  let found: Frame | undefined;
  await expect
    .poll(async () => {
      await scrollDown(page, LIST);
      for (const f of page.frames().filter((x) => x.url().includes('/reader.html'))) {
        if (await f.locator('[data-offrecord=decrypt-file]').count().catch(() => 0)) found = f;
      }
      return !!found;
    }, { timeout: 30_000, interval: 250 })
    .toBe(true);
  return found!;
}

describe('encrypted file through The Lounge upload, private query (Chromium)', () => {
  let irc: IrcStack;
  let alice: Profile;
  let bob: Profile;
  let dir: string;
  let contents: Buffer;

  beforeAll(async () => {
    dir = tempDir('lounge-files');
    contents = randomBytes(1024 * 1024);
    contents.write(MARKER, 8192, 'latin1');
    writeFileSync(join(dir, FILE_NAME), contents);
    [irc, [alice, bob]] = await Promise.all([startIrcStack({ uploads: true }), readyProfiles('lounge-attach-alice', 'lounge-attach-bob')]);
    await Promise.all([loungeJoin(alice.page, irc.url, 'alice'), loungeJoin(bob.page, irc.url, 'bob')]);
    await Promise.all([loungeQuery(alice.page, 'bob'), loungeQuery(bob.page, 'alice')]);
  }, 120_000);

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await irc?.stop();
    if (dir) removeDir(dir);
  });

  it('goes private in the query', async () => {
    await waitState(alice.page, 'plaintext');
    await menu(alice.page, 'start');
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    await typePrivate(alice.page, 'a file follows');
    await waitReader(bob.page, 'a file follows', LIST);
  });

  it('alice attaches 1 MB: uploaded by The Lounge under a neutral name, its link posted after the key', async () => {
    const a = alice.page;
    await menu(a, 'attach');
    const attach = a.frameLocator('iframe[data-offrecord=attach]');
    const input = attach.locator('[data-offrecord=attach-input]');
    await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
    await input.setInputFiles(join(dir, FILE_NAME));
    await expect.poll(() => attach.locator('[data-offrecord=attach-status]').textContent(), { timeout: 30_000 }).toContain('Encrypted and attached');
    await attach.locator('[data-offrecord=attach-close]').click();
    await expect.poll(() => a.locator('iframe[data-offrecord=attach]').count()).toBe(0);
    // The link shows in both views as The Lounge renders it; never the file's name.
    for (const page of [a, bob.page]) {
      const link = page.locator(`${LIST} a[href*="/uploads/"]`);
      await expect.poll(() => link.count(), { timeout: 60_000 }).toBe(1);
      expect(await link.getAttribute('href')).toMatch(new RegExp(`/uploads/[0-9a-f]{16}/${UPLOAD_NAME.replace('.', '\\.')}$`));
      expect(await page.locator(LIST).textContent()).not.toContain('Quartalszahlen');
    }
  });

  it('bob decrypts and saves it from the link: byte-identical, under its real name', async () => {
    const b = bob.page;
    const reader = await fileReader(b);
    const [download] = await Promise.all([b.waitForEvent('download', { timeout: 30_000 }), reader.locator('[data-offrecord=decrypt-file]').click()]);
    expect(download.suggestedFilename()).toBe(FILE_NAME);
    const saved = readFileSync((await download.path())!);
    expect(saved.length).toBe(contents.length);
    expect(Buffer.compare(saved, contents)).toBe(0);
    await expect.poll(() => reader.locator('[data-offrecord=file-status]').textContent()).toContain('Saved');
  });

  it("The Lounge's upload folder holds only ciphertext: no name, no plaintext bytes", () => {
    const files = filesUnder(irc.uploadsDir);
    expect(files).toHaveLength(1);
    const stored = readFileSync(files[0]!);
    expect(relative(irc.uploadsDir, files[0]!)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{16}$/);
    expect(stored.length).toBeGreaterThan(contents.length);
    expect(stored.includes(Buffer.from(MARKER, 'latin1'))).toBe(false);
    expect(stored.includes(contents.subarray(0, 64))).toBe(false);
    expect(stored.toString('latin1')).not.toContain('Quartalszahlen');
  });
});
