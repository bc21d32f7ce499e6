/**
 * The mail body normaliser on real mails captured from Postfix/Dovecot/Roundcube (raw RFC 822
 * parts as stored, and Roundcube's rendered view), then on mangled variants of their ciphertext.
 */
import { describe, expect, it } from 'vitest';
import { normaliseMailBody, decodeQuotedPrintable } from '../../src/adapters/core/mail-body';
import { normaliseMailElement } from '../../src/adapters/core/mail-dom';
import { dataMessageAuthenticated, decodeMessage, encodeDataMessage } from '../../src/otr/messages';
import { capturedMails, fixtureDocument, fixtureText, textParts } from './mail-fixtures';

const compact = (s: string): string => s.replace(/\s+/g, '');

function viewBody(name: string): Element {
  const body = fixtureDocument(`${name}.view.html`).querySelector('#messagebody');
  if (!body) throw new Error(`${name}: no #messagebody`);
  return body;
}

describe('mail body normaliser: real mails from the stack', () => {
  it('has captured mails of every kind and editor', () => {
    expect(capturedMails.map((m) => `${m.kind}/${m.editor}`).sort()).toEqual(['forward/plain', 'new/html', 'new/plain', 'new/plain', 'reply/html', 'reply/plain']);
  });

  for (const mail of capturedMails) {
    describe(mail.name, () => {
      const check = (got: ReturnType<typeof normaliseMailBody>): void => {
        if (mail.own) {
          expect(got.body).toEqual({ kind: 'otr', text: mail.own, more: [] });
          // What we hand on is a message the engine's own decoder reads whole.
          expect(decodeMessage(mail.own).kind).toBe('data');
        } else {
          expect(got.body).toEqual({ kind: 'plain' });
        }
        expect(got.quoted.map((q) => q.text)).toEqual(mail.quoted.map(compact));
        const how = mail.kind === 'forward' ? 'forwarded' : 'quoted';
        for (const q of got.quoted) expect(q.how).toBe(how);
      };

      it('every text part of the stored message (as transported: quoted-printable, HTML)', () => {
        const parts = textParts(fixtureText(`${mail.name}.eml`));
        expect(parts.map((p) => p.type)).toEqual(mail.editor === 'html' ? ['text/plain', 'text/html'] : ['text/plain']);
        for (const part of parts) check(normaliseMailBody(part.body));
      });

      it("Roundcube's rendered view of it", () => {
        check(normaliseMailElement(viewBody(mail.name)));
      });
    });
  }

  it('the HTML part of an HTML mail really is quoted-printable with soft breaks inside the ciphertext', () => {
    const html = textParts(fixtureText('html-new.eml')).find((p) => p.type === 'text/html')!;
    expect(html.encoding).toBe('quoted-printable');
    expect(html.body).toMatch(/\?OTR:[A-Za-z0-9+/]+=\n[A-Za-z0-9+/]/);
  });

  it('the long plain mail really arrives hard-wrapped inside the ciphertext', () => {
    const plain = textParts(fixtureText('plain-long.eml'))[0]!;
    expect(plain.body.split('\n').filter((l) => /^[A-Za-z0-9+/]{20,}/.test(l)).length).toBeGreaterThan(1);
  });
});

describe('mail body normaliser: mangled ciphertext', () => {
  const long = capturedMails.find((m) => m.name === 'plain-long')!.own!;
  const short = capturedMails.find((m) => m.name === 'plain-new')!.own!;
  const wrap = (s: string, n: number): string => s.match(new RegExp(`.{1,${n}}`, 'g'))!.join('\n');
  const noDot = (s: string): string => s.slice(0, -1);

  it('line-wrapped at 76 columns is joined', () => {
    expect(normaliseMailBody(wrap(long, 76)).body).toEqual({ kind: 'otr', text: long, more: [] });
  });

  it('quoted-printable soft breaks and =3D escapes are undone', () => {
    const qp = wrap(long.replace(/=/g, '=3D'), 75).replace(/\n/g, '=\n');
    expect(decodeQuotedPrintable(qp)).toBe(long);
    expect(normaliseMailBody(`Hi,=\n\n${qp}\n`).body).toEqual({ kind: 'otr', text: long, more: [] });
  });

  it('HTML-wrapped base64 (<br>, <wbr>, paragraphs, entities) is unwrapped', () => {
    const html = `<div><p>${wrap(long, 60).replace(/\n/g, '<br>').replace(/\+/g, '&#43;').replace(/\//g, '<wbr>/')}</p><p>&nbsp;</p></div>`;
    expect(normaliseMailBody(html).body).toEqual({ kind: 'otr', text: long, more: [] });
  });

  it('a lost final "." is tolerated when the message layout proves it whole', () => {
    for (const text of [long, short]) {
      expect(normaliseMailBody(noDot(text)).body).toEqual({ kind: 'otr', text, more: [] });
      expect(normaliseMailBody(`${wrap(noDot(text), 76)}\nCheers, Alice`).body).toEqual({ kind: 'otr', text, more: [] });
      expect(normaliseMailBody(`${wrap(noDot(text), 76)}\n\nCheers`).body).toEqual({ kind: 'otr', text, more: [] });
    }
  });

  it('a lost final "." with other text glued on the same line is damaged, not guessed', () => {
    // A ciphertext whose length needs no padding, so the glued letters look like more base64.
    const owns = capturedMails.flatMap((m) => (m.own ? [m.own] : []));
    const unpadded = owns.find((t) => !t.includes('='));
    const padded = owns.find((t) => t.includes('='));
    expect(unpadded && padded, 'the captured mails include both padded and unpadded ciphertext').toBeTruthy();
    expect(normaliseMailBody(`${noDot(unpadded!)}Cheers`).body).toEqual({ kind: 'damaged', reason: 'unterminated', detail: expect.any(String) });
    // With padding, the "=" closes the base64 and the message is proved whole.
    expect(normaliseMailBody(`${noDot(padded!)}Cheers`).body).toEqual({ kind: 'otr', text: padded, more: [] });
  });

  it('a missing line in the middle is damaged', () => {
    const lines = wrap(long, 76).split('\n');
    lines.splice(3, 1);
    const got = normaliseMailBody(lines.join('\n')).body;
    expect(got.kind).toBe('damaged');
  });

  it('a missing last line without the "." is damaged (truncated)', () => {
    const lines = wrap(noDot(long), 76).split('\n');
    const got = normaliseMailBody(lines.slice(0, -1).join('\n')).body;
    expect(got).toMatchObject({ kind: 'damaged', reason: 'truncated' });
  });

  it('a character changed into non-base64 is damaged, never shown in part', () => {
    const broken = long.slice(0, 200) + '*' + long.slice(201);
    expect(normaliseMailBody(broken).body.kind).toBe('damaged');
  });

  it('quoted ciphertext is kept apart and never becomes the body', () => {
    const got = normaliseMailBody(`Thanks!\n\nOn Monday, alice wrote:\n> ${wrap(long, 70).replace(/\n/g, '\n> ')}\n`);
    expect(got.body).toEqual({ kind: 'plain' });
    expect(got.quoted).toEqual([{ how: 'quoted', text: long }]);
  });

  it('a quote wrap that split "?" from "OTR:" (as Roundcube does) is still seen as quoted ciphertext', () => {
    const got = normaliseMailBody(`${short}\n\nOn Monday, alice wrote:\n> ?\n> ${long.slice(1)}\n`);
    expect(got.body).toEqual({ kind: 'otr', text: short, more: [] });
    expect(got.quoted).toEqual([{ how: 'quoted', text: long }]);
  });

  it('a forwarded ciphertext is kept apart', () => {
    const got = normaliseMailBody(`FYI\n\n---------- Forwarded message ---------\nFrom: alice\n\n${wrap(long, 76)}\n`);
    expect(got).toEqual({ body: { kind: 'plain' }, quoted: [{ how: 'forwarded', text: long }], ownText: 'FYI' });
  });

  it('plain mail is plain; a query message with its invitation is OTR', () => {
    expect(normaliseMailBody('Just a normal mail.\n\n> quoted normal text\n')).toEqual({ body: { kind: 'plain' }, quoted: [], ownText: 'Just a normal mail.' });
    const invite = '?OTRv3?\nalice@offrecord.test has requested an Off-the-Record private conversation.';
    expect(normaliseMailBody(invite).body).toEqual({ kind: 'otr', text: '?OTRv3?', more: [] });
  });

  it('a 100 KB data message line-wrapped at 76 columns is joined whole', () => {
    const header = { version: 3 as const, type: 0x03, senderTag: 0x101, receiverTag: 0x202 };
    const body = { flags: 0, senderKeyId: 1, recipientKeyId: 1, nextDh: 2n ** 1535n + 7n, ctr: new Uint8Array(8), encrypted: new Uint8Array(100 * 1024).fill(0xa5) };
    const text = encodeDataMessage(dataMessageAuthenticated(header, body), new Uint8Array(20), new Uint8Array(0));
    expect(text.length).toBeGreaterThan(130_000);
    const reply = `${wrap(text, 76)}\n\nOn Monday, alice wrote:\n> ${wrap(short, 70).replace(/\n/g, '\n> ')}\n`;
    expect(normaliseMailBody(reply)).toMatchObject({ body: { kind: 'otr', text, more: [] }, quoted: [{ how: 'quoted', text: short }] });
  });

  it('several messages in one body come out in order', () => {
    expect(normaliseMailBody(`${short}\n${wrap(long, 76)}`).body).toEqual({ kind: 'otr', text: short, more: [long] });
  });
});
