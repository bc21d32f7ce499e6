/**
 * The mail thread across browsers: bob in Chromium, alice in Firefox (firefox-esr, the MV2
 * build), both with the built extension, on the real stack (Roundcube 1.6, Postfix, Dovecot).
 * bob runs "always": his first mail carries his query, his D-H Commit and nothing readable.
 * Firefox answers the AKE from the mails alice opens and sends each answer in her reply (kept in
 * the add-on's storage meanwhile), shows bob's text in a reader frame in place of the
 * ciphertext, and sends alice's answer from the compose frame over TinyMCE. alice keeps
 * decrypted texts for the browser's session: an earlier mail shows again from that cache, and
 * as "encrypted earlier" once her Firefox has closed and opened again on the same profile; the
 * thread goes on in the same OTR session (no mail after the restart carries an AKE message).
 * Ten private mails go both ways in UTF-8 of several scripts, one with a 100 KB body; each
 * reader shows its exact text; the maildirs hold no plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailStack, MAIL_DOMAIN, type MailStack } from '../stacks/mail';
import { ffLockState, ffPoll, ffReaders, ffRequest, ffStatuses, ffType } from './helpers/firefox-kept';
import { BrowsersMailPair } from './helpers/mail-firefox';
import { otrKinds, plaintextInStore } from './helpers/mail-store';
import { readerTexts, waitReader, waitState } from './overlay-kit';

const FROM_BOB = 'Hallo Alice — Grüße aus Chromium ✓';
const FROM_ALICE = 'Merci Bob, réponse depuis Firefox 🙂';
/** Sent by bob while alice's Firefox is closed. */
const WHILE_CLOSED = 'Während du weg warst: Привет, Алиса! 👋';
const AFTER_RESTART = 'De retour — Firefox a redémarré ✓';
/** 100 KB of mixed scripts, in lines (UTF-8: one to four bytes a character). */
const LONG = Array.from({ length: 1400 }, (_, i) => `${i} Größe — 東京 ✓ ÇŞĞ 🙂 línea ${'ab'.repeat(20)}`).join('\n').slice(0, 100 * 1024);
/** Mails 5 to 10, bob and alice in turn (bob first); bob's 100 KB one goes to Firefox. */
const MORE = ['ελληνικά: καλημέρα', 'שלום — עברית', LONG, '東京で会いましょう 🗼', 'مرحبا, أليس', 'Fin. 終わり ✓'];
const ENCRYPTED_EARLIER = /^Encrypted earlier/;

describe.sequential('mail thread between Chromium and Firefox on Roundcube', () => {
  let stack: MailStack;
  let pair: BrowsersMailPair;
  /** alice's UID of bob's first private mail. */
  let firstUid = '';
  /** The mail last opened by whoever writes next (the reply answers it). */
  let lastUid = '';
  /** Mails in each INBOX when alice's Firefox closed. */
  const beforeRestart = { alice: 0, bob: 0 };

  const aliceReaders = () => ffReaders(pair.alice, '#messagebody');

  beforeAll(async () => {
    stack = await startMailStack();
    pair = new BrowsersMailPair(stack);
    await pair.launch('rc-ff');
    // Before anything is decrypted: with 'off' a text is dropped once its reader showed it.
    await ffRequest(pair.aliceFirefox, 'settings.set', { historyRetention: 'session' });
  }, 120_000);
  afterAll(async () => {
    await pair?.close();
    await stack?.stop();
  });

  it('runs the AKE by mail, and Firefox shows the text that waited for it', async () => {
    firstUid = await pair.goPrivate(FROM_BOB);
    expect(await aliceReaders()).toEqual([FROM_BOB]);
  });

  it('with texts kept for the session, the mail shows again from the cache', async () => {
    await pair.aliceShows(firstUid);
    expect(await ffPoll(aliceReaders, (t) => t.length === 1 && t[0] !== '…', 30_000, 'the reader of the mail opened again')).toEqual([FROM_BOB]);
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
    lastUid = await pair.bobOpensNext();
    const sent = stack.inbox('bob')[delivered.bob - 1]!;
    expect(sent.raw).toMatch(/Content-Type: text\/html/i);
    await waitReader(bob.page, FROM_ALICE, '#messagebody');
    expect(await readerTexts(bob.page)).toEqual([FROM_ALICE]);
  });

  it("alice's Firefox closes while bob writes, opens again on her profile, and the thread goes on in the same session", async () => {
    beforeRestart.alice = stack.inbox('alice').length;
    beforeRestart.bob = stack.inbox('bob').length;
    await pair.restartAlice(() => pair.bobWrites(lastUid, WHILE_CLOSED));
    const uid = await pair.aliceOpensNext();
    expect(await ffPoll(aliceReaders, (t) => t.length === 1 && t[0] !== '…', 30_000, 'the reader of the mail that came meanwhile')).toEqual([WHILE_CLOSED]);
    // The session's keys came back from disk: the lock is private at once, nothing to answer.
    expect(await ffPoll(() => ffLockState(pair.alice), (s) => s === 'private' || s === 'unverified', 20_000, 'the lock to be private')).toMatch(/private|unverified/);

    // The text decrypted before the restart was kept for that session only.
    await pair.aliceShows(firstUid);
    // Nothing kept for it now: a status line says "encrypted earlier", and no frame is made for it.
    const earlier = await ffPoll(() => ffStatuses(pair.alice), (t) => t.some((x) => ENCRYPTED_EARLIER.test(x.trim())), 30_000, 'the earlier mail\'s "encrypted earlier" line');
    expect(earlier.filter((x) => ENCRYPTED_EARLIER.test(x.trim()))).toHaveLength(1);
    expect(await aliceReaders()).toEqual([]);

    await pair.aliceWrites(uid, AFTER_RESTART);
    lastUid = await pair.bobOpensNext();
    await waitReader(pair.bob.page, AFTER_RESTART, '#messagebody');
    expect(await readerTexts(pair.bob.page)).toEqual([AFTER_RESTART]);
    await waitState(pair.bob.page, 'unverified');
  });

  it('six more private mails both ways in UTF-8, one of them 100 KB: each reader shows its exact text', async () => {
    expect(new TextEncoder().encode(LONG).length).toBeGreaterThanOrEqual(100 * 1024);
    let from: 'alice' | 'bob' = 'bob';
    for (const text of MORE) {
      const timeout = text === LONG ? 60_000 : 20_000;
      if (from === 'bob') {
        await pair.bobWrites(lastUid, text);
        lastUid = await pair.aliceOpensNext(timeout);
        const shown = await ffPoll(aliceReaders, (t) => t.length === 1 && t[0] !== '…', timeout, `alice's reader of mail ${JSON.stringify(text.slice(0, 20))}`);
        expect(shown).toEqual([text]);
      } else {
        await pair.aliceWrites(lastUid, text);
        lastUid = await pair.bobOpensNext(timeout);
        await waitReader(pair.bob.page, text, '#messagebody', timeout);
        expect(await readerTexts(pair.bob.page)).toEqual([text]);
      }
      from = from === 'bob' ? 'alice' : 'bob';
    }
    expect(pair.delivered).toEqual({ alice: 7, bob: 7 });
  }, 150_000);

  it('no AKE after the restart: every mail since carries one OTR data message, and only the first a D-H Commit', () => {
    const alice = stack.inbox('alice').map(otrKinds);
    const bob = stack.inbox('bob').map(otrKinds);
    expect(alice.slice(beforeRestart.alice)).toEqual(Array(alice.length - beforeRestart.alice).fill(['data']));
    expect(bob.slice(beforeRestart.bob)).toEqual(Array(bob.length - beforeRestart.bob).fill(['data']));
    expect([...alice, ...bob].flat().filter((k) => k === 'dh-commit')).toHaveLength(1);
    expect(alice[0]).toContain('dh-commit');
  });

  it('no plaintext is stored in any maildir', () => {
    const texts = [FROM_BOB, FROM_ALICE, WHILE_CLOSED, AFTER_RESTART, ...MORE.filter((t) => t !== LONG)];
    const words = ['Grüße', 'Chromium', 'réponse', 'Привет', 'redémarré', 'Größe', 'línea', '東京', 'καλημέρα', 'עברית', 'مرحبا', '終わり'];
    expect(plaintextInStore(stack, [...texts, ...words, LONG.slice(0, 40), LONG.slice(50_000, 50_040)])).toEqual([]);
    // The check sees the store: the subject, which OTR leaves in the clear, is there.
    expect(plaintextInStore(stack, ['Re: Private message']).length).toBeGreaterThan(0);
  });
});
