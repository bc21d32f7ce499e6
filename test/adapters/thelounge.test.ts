// The Lounge adapter against DOM dumped from a live The Lounge 4.5.2 on ngircd (alice in #test).
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { thelounge, parseLoungeTime } from '../../src/adapters/sites/thelounge';

const html = readFileSync(join(import.meta.dirname, '../fixtures/sites/thelounge.html'), 'utf8');
const load = () => new DOMParser().parseFromString(html, 'text/html');

describe('The Lounge adapter (live fixture)', () => {
  let doc: Document;
  beforeEach(() => {
    doc = load();
  });

  it('recognises The Lounge from the page', () => {
    expect(thelounge.detect!(doc)).toBe(true);
    expect(thelounge.detect!(new DOMParser().parseFromString('<html><body><textarea></textarea></body></html>', 'text/html'))).toBe(false);
  });

  it('finds composer, send button and the active channel’s message list', () => {
    expect(thelounge.composer(doc)?.id).toBe('input');
    expect(thelounge.sendButton(doc)?.getAttribute('aria-label')).toBe('Send message');
    expect(thelounge.messageList(doc)?.getAttribute('role')).toBe('log');
  });

  it('names the conversation by channel and our nick', () => {
    expect(thelounge.conversation(doc)).toEqual({ peerId: '#test', account: 'alice', title: '#test', kind: 'channel' });
  });

  it('in a query view the peer id is the nick', () => {
    const view = doc.querySelector('#chat .chat-view')!;
    view.setAttribute('data-type', 'query');
    view.setAttribute('aria-label', 'bob');
    expect(thelounge.conversation(doc)?.peerId).toBe('bob');
    view.setAttribute('data-type', 'lobby');
    expect(thelounge.conversation(doc)).toBeNull();
  });

  it('scrapes only chat lines, with direction, sender and the server’s id', () => {
    const msgs = thelounge.messages(thelounge.messageList(doc)!);
    expect(msgs.map((m) => [m.text, m.direction, m.from])).toEqual([
      ['?OTR:AAMDaGVsbG8=.', 'outgoing', 'alice'],
      ['hi alice, see https://example.com/a?b=c', 'incoming', 'bob'],
    ]);
    for (const m of msgs) {
      expect(m.id).toMatch(/^msg-\d+$/);
      expect(m.textElement.classList.contains('content')).toBe(true);
    }
  });

  it('dates messages from the time stamp label', () => {
    const el = thelounge.messages(thelounge.messageList(doc)!)[0]!.element;
    const t = thelounge.sentAt!(el);
    expect(t).not.toBeNull();
    expect(new Date(t!).getFullYear()).toBeGreaterThan(2000);
    expect(parseLoungeTime('27 November 2026, 03:06:21')).toBe(new Date(2026, 10, 27, 3, 6, 21).getTime());
    expect(parseLoungeTime('yesterday')).toBeNull();
  });

  it('keeps fragments short enough that IRC does not split them', () => {
    expect(thelounge.maxMessageLength).toBeLessThanOrEqual(335);
    expect(thelounge.editor).toBe('value-setter');
  });

  it('uploads: finds the finished upload in the composer and OffRecord upload links, never other links', () => {
    // The fixture's server had uploads off: no input.
    expect(thelounge.uploads!.input(doc)).toBeNull();
    const upload = 'http://127.0.0.1:9000/uploads/0123456789abcdef/private-file.offrecord';
    expect(thelounge.uploads!.uploaded(`${upload} `)).toBe(upload);
    expect(thelounge.uploads!.uploaded('http://127.0.0.1:9000/uploads/0123456789abcdef/holiday.jpg ')).toBeNull();
    expect(thelounge.uploads!.uploaded('see /uploads/ later')).toBeNull();
    const line = doc.querySelector('div.msg[data-type="message"] span.content')!;
    for (const href of [upload, 'http://example.test/uploads/0123456789abcdef/private-file.offrecord.html', 'http://example.test/']) {
      const a = doc.createElement('a');
      a.href = href;
      line.append(a);
    }
    expect(thelounge.uploads!.links(doc)).toEqual([upload]);
  });
});
