/**
 * The built extension in Chromium on the real mail stack (Postfix, Dovecot, Roundcube 1.6):
 * Roundcube is recognised from the page on loopback, the lock sits beside the compose editor in
 * both editor modes, and starting a private thread sends a real mail whose body carries the OTR
 * query (checked in the recipient's Maildir and through the mail body normaliser).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailStack, type MailStack } from '../stacks/mail';
import { lock, menu, readyProfiles, waitState, type Profile } from './overlay-kit';
import { roundcubeFillHeaders, roundcubeLogin, roundcubeOpenCompose, roundcubeUseHtmlEditor, waitForDelivery } from './helpers/mail';
import { normaliseMailBody } from '../../src/adapters/core/mail-body';
import { textParts } from '../adapters/mail-fixtures';

describe('extension on Roundcube (Chromium)', () => {
  let stack: MailStack;
  let alice: Profile;

  beforeAll(async () => {
    [stack, [alice]] = await Promise.all([startMailStack(), readyProfiles('roundcube-alice')]);
    await alice.page.setViewportSize({ width: 1400, height: 900 });
    await roundcubeLogin(alice.page, stack.url, 'alice');
  });
  afterAll(async () => {
    await alice?.close();
    await stack?.stop();
  });

  it('shows the lock beside the plain-text editor once a recipient is given', async () => {
    const page = alice.page;
    await roundcubeOpenCompose(page, stack.url);
    await roundcubeFillHeaders(page, 'bob', 'Private message');
    await expect.poll(() => lock(page).count(), { timeout: 30_000 }).toBe(1);
    // The lock shows a state once the background answered (never a guess before).
    await waitState(page, 'plaintext');
    const box = (await lock(page).boundingBox())!;
    const editor = (await page.locator('textarea#composebody').boundingBox())!;
    // Beside the editor: within its height band and near its horizontal extent.
    expect(box.y + box.height).toBeGreaterThan(editor.y - 40);
    expect(box.y).toBeLessThan(editor.y + editor.height + 40);
    expect(box.x).toBeGreaterThan(editor.x - 200);
    expect(box.x).toBeLessThan(editor.x + editor.width + 200);
  });

  it('starting a private thread sends a mail carrying the OTR query', async () => {
    const page = alice.page;
    await menu(page, 'start');
    // The query goes out through Roundcube's own Send: it leaves the compose screen.
    await page.waitForURL((u) => !u.search.includes('_action=compose'), { timeout: 30_000 });
    const stored = await waitForDelivery(stack, 'bob', (m) => m.raw.includes('Subject: Private message'));
    const [part] = textParts(stored.raw);
    const found = normaliseMailBody(part!.body);
    expect(found.body.kind).toBe('otr');
    expect(found.body.kind === 'otr' && found.body.text).toMatch(/^\?OTRv[23]+\?$/);
  });

  it('shows the lock beside the HTML (TinyMCE) editor too', async () => {
    const page = alice.page;
    await roundcubeOpenCompose(page, stack.url);
    await roundcubeUseHtmlEditor(page);
    await roundcubeFillHeaders(page, 'bob', 'Private html');
    await expect.poll(() => lock(page).count(), { timeout: 30_000 }).toBe(1);
    // TinyMCE's body lives in a frame: the lock is placed from the frame's box in the page.
    const editor = (await page.locator('iframe#composebody_ifr').boundingBox())!;
    await expect
      .poll(async () => {
        const box = await lock(page).boundingBox();
        return !!box && box.y + box.height > editor.y - 40 && box.y < editor.y + 40 && box.x > editor.x && box.x < editor.x + editor.width;
      })
      .toBe(true);
  });

  it('says subjects are not encrypted and offers a neutral one', async () => {
    const page = alice.page;
    await page.fill('#compose-subject', 'Salary talk with Carol');
    await menu(page, 'neutral-subject');
    await expect.poll(() => page.inputValue('#compose-subject')).toBe('Private message');
    await lock(page).click();
    await expect.poll(() => page.locator('[data-offrecord=subject-note]').textContent()).toContain('Subjects are not encrypted');
  });
});
