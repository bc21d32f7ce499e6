/**
 * An encrypted file's announcement in webmail (issue 14): it must leave with the mail the file
 * is attached to, whether the user types private text (OffRecord sends) or presses the site's
 * own Send with nothing typed. So it goes into the mail's body as soon as it is carried, and
 * typed text later replaces the body with both, the announcement first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteAdapter } from '../../src/adapters/core/types';
import { WireSender } from '../../src/overlay/sender';

/** A compose screen: a body field, and Send mails what the body holds. */
function composeScreen(opts: { refuses?: boolean } = {}) {
  document.body.replaceChildren();
  const body = document.createElement('textarea');
  document.body.append(body);
  if (opts.refuses) {
    // A body that drops what is set from outside (as a broken editor would).
    body.addEventListener('input', () => (body.value = ''));
  }
  const mailed: string[] = [];
  const notices: string[] = [];
  const siteSend = () => {
    mailed.push(body.value);
    body.value = '';
  };
  const adapter = {
    id: 'webmail', name: 'Webmail', matches: [], editor: 'value-setter', maxMessageLength: 1_000_000, sendPacingMs: 0,
    conversation: () => ({ peerId: 'bob@example.test', account: 'alice@example.test', title: 'bob' }),
    composer: () => body,
    sendButton: () => null,
    send: siteSend,
    messageList: () => null,
    messages: () => [],
    mail: {
      threadId: () => 'bob@example.test|private message',
      bodies: () => [],
      quoteSelectors: [],
      subject: () => null,
      attachmentInput: () => null,
      editorFor: () => 'value-setter',
    },
  } satisfies SiteAdapter;
  const sender = new WireSender(document, adapter, {
    sending: () => undefined,
    notice: (t) => notices.push(t),
    refocus: () => undefined,
    composeFocused: () => false,
  });
  return { sender, body, mailed, notices, siteSend };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

afterEach(() => document.body.replaceChildren());

describe("WireSender: a file's announcement in a mail", () => {
  it("is in the body at once, so the site's own Send carries it with nothing typed", async () => {
    const { sender, body, mailed, siteSend } = composeScreen();
    sender.carry(['?OTR:announce-file-1.']);
    await until(() => body.value === '?OTR:announce-file-1.');
    sender.carry(['?OTR:announce-file-2.']);
    await until(() => body.value === '?OTR:announce-file-1.\n\n?OTR:announce-file-2.');
    siteSend(); // the user presses the site's Send
    expect(mailed).toEqual(['?OTR:announce-file-1.\n\n?OTR:announce-file-2.']);
  });

  it('goes once, ahead of typed text, when OffRecord sends the mail', async () => {
    const { sender, body, mailed } = composeScreen();
    sender.carry(['?OTR:announce.']);
    await until(() => body.value === '?OTR:announce.');
    sender.enqueue(['?OTR:typed-text.']);
    await until(() => mailed.length === 1);
    expect(mailed).toEqual(['?OTR:announce.\n\n?OTR:typed-text.']);
    // Nothing is carried on into a later mail.
    sender.enqueue(['?OTR:next.']);
    await until(() => mailed.length === 2);
    expect(mailed[1]).toBe('?OTR:next.');
  });

  it('tells the user before sending when the body would not take it', async () => {
    const { sender, notices } = composeScreen({ refuses: true });
    sender.carry(['?OTR:announce.']);
    await until(() => notices.length === 1);
    expect(notices[0]).toMatch(/send_carry_failed|file's key/);
  });
});
