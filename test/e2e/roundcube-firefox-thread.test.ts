/**
 * The mail thread across browsers: bob in Chromium, alice in Firefox (firefox-esr, the MV2
 * build), both with the built extension, on the real stack (Roundcube 1.6, Postfix, Dovecot).
 * bob runs "always": his first mail carries his query, his D-H Commit and nothing readable.
 * Firefox answers the AKE from the mails alice opens and sends each answer in her reply (kept in
 * the add-on's storage meanwhile), shows bob's text in a reader frame in place of the
 * ciphertext, and sends alice's answer from the compose frame over TinyMCE. The maildirs hold no
 * plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startMailStack, MAIL_DOMAIN, type MailStack } from '../stacks/mail';
import { ffReaders, ffType } from './helpers/firefox-kept';
import { BrowsersMailPair } from './helpers/mail-firefox';
import { waitReader } from './overlay-kit';

const FROM_BOB = 'Hallo Alice — Grüße aus Chromium ✓';
const FROM_ALICE = 'Merci Bob, réponse depuis Firefox 🙂';

describe.sequential('mail thread between Chromium and Firefox on Roundcube', () => {
  let stack: MailStack;
  let pair: BrowsersMailPair;

  beforeAll(async () => {
    stack = await startMailStack();
    pair = new BrowsersMailPair(stack);
    await pair.launch('rc-ff');
  }, 120_000);
  afterAll(async () => {
    await pair?.close();
    await stack?.stop();
  });

  it('runs the AKE by mail, and Firefox shows the text that waited for it', async () => {
    await pair.goPrivate(FROM_BOB);
    expect(await ffReaders(pair.alice, '#messagebody')).toEqual([FROM_BOB]);
  });

  it('alice answers from the compose frame over TinyMCE in Firefox', async () => {
    const { alice, bob, delivered } = pair;
    await alice.goto(`${stack.url}?_task=mail&_action=compose`);
    await alice.waitForSelector('#composebody', { timeout: 20_000 });
    await alice.waitForFunction(() => (window as unknown as { rcmail?: { commands: Record<string, unknown> } }).rcmail?.commands['toggle-editor'] === true);
    await alice.evaluate(() => {
      (window as unknown as { rcmail: { command(c: string, p: unknown): unknown } }).rcmail.command('toggle-editor', { id: 'composebody', html: true });
    });
    await alice.waitForSelector('iframe#composebody_ifr', { timeout: 20_000 });
    await alice.type('#compose_to ul.recipient-input input', `bob@${MAIL_DOMAIN}`);
    await alice.keyboard.press('Enter');
    await alice.type('#compose-subject', 'Re: Private message');
    await ffType(alice, FROM_ALICE);
    await pair.aliceLeftCompose();
    await pair.bobOpensNext();
    const sent = stack.inbox('bob')[delivered.bob - 1]!;
    expect(sent.raw).toMatch(/Content-Type: text\/html/i);
    await waitReader(bob.page, FROM_ALICE, '#messagebody');
  });

  it('no plaintext is stored in any maildir', () => {
    const words = [FROM_BOB, FROM_ALICE, 'Grüße', 'Chromium', 'réponse', 'Firefox'];
    for (const file of stack.storeFiles()) {
      const utf8 = readFileSync(file, 'utf8');
      const latin1 = readFileSync(file, 'latin1');
      for (const w of words) expect(utf8.includes(w) || latin1.includes(w), `${w} in ${file}`).toBe(false);
    }
  });
});
