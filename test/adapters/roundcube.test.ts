// The Roundcube adapter against pages saved from a live Roundcube 1.6.5 (Debian) on Postfix and
// Dovecot: the compose screen in both editor modes and the mail view (test/fixtures/mail/).
import { describe, expect, it } from 'vitest';
import { roundcube } from '../../src/adapters/sites/roundcube';
import { pickAdapter } from '../../src/adapters/core/registry';
import { capturedMails, fixtureDocument, fixtureText } from './mail-fixtures';

const mail = roundcube.mail!;

describe('Roundcube adapter: recognition', () => {
  it('recognises Roundcube from the page, on loopback out of the box', () => {
    for (const file of ['compose-plain.html', 'compose-html.html', 'plain-new.view.html']) {
      const doc = fixtureDocument(file);
      expect(roundcube.detect!(doc)).toBe(true);
      expect(pickAdapter(doc, { url: 'http://127.0.0.1:8080/?_task=mail' })?.id).toBe('roundcube');
      // Elsewhere only once the user allowed the origin.
      expect(pickAdapter(doc, { url: 'https://mail.example.org/' })).toBeNull();
      expect(pickAdapter(doc, { url: 'https://mail.example.org/', allowedOrigins: ['https://mail.example.org'] })?.id).toBe('roundcube');
    }
    expect(roundcube.detect!(new DOMParser().parseFromString('<html><body class="task-mail"><textarea></textarea></body></html>', 'text/html'))).toBe(false);
  });
});

describe('Roundcube adapter: compose, plain-text editor', () => {
  const doc = fixtureDocument('compose-plain.html');

  it('finds the plain editor, the send button, the subject and the attachment input', () => {
    const composer = roundcube.composer(doc)!;
    expect(composer.id).toBe('composebody');
    expect(mail.editorFor(composer)).toBe('value-setter');
    expect(roundcube.sendButton(doc)?.textContent).toContain('Send');
    expect(mail.subject(doc)?.value).toBe('Private plain');
    const input = mail.attachmentInput(doc)!;
    expect(input.type).toBe('file');
    expect(input.name).toBe('_attachments[]');
  });

  it('names the conversation by the first recipient and our From address', () => {
    expect(roundcube.conversation(doc)).toEqual({ peerId: 'bob@offrecord.test', account: 'alice@offrecord.test', title: 'bob@offrecord.test: Private plain' });
    expect(mail.threadId(doc)).toBe('bob@offrecord.test|private plain');
  });

  it('has no conversation until a recipient is given', () => {
    const blank = fixtureDocument('compose-plain.html');
    for (const li of Array.from(blank.querySelectorAll('#compose_to li.recipient'))) li.remove();
    blank.querySelector<HTMLTextAreaElement>('textarea#_to')!.value = '';
    expect(roundcube.conversation(blank)).toBeNull();
    expect(mail.threadId(blank)).toBeNull();
  });
});

describe('Roundcube adapter: compose, HTML (TinyMCE) editor', () => {
  const doc = fixtureDocument('compose-html.html');

  it("edits TinyMCE's body in its frame, by execCommand, when the frame is there", () => {
    // A saved page holds no frame documents (and happy-dom loads none): give the frame the
    // editor document saved from the same live page.
    const frame = doc.querySelector<HTMLIFrameElement>('iframe#composebody_ifr')!;
    const saved = new DOMParser().parseFromString(fixtureText('compose-html.editor.html').replace(/<link\b[^>]*>/gi, ''), 'text/html');
    Object.defineProperty(frame, 'contentDocument', { value: saved });
    const composer = roundcube.composer(doc)!;
    expect(composer.id).toBe('tinymce');
    expect(composer.getAttribute('contenteditable')).toBe('true');
    expect(mail.editorFor(composer)).toBe('exec-command');
    expect(composer.textContent).toContain('?OTR:');
  });

  it('keeps the same conversation and thread as in plain mode', () => {
    expect(roundcube.conversation(doc)?.peerId).toBe('bob@offrecord.test');
    expect(mail.threadId(doc)).toBe('bob@offrecord.test|private html');
  });
});

describe('Roundcube adapter: mail view', () => {
  for (const m of capturedMails) {
    it(`${m.name}: body, sender, thread and the OTR text it carries`, () => {
      const doc = fixtureDocument(`${m.name}.view.html`);
      const from = `${m.from}@offrecord.test`;
      const to = `${m.to}@offrecord.test`;
      expect(roundcube.conversation(doc)).toMatchObject({ peerId: from, account: to });
      expect(mail.threadId(doc)).toBe(`${from}|${m.subject.replace(/^(Re|Fwd): /, '').toLowerCase()}`);
      const [body, ...others] = mail.bodies(doc);
      expect(others).toEqual([]);
      expect(body!.element.id).toBe('messagebody');
      expect(body!).toMatchObject({ from, direction: 'incoming' });
      expect(body!.id).toMatch(/^INBOX\/\d+$/);
      const list = roundcube.messageList(doc)!;
      const scraped = roundcube.messages(list);
      expect(scraped).toHaveLength(1);
      if (m.own) expect(scraped[0]!.text).toBe(m.own);
      else expect(scraped[0]!.text).not.toContain('?OTR:AAMD'.repeat(2));
      // Quoted or forwarded ciphertext never becomes the message text.
      for (const q of m.quoted) expect(scraped[0]!.text).not.toContain(q.slice(0, 40));
    });
  }
});
