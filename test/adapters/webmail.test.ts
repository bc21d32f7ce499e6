/**
 * The mail thread model of the Gmail and Outlook adapters (issue 14) against their hand-built
 * fixtures (test/fixtures/sites/): thread id, bodies, quoted history kept apart, subject and
 * attachment input. Roundcube, checked against live pages, has its own file.
 */
import { describe, expect, it } from 'vitest';
import { Window } from 'happy-dom';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gmail } from '../../src/adapters/sites/gmail';
import { outlook } from '../../src/adapters/sites/outlook';
import { normaliseMailElement } from '../../src/adapters/core/mail-dom';
import type { SiteAdapter } from '../../src/adapters/core/types';

function loadFixture(id: string): Document {
  const html = readFileSync(resolve(import.meta.dirname, `../fixtures/sites/${id}.html`), 'utf8');
  const win = new Window({ url: /<!-- url: (\S+) -->/.exec(html)![1]! });
  win.document.write(html);
  return win.document as unknown as Document;
}

const CASES: Array<{ adapter: SiteAdapter; thread: string; peer: string; subject: string; ids: string[] }> = [
  { adapter: gmail, thread: 'thread-f:1790000000000000001', peer: 'alice@example.org', subject: 'Lunch plans', ids: ['#msg-f:1790000000000000001', '#msg-f:1790000000000000002'] },
  { adapter: outlook, thread: 'AAQkAGI2TGlzdENvbnYx', peer: 'alice@fabrikam.com', subject: 'RE: Quarterly numbers', ids: ['AAMkAGI2M1', 'AAMkAGI2M2'] },
];

for (const c of CASES) {
  describe(`${c.adapter.name}: mail thread model`, () => {
    const mail = c.adapter.mail!;

    it('the thread is the site’s conversation id; the OTR peer is the correspondent', () => {
      const doc = loadFixture(c.adapter.id);
      expect(mail.threadId(doc)).toBe(c.thread);
      expect(c.adapter.conversation(doc)?.peerId).toBe(c.peer);
    });

    it('lists each mail body with sender, direction and id', () => {
      const bodies = mail.bodies(loadFixture(c.adapter.id));
      expect(bodies.map((b) => [b.id, b.direction])).toEqual([
        [c.ids[0], 'incoming'],
        [c.ids[1], 'outgoing'],
      ]);
      expect(bodies[0]!.from).toBe(c.peer);
    });

    it('keeps quoted history out of the message text and out of the engine', () => {
      const doc = loadFixture(c.adapter.id);
      const [first] = c.adapter.messages(c.adapter.messageList(doc)!);
      expect(first!.text).toBe('?OTR:AAMDincoming.');
      const body = mail.bodies(doc)[0]!.element;
      const found = normaliseMailElement(body, mail.quoteSelectors);
      expect(found.quoted.map((q) => q.text)).toEqual(['?OTR:AAMDquoted.']);
    });

    it('finds the subject field and the site’s own attachment input', () => {
      const doc = loadFixture(c.adapter.id);
      expect(mail.subject(doc)?.value).toBe(c.subject);
      expect(mail.attachmentInput(doc)?.type).toBe('file');
      expect(mail.editorFor(c.adapter.composer(doc)!)).toBe(c.adapter.editor);
    });
  });
}
