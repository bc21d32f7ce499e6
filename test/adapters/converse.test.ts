// Converse.js adapter against DOM dumped from a live Converse 14.0.0 on Prosody (alice ↔ bob).
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { converse } from '../../src/adapters/sites/converse';

const html = readFileSync(join(import.meta.dirname, '../fixtures/sites/converse.html'), 'utf8');
const load = () => new DOMParser().parseFromString(html, 'text/html');

describe('Converse.js adapter (live fixture)', () => {
  let doc: Document;
  beforeEach(() => {
    doc = load();
  });

  it('recognises Converse from the page', () => {
    expect(converse.detect!(doc)).toBe(true);
    expect(converse.detect!(new DOMParser().parseFromString('<html><body><div id="chat"></div></body></html>', 'text/html'))).toBe(false);
  });

  it('finds composer, send button and message list of the open chat', () => {
    expect(converse.composer(doc)?.classList.contains('chat-textarea')).toBe(true);
    expect(converse.sendButton(doc)?.classList.contains('send-button')).toBe(true);
    expect(converse.messageList(doc)).not.toBeNull();
  });

  it('uses the bare JID as peer id and our own bare JID as account', () => {
    expect(converse.conversation(doc)).toMatchObject({ peerId: 'bob@localhost', account: 'alice@localhost', kind: 'direct' });
  });

  it('ignores hidden chats', () => {
    doc.querySelector('converse-chat')!.classList.add('hidden');
    expect(converse.conversation(doc)).toBeNull();
    expect(converse.composer(doc)).toBeNull();
  });

  it('scrapes the raw body, direction, bare sender and msgid', () => {
    const msgs = converse.messages(converse.messageList(doc)!);
    expect(msgs.map((m) => [m.text, m.direction, m.from])).toEqual([
      ['?OTR:AAMDaGVsbG8=.', 'outgoing', 'alice@localhost'],
      ['hi alice, see https://example.com/a?b=c', 'incoming', 'bob@localhost'],
    ]);
    for (const m of msgs) expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(converse.sentAt!(msgs[0]!.element)).toBe(Date.parse(msgs[0]!.element.getAttribute('data-isodate')!));
  });

  it('falls back to the rendered text when the body has no text attribute', () => {
    const body = doc.querySelectorAll('.chat-msg__text')[1]!;
    body.removeAttribute('text');
    const msgs = converse.messages(converse.messageList(doc)!);
    expect(msgs[1]!.text).toBe('hi alice, see https://example.com/a?b=c');
  });
});

// The same client in a non-anonymous groupchat (alice's page): bob is present, carol posted and left.
describe('Converse.js adapter in a groupchat (live fixture)', () => {
  const mucHtml = readFileSync(join(import.meta.dirname, '../fixtures/sites/converse-muc.html'), 'utf8');
  let doc: Document;
  beforeEach(() => {
    doc = new DOMParser().parseFromString(mucHtml, 'text/html');
  });

  it('names the room by its JID, as a channel, with our bare JID as account', () => {
    expect(converse.conversation(doc)).toEqual({ peerId: 'test@conference.localhost', account: 'alice@localhost', title: 'test@conference.localhost', kind: 'channel' });
  });

  it('finds the groupchat\'s composer, send button and message list', () => {
    expect(converse.composer(doc)?.closest('converse-muc-message-form')).not.toBeNull();
    expect(converse.sendButton(doc)?.classList.contains('send-button')).toBe(true);
    expect(converse.messageList(doc)?.closest('converse-muc-chat-content')).not.toBeNull();
  });

  it('names each poster by the bare JID the occupant list shows for the nick, never by the nick', () => {
    const msgs = converse.messages(converse.messageList(doc)!);
    expect(msgs.map((m) => [m.text, m.direction, m.from])).toEqual([
      ['hello from alice', 'outgoing', 'alice@localhost'],
      ['?OTR-G:AQID from bob', 'incoming', 'bob@localhost'],
      // Carol left: no occupant shows her JID, so she stays her room JID (not a member's name).
      ['carol was here', 'incoming', 'test@conference.localhost/carol'],
    ]);
  });

  it('in a semi-anonymous room (no JID in the occupant list) a poster stays the room JID', () => {
    for (const nick of Array.from(doc.querySelectorAll('.occupant-nick'))) nick.setAttribute('title', 'This user can send messages in this groupchat.');
    const froms = converse.messages(converse.messageList(doc)!).map((m) => m.from);
    expect(froms).toEqual(['test@conference.localhost/alice', 'test@conference.localhost/bob', 'test@conference.localhost/carol']);
  });

  it('a nick that only looks like another occupant\'s JID is not taken for it', () => {
    // Someone takes the nick "bob@localhost": the list's title for them carries no JID of theirs.
    const message = doc.querySelectorAll<HTMLElement>('converse-chat-message > div.message.chat-msg')[1]!;
    message.setAttribute('data-from', 'test@conference.localhost/bob@localhost');
    expect(converse.readMessage!(message)?.from).toBe('test@conference.localhost/bob@localhost');
  });
});
