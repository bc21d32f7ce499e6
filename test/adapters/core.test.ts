// Adapter core: normalisation, registry, message watcher, canary, generic adapter storage.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageText, normalizeScrapedText } from '../../src/adapters/core/normalize';
import { isLoopbackHost, matchesPattern, pickAdapter } from '../../src/adapters/core/registry';
import { MessageWatcher, type WatchedMessage } from '../../src/adapters/core/watcher';
import { Canary, missingAdapterParts } from '../../src/adapters/core/canary';
import { thelounge } from '../../src/adapters/sites/thelounge';
import { converse } from '../../src/adapters/sites/converse';
import type { SiteAdapter } from '../../src/adapters/core/types';
import { createGenericAdapter, loadGenericConfig, saveGenericConfig, selectorFor, storedGenericAdapter } from '../../src/adapters/generic/index';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, `../fixtures/sites/${name}.html`), 'utf8');
const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('normalizeScrapedText', () => {
  it('removes zero-width marks and soft hyphens, turns no-break spaces into spaces', () => {
    expect(normalizeScrapedText('he\u200Bl\u00ADlo\u00A0wo\uFEFFrld')).toBe('hello world');
  });
  it('drops every whitespace inside encoded OTR messages (sites wrap long tokens)', () => {
    expect(normalizeScrapedText('\n ?OTR:AAMD\nQUJD\u200B REVG.\n')).toBe('?OTR:AAMDQUJDREVG.');
    expect(normalizeScrapedText('?OTR|5a|1b,00001,00002, abc ,')).toBe('?OTR|5a|1b,00001,00002,abc,');
  });
  it('keeps the inner whitespace of plain text, and a trailing whitespace tag', () => {
    const tag = ' \t  \t\t\t\t \t \t \t    \t\t  \t ';
    expect(normalizeScrapedText('hello   there\n')).toBe('hello   there');
    expect(normalizeScrapedText(`hi${tag}`)).toBe(`hi${tag}`);
    expect(normalizeScrapedText('?OTRv23? is a query')).toBe('?OTRv23? is a query');
  });
  it('reads shortened link labels from the href, leaves linkified text alone', () => {
    const doc = parse(
      '<p id="a">see <a href="https://example.com/very/long/path?OTR">https://example.com/very…</a></p>' +
        '<p id="b">go to <a href="http://example.com">example.com</a><br>bye <img alt="🙂"></p>',
    );
    expect(messageText(doc.getElementById('a')!)).toBe('see https://example.com/very/long/path?OTR');
    expect(messageText(doc.getElementById('b')!)).toBe('go to example.com\nbye 🙂');
  });
});

describe('registry', () => {
  const lounge = fixture('thelounge');
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['example.com', '10.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('matches WebExtension match patterns', () => {
    expect(matchesPattern('https://app.slack.com/*', new URL('https://app.slack.com/client/T1/D2'))).toBe(true);
    expect(matchesPattern('https://*.example.com/chat/*', new URL('https://a.b.example.com/chat/x'))).toBe(true);
    expect(matchesPattern('https://*.example.com/chat/*', new URL('https://example.org/chat/x'))).toBe(false);
    expect(matchesPattern('*://web.whatsapp.com/*', new URL('http://web.whatsapp.com/'))).toBe(true);
  });
  it('detects self-hosted clients on loopback, elsewhere only when the origin is allowed', () => {
    const doc = parse(lounge);
    expect(pickAdapter(doc, { url: 'http://127.0.0.1:9000/' })).toBe(thelounge);
    expect(pickAdapter(parse(fixture('converse')), { url: 'http://localhost:5280/' })).toBe(converse);
    expect(pickAdapter(doc, { url: 'https://irc.example.org/' })).toBeNull();
    expect(pickAdapter(doc, { url: 'https://irc.example.org/', allowedOrigins: ['https://irc.example.org'] })).toBe(thelounge);
  });
  it('matches fixed-address sites by origin before detection', () => {
    const fixed: SiteAdapter = { ...thelounge, id: 'fixed', matches: ['https://chat.example.com/*'] };
    expect(pickAdapter(parse('<html></html>'), { url: 'https://chat.example.com/room/1', adapters: [fixed] })).toBe(fixed);
  });
});

/** A message line in The Lounge's own markup, dated `at`. */
function loungeLine(doc: Document, id: number, from: string, text: string, at: Date): HTMLElement {
  const el = doc.createElement('div');
  el.id = `msg-${id}`;
  el.className = 'msg';
  el.setAttribute('data-type', 'message');
  el.setAttribute('data-from', from);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const p = (n: number) => String(n).padStart(2, '0');
  const label = `${at.getDate()} ${months[at.getMonth()]} ${at.getFullYear()}, ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
  const time = doc.createElement('span');
  time.className = 'time';
  time.setAttribute('aria-label', label);
  const content = doc.createElement('span');
  content.className = 'content';
  content.textContent = text;
  el.append(time, content);
  return el;
}

describe('MessageWatcher', () => {
  beforeEach(() => {
    const html = fixture('thelounge');
    document.documentElement.innerHTML = html.slice(html.indexOf('<html') + html.slice(html.indexOf('<html')).indexOf('>') + 1, html.lastIndexOf('</html>'));
  });

  it('reports what is on the page as history, then each new message once', async () => {
    const seen: WatchedMessage[] = [];
    const w = new MessageWatcher(thelounge, document, { onMessage: (m) => seen.push(m) });
    w.start();
    expect(seen.map((m) => [m.text, m.history])).toEqual([
      ['?OTR:AAMDaGVsbG8=.', true],
      ['hi alice, see https://example.com/a?b=c', true],
    ]);
    const list = thelounge.messageList(document)!;
    list.append(loungeLine(document, 900, 'bob', '?OTR:AAMDbmV3.', new Date()));
    await tick();
    list.append(document.createElement('div')); // unrelated mutation: nothing new
    await tick();
    w.scan();
    expect(seen.slice(2).map((m) => [m.text, m.history, m.direction, m.from, m.conversation?.peerId])).toEqual([
      ['?OTR:AAMDbmV3.', false, 'incoming', 'bob', '#test'],
    ]);
    w.stop();
  });

  it("does not rescan the list for OffRecord's own decorations, only for the site's changes", async () => {
    let scans = 0;
    const w = new MessageWatcher(thelounge, document, { onMessage: () => undefined, onScan: () => scans++ });
    w.start();
    await tick();
    const before = scans;
    const list = thelounge.messageList(document)!;
    const status = document.createElement('span');
    status.setAttribute('data-offrecord', 'status');
    list.querySelector('span.content')!.before(status);
    status.textContent = 'Private conversation handshake';
    await tick();
    expect(scans).toBe(before);
    list.append(loungeLine(document, 905, 'bob', 'site change', new Date()));
    await tick();
    expect(scans).toBe(before + 1);
    w.stop();
  });

  it('does not report a re-rendered message again (same server id, new element)', async () => {
    const seen: WatchedMessage[] = [];
    const w = new MessageWatcher(thelounge, document, { onMessage: (m) => seen.push(m) });
    w.start();
    const list = thelounge.messageList(document)!;
    list.append(loungeLine(document, 901, 'bob', 'one', new Date()));
    await tick();
    list.replaceChildren(...Array.from(list.children).map((c) => c.cloneNode(true)));
    await tick();
    expect(seen.filter((m) => m.text === 'one')).toHaveLength(1);
    w.stop();
  });

  it('after the first scan reads only the messages a batch added, never the whole list', async () => {
    let reads = 0;
    let fullScans = 0;
    const counting: SiteAdapter = {
      ...thelounge,
      readMessage: (el) => (reads++, thelounge.readMessage!(el)),
      messages: (l) => (fullScans++, thelounge.messages(l)),
    };
    const list = thelounge.messageList(document)!;
    for (let i = 0; i < 50; i++) list.append(loungeLine(document, 1000 + i, 'bob', `old ${i}`, new Date()));
    const seen: WatchedMessage[] = [];
    const w = new MessageWatcher(counting, document, { onMessage: (m) => seen.push(m) });
    w.start();
    [reads, fullScans] = [0, 0];
    const before = seen.length;
    list.append(loungeLine(document, 1100, 'bob', 'new one', new Date()), loungeLine(document, 1101, 'bob', 'new two', new Date()));
    list.querySelector('div.msg')!.remove();
    await tick();
    expect(seen.slice(before).map((m) => m.text)).toEqual(['new one', 'new two']);
    expect([reads, fullScans]).toEqual([2, 0]);
    w.stop();
  });

  it('hands a re-rendered message (same server id, new element) to onRerender', async () => {
    const again: string[] = [];
    const w = new MessageWatcher(thelounge, document, { onMessage: () => undefined, onRerender: (m) => again.push(m.text) });
    w.start();
    const list = thelounge.messageList(document)!;
    list.append(loungeLine(document, 906, 'bob', 'shown twice', new Date()));
    await tick();
    const line = list.lastElementChild!;
    line.replaceWith(line.cloneNode(true));
    await tick();
    expect(again).toEqual(['shown twice']);
    w.stop();
  });

  it('marks history that renders late (after a reload) by its date', async () => {
    const list = thelounge.messageList(document)!;
    list.replaceChildren();
    const seen: WatchedMessage[] = [];
    const w = new MessageWatcher(thelounge, document, { onMessage: (m) => seen.push(m) });
    w.start();
    list.append(loungeLine(document, 902, 'bob', 'old', new Date(Date.now() - 60_000)));
    list.append(loungeLine(document, 903, 'bob', 'new', new Date()));
    await tick();
    expect(seen.map((m) => [m.text, m.history])).toEqual([
      ['old', true],
      ['new', false],
    ]);
    w.stop();
  });

  it('without dates, messages rendered while the page settles are history', async () => {
    let now = 1000;
    const undated: SiteAdapter = { ...thelounge, sentAt: undefined };
    const list = thelounge.messageList(document)!;
    const holder = list.parentElement!;
    list.remove();
    const seen: WatchedMessage[] = [];
    const w = new MessageWatcher(undated, document, { onMessage: (m) => seen.push(m), now: () => now, settleMs: 1500 });
    w.start();
    expect(seen).toHaveLength(0);
    holder.append(list); // the list appears late, holding replayed history
    await tick();
    now += 2000;
    list.append(loungeLine(document, 904, 'bob', 'live', new Date()));
    await tick();
    expect(seen.map((m) => [m.text, m.history])).toEqual([
      ['?OTR:AAMDaGVsbG8=.', true],
      ['hi alice, see https://example.com/a?b=c', true],
      ['live', false],
    ]);
    w.stop();
  });
});

describe('canary', () => {
  afterEach(() => document.querySelectorAll('[data-offrecord="canary"]').forEach((e) => e.remove()));

  it('finds nothing missing on the live fixture', () => {
    expect(missingAdapterParts(converse, parse(fixture('converse')))).toEqual([]);
  });

  it('shows a notice after the grace period when the composer is gone, and removes it when back', () => {
    document.body.innerHTML = '';
    const html = fixture('thelounge');
    document.body.innerHTML = html.slice(html.indexOf('<body'), html.lastIndexOf('</body>')).replace(/^<body[^>]*>/, '');
    const form = document.querySelector('form#form')!;
    const parent = form.parentElement!;
    form.remove();
    let now = 0;
    const canary = new Canary(thelounge, document, { graceMs: 5000, now: () => now });
    expect(canary.check()).toEqual(['composer']);
    expect(document.querySelector('[data-offrecord="canary"]')).toBeNull();
    now = 6000;
    canary.check();
    const notice = document.querySelector('[data-offrecord="canary"]')!;
    expect(notice.textContent).toContain("can't find the composer");
    expect(notice.textContent).toContain('The Lounge');
    expect(notice.children).toHaveLength(0); // text only
    parent.append(form);
    expect(canary.check()).toEqual([]);
    expect(document.querySelector('[data-offrecord="canary"]')).toBeNull();
  });
});

describe('generic adapter', () => {
  beforeEach(() => fakeBrowser.reset());

  it('builds stable selectors that find the element again', () => {
    document.body.innerHTML =
      '<main><section aria-label="Messages"><ul><li>a</li><li>b</li></ul></section><div><div><textarea></textarea></div></div></main>';
    const ta = document.querySelector('textarea')!;
    const list = document.querySelector('ul')!;
    expect(document.querySelector(selectorFor(ta))).toBe(ta);
    expect(selectorFor(list)).toContain('[aria-label="Messages"]');
    expect(document.querySelector(selectorFor(list))).toBe(list);
  });

  it('stores selectors only, per origin, and reuses them after a reload', async () => {
    await saveGenericConfig('http://localhost:8080', { composer: 'textarea', messageList: 'ul', message: '', sendButton: '' });
    const raw = await fakeBrowser.storage.local.get(null);
    expect(Object.keys(raw)).toEqual(['generic-adapter:http://localhost:8080']);
    expect(await loadGenericConfig('http://other.example')).toBeNull();
    await expect(saveGenericConfig('http://x', { composer: '<<', messageList: 'ul', message: '', sendButton: '' })).rejects.toThrow(TypeError);

    document.body.innerHTML = '<ul><li>?OTR:AAMDeA==.</li><li>hello</li></ul><textarea></textarea>';
    const doc = parse('<ul><li>?OTR:AAMDeA==.</li></ul><textarea></textarea>');
    Object.defineProperty(doc, 'URL', { value: 'http://localhost:8080/chat' });
    const adapter = await storedGenericAdapter(doc);
    expect(adapter).not.toBeNull();
    expect(adapter!.composer(doc)?.tagName).toBe('TEXTAREA');
    expect(adapter!.editor).toBe('value-setter');
  });

  it('reads each list child as a message; text it sent reads as outgoing', () => {
    document.body.innerHTML = '<ul><li>?OTR:AAMDeA==.</li><li>hello</li></ul><div contenteditable="true"></div>';
    const a = createGenericAdapter({ composer: '[contenteditable="true"]', messageList: 'ul', message: '', sendButton: '' });
    a.markSent('hello');
    expect(a.messages(a.messageList(document)!).map((m) => [m.text, m.direction])).toEqual([
      ['?OTR:AAMDeA==.', 'incoming'],
      ['hello', 'outgoing'],
    ]);
    expect(a.editor).toBe('exec-command');
  });
});
