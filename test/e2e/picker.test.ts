/**
 * The element picker on a chat page no adapter knows (issue 6), in Debian's Chromium with the
 * built extension (`npm run build` first). A tiny chat served by this test on 127.0.0.1: a
 * textarea, a send button and a message list; Alice and Bob, each in their own profile, post
 * through the test's server. The user opens the popup over the page, presses "Set up OffRecord
 * on this page", clicks the composer and the list; the choice is stored per origin (selectors
 * only), the lock appears at once and again after a reload, and the two talk privately through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROME_EXT } from './helpers/browser';
import { acceptPrivate, lock, menu, readyProfiles, typePrivate, waitReader, waitState, type Profile } from './overlay-kit';

const CHAT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Tiny chat</title>
<style>#log{height:260px;overflow:auto;border:1px solid #999;margin:0;padding:4px;list-style:none}
#log li{padding:6px 4px;border-bottom:1px solid #eee;white-space:pre-wrap;overflow-wrap:anywhere}
form{display:flex;gap:6px;margin-top:8px} textarea{flex:1;height:60px}</style></head>
<body><h1>Tiny chat</h1><ul id="log"></ul>
<form id="form"><textarea id="box" placeholder="Message"></textarea><button type="submit">Send</button></form>
<script>
const me = new URLSearchParams(location.search).get('me');
const log = document.getElementById('log');
const box = document.getElementById('box');
let seen = 0;
async function poll() {
  const r = await fetch('/messages?after=' + seen);
  for (const m of await r.json()) {
    const li = document.createElement('li');
    li.dataset.from = m.from;
    li.textContent = m.text;
    log.appendChild(li);
    seen += 1;
  }
  log.scrollTop = log.scrollHeight;
}
setInterval(poll, 250);
poll();
document.getElementById('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = box.value;
  if (!text.trim()) return;
  box.value = '';
  await fetch('/send', { method: 'POST', body: JSON.stringify({ from: me, text }) });
});
</script></body></html>`;

interface Posted {
  from: string;
  text: string;
}
const posted: Posted[] = [];
let server: Server;
let base = '';
let alice: Profile;
let bob: Profile;

function startChatServer(): Promise<void> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/chat') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(CHAT_PAGE);
    if (url.pathname === '/messages') {
      const after = Number(url.searchParams.get('after') ?? 0);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(posted.slice(after)));
    }
    if (url.pathname === '/send' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const m = JSON.parse(body) as Posted;
        posted.push({ from: String(m.from), text: String(m.text) });
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr && typeof addr !== 'string') base = `http://127.0.0.1:${addr.port}`;
      ok();
    }),
  );
}

/** The extension's storage.local, read from one of its own pages. */
async function storageLocal(p: Profile): Promise<Record<string, unknown>> {
  const page = await p.browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/popup.html`);
    return await page.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { storage: { local: { get(k: null): Promise<Record<string, unknown>> } } } }).chrome;
      return api.storage.local.get(null);
    });
  } finally {
    await page.close();
  }
}

/**
 * The popup over `chat`: a popup asks for the active tab of its window, so the chat tab is
 * brought to the front before the popup page loads (a real popup opens over the active tab).
 */
async function openPopupOver(p: Profile, chat: Page): Promise<Page> {
  const popup = await p.browser.context.newPage();
  await popup.goto(`chrome-extension://${p.browser.extensionId}/popup.html`);
  await chat.bringToFront();
  await popup.reload();
  await popup.getByRole('tab', { name: 'This tab' }).click();
  return popup;
}

/** Presses "Set up OffRecord on this page" in the popup, then picks composer and list. */
async function setUpWithPicker(p: Profile, chat: Page): Promise<void> {
  const popup = await openPopupOver(p, chat);
  await popup.getByRole('button', { name: 'Set up OffRecord on this page' }).click();
  await expect.poll(() => popup.getByRole('status').textContent()).toContain('click the box where you type');
  await popup.close();
  const banner = chat.locator('[data-offrecord=picker]');
  await expect.poll(() => banner.textContent()).toContain('step 1 of 2');
  // Not a text box first: the picker asks again instead of giving up.
  await chat.click('h1');
  await expect.poll(() => banner.textContent()).toContain('not a text box');
  await chat.click('#box');
  await expect.poll(() => banner.textContent()).toContain('step 2 of 2');
  await chat.click('#log');
  await expect.poll(() => banner.count()).toBe(0);
}

beforeAll(async () => {
  if (!existsSync(join(CHROME_EXT, 'manifest.json'))) throw new Error(`no build at ${CHROME_EXT}: run npm run build first`);
  await startChatServer();
  [alice, bob] = await readyProfiles('picker-alice', 'picker-bob');
  await alice.page.goto(`${base}/chat?me=alice`);
  await bob.page.goto(`${base}/chat?me=bob`);
  // Some plain chatter first, to be sure none of it ends up in storage.
  for (const [page, text] of [[alice.page, 'plain hello from alice'], [bob.page, 'plain hello from bob']] as const) {
    await page.fill('#box', text);
    await page.click('button[type=submit]');
  }
  await alice.page.waitForFunction(() => document.querySelectorAll('#log li').length === 2);
}, 120_000);

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await new Promise((ok) => server?.close(ok));
});

describe('element picker on a page no adapter knows', () => {
  it('shows no lock before set-up, and Escape cancels the picker without saving', async () => {
    await alice.page.waitForTimeout(1500);
    expect(await lock(alice.page).count()).toBe(0);
    const popup = await openPopupOver(alice, alice.page);
    await popup.getByRole('button', { name: 'Set up OffRecord on this page' }).click();
    await popup.close();
    const banner = alice.page.locator('[data-offrecord=picker]');
    await expect.poll(() => banner.count()).toBe(1);
    await alice.page.keyboard.press('Escape');
    await expect.poll(() => banner.count()).toBe(0);
    // The page works as before: a click reaches it again.
    await alice.page.click('#box');
    expect(Object.keys(await storageLocal(alice)).filter((k) => k.startsWith('generic-adapter:'))).toEqual([]);
    expect(await lock(alice.page).count()).toBe(0);
  }, 60_000);

  it('popup button → click composer → click list: saved per origin as selectors only, lock appears', async () => {
    await setUpWithPicker(alice, alice.page);
    const stored = await storageLocal(alice);
    const key = `generic-adapter:${base}`;
    expect(stored[key]).toEqual({ composer: 'textarea#box', messageList: 'ul#log', message: '', sendButton: 'form#form > button' });
    // storage.local is readable by content scripts: nothing said in the chat may be there.
    const all = JSON.stringify(stored);
    for (const m of posted) expect(all).not.toContain(m.text);
    await waitState(alice.page, 'plaintext', 15_000);
  }, 60_000);

  it('after a reload the page is set up again without asking', async () => {
    await alice.page.reload();
    await waitState(alice.page, 'plaintext', 15_000);
    expect(await alice.page.locator('[data-offrecord=picker]').count()).toBe(0);
    const popup = await openPopupOver(alice, alice.page);
    await expect.poll(() => popup.locator('[data-page-setup]').getAttribute('data-page-setup')).toBe('configured');
    await popup.close();
  }, 60_000);

  it('Alice and Bob, both set up with the picker, talk privately; the server sees only ciphertext', async () => {
    await setUpWithPicker(bob, bob.page);
    await waitState(bob.page, 'plaintext', 15_000);
    // What shows up in the first moments after the list is found counts as replayed history
    // (watcher.ts), so give Bob's freshly started overlay that moment before Alice asks.
    await bob.page.waitForTimeout(2500);
    const before = posted.length;
    await menu(alice.page, 'start');
    // Bob's OffRecord holds Alice's query (default policy) until he starts too.
    await acceptPrivate(bob.page);
    await waitState(alice.page, 'unverified', 60_000);
    await waitState(bob.page, 'unverified', 60_000);
    const secret = 'picked composer, private words\nsecond line';
    await typePrivate(alice.page, secret);
    await waitReader(bob.page, secret, '#log');
    await typePrivate(bob.page, 'reply through the picked box');
    await waitReader(alice.page, 'reply through the picked box', '#log');
    const wire = posted.slice(before).map((m) => m.text);
    expect(wire.length).toBeGreaterThan(0);
    for (const t of wire) expect(t.startsWith('?OTR')).toBe(true);
    expect(wire.join('\n')).not.toContain('private words');
  }, 180_000);

  it('forgetting the set-up from the popup drops the stored selectors', async () => {
    const popup = await openPopupOver(alice, alice.page);
    await popup.getByRole('button', { name: "Forget this site's set-up" }).click();
    await expect.poll(() => popup.getByRole('status').textContent()).toContain('Forgotten');
    await popup.close();
    expect(Object.keys(await storageLocal(alice)).filter((k) => k.startsWith('generic-adapter:'))).toEqual([]);
    await alice.page.reload();
    await alice.page.waitForTimeout(2000);
    expect(await lock(alice.page).count()).toBe(0);
  }, 60_000);
});
