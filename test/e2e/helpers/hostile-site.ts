/**
 * A small hostile chat page for issue 17's page-side attacks, served on 127.0.0.1 (the generic
 * adapter, set up as the element picker would store it). Its composer is a plain contenteditable,
 * so OffRecord inserts with exec-command, which needs the composer focused. The page's own
 * script, loaded before any content script, records what it can: trusted key events on window
 * (capture), and the composer's text after every change. `fakeQueries` makes OTR queries appear
 * as incoming messages, which OffRecord answers by inserting into the composer.
 */
import { createServer, type Server } from 'node:http';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';

/** The page's markup; served at /chat.html, and at any other path a test names (site.serve). */
export const HOSTILE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile chat</title></head>
<body style="font: 14px sans-serif; margin: 20px">
<ul id="list" style="min-height: 200px"></ul>
<div id="composer" contenteditable="true" style="border: 1px solid #888; min-height: 40px; width: 420px; padding: 4px"></div>
<button id="send" type="button">Send</button>
<script>
  const spy = { sent: [], keys: [], composer: [] };
  window.hostileSpy = spy;
  for (const type of ['keydown', 'keypress', 'keyup', 'compositionstart']) {
    window.addEventListener(type, (e) => { if (e.isTrusted) spy.keys.push(type + ':' + e.key); }, true);
  }
  const list = document.getElementById('list');
  const composer = document.getElementById('composer');
  new MutationObserver(() => spy.composer.push(composer.textContent)).observe(composer, { subtree: true, childList: true, characterData: true });
  document.getElementById('send').addEventListener('click', () => {
    const text = composer.innerText.trim();
    if (!text) return;
    spy.sent.push(text);
    const li = document.createElement('li');
    li.textContent = text;
    list.append(li);
    composer.textContent = '';
  });
  /** Attacks on OffRecord's compose frame; 'mark' tags the current one, to tell a new one apart. */
  window.tamper = (how) => {
    const frame = document.querySelector('iframe[data-offrecord=compose]');
    if (how === 'uncover') return void document.getElementById('cover')?.remove();
    if (!frame) return;
    if (how === 'mark') frame.setAttribute('data-page-mark', '');
    else if (how === 'remove') frame.remove();
    else if (how === 'transparent') frame.style.opacity = '0';
    else if (how === 'hide') frame.style.visibility = 'hidden';
    else if (how === 'display') frame.style.display = 'none';
    else if (how === 'cover') {
      const box = frame.getBoundingClientRect();
      const cover = document.createElement('div');
      cover.id = 'cover';
      cover.textContent = 'Private message';
      Object.assign(cover.style, { position: 'fixed', left: box.left + 'px', top: box.top + 'px', width: box.width + 'px',
        height: box.height + 'px', zIndex: '2147483647', background: '#fff' });
      document.body.append(cover);
    }
  };
  /** The attack: queries shown as if a peer sent them, each one distinct. */
  window.fakeQueries = (count, everyMs) => {
    let n = 0;
    const timer = setInterval(() => {
      const li = document.createElement('li');
      li.textContent = '?OTRv3? ping ' + n;
      list.append(li);
      if (++n >= count) clearInterval(timer);
    }, everyMs);
  };
</script>
</body></html>`;

export interface HostileSite {
  /** The page's origin with a trailing slash, e.g. http://127.0.0.1:PORT/ */
  url: string;
  /** Serves `html` at `path` too (e.g. a copy of a real chat page's DOM, issue 17 item 5). */
  serve(path: string, html: string): void;
  stop(): Promise<void>;
}

export async function startHostileSite(): Promise<HostileSite> {
  const pages = new Map<string, string>([['/chat.html', HOSTILE_PAGE]]);
  const server: Server = createServer((req, res) => {
    const page = pages.get((req.url ?? '/').split('?')[0]!);
    if (page === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('hostile site: no server address');
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    serve: (path, html) => void pages.set(path, html),
    stop: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** The generic adapter's stored set-up for the page (what the element picker would save). */
export function genericSetup(origin: string): { key: string; value: Record<string, string> } {
  return {
    key: `generic-adapter:${origin.replace(/\/$/, '')}`,
    value: { composer: 'div#composer', messageList: 'ul#list', message: '', sendButton: 'button#send', technique: 'exec-command' },
  };
}

export interface SpyReport {
  sent: string[];
  keys: string[];
  composer: string[];
}

/** Runs in the page: what the hostile script recorded. */
export function readSpy(): SpyReport {
  return (window as unknown as { hostileSpy: SpyReport }).hostileSpy;
}

/** Text the test types into the compose frame: words found in no query or ciphertext. */
export const TYPED = 'zebra quiz '.repeat(7);

/**
 * Opens an extension page of a Firefox launched with a pinned `uuid` and system access
 * (launchFirefoxWithExtension's options): the remote protocol will not navigate a tab to a
 * moz-extension:// address, so the tab is added from the browser's own chrome scope.
 */
export async function openFirefoxExtensionPage(browser: FirefoxBrowser, uuid: string, path: string, timeoutMs = 40_000): Promise<FirefoxPage> {
  const conn = (browser as unknown as { connection: { send(m: string, p: object): Promise<{ result: { contexts: Array<{ context: string }> } }> } }).connection;
  const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const url = `moz-extension://${uuid}/${path}`;
  // Tabs are told apart by identity, not counted: a tab closing meanwhile (an add-on reload
  // closes its own pages) must not hide the new one.
  const before = new Set(await browser.pages());
  await conn.send('script.evaluate', {
    expression: `(() => { const w = Services.wm.getMostRecentWindow('navigator:browser');
      w.gBrowser.selectedTab = w.gBrowser.addTab(${JSON.stringify(url)}, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }); })()`,
    target: { context: tree.result.contexts[0]!.context },
    awaitPromise: false,
  });
  // A loaded machine may take long to open an extension tab; it need not be the last one listed.
  for (const t = Date.now(); Date.now() - t < timeoutMs; await new Promise((r) => setTimeout(r, 200))) {
    const added = (await browser.pages()).filter((p) => !before.has(p));
    for (const p of added.reverse()) if (p.url().startsWith(url) || (await p.evaluate(() => location.href).catch(() => '')).startsWith(url)) return p;
  }
  throw new Error(`Firefox: ${path} did not open`);
}

/**
 * Sets up the hostile site in Firefox: the generic adapter and, unless `addRow` is false, its
 * site row with the policy "always" (without one the origin is manual: issue 17 item 3).
 */
export async function setUpInFirefox(browser: FirefoxBrowser, uuid: string, origin: string, addRow = true): Promise<void> {
  const page = await openFirefoxExtensionPage(browser, uuid, 'popup.html');
  try {
    const setup = genericSetup(origin);
    const r = await page.evaluate(
      async (key, value, site) => {
        const api = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; error?: { message: string } }> }; storage: { local: { set(v: object): Promise<void> } } } }).browser;
        await api.storage.local.set({ [key]: value });
        if (!site) return { ok: true };
        return api.runtime.sendMessage({ kind: 'sites.add', payload: { name: 'Hostile chat', origins: [site], policy: 'always' } });
      },
      setup.key,
      setup.value,
      addRow ? origin.replace(/\/$/, '') : '',
    );
    if (!r.ok) throw new Error(`Firefox: sites.add: ${r.error?.message}`);
  } finally {
    await page.close();
  }
}

/**
 * Runs in the page (item 8, frame tokens): reads the address of each of OffRecord's frames and
 * frames the same address again itself, as a page would to take a frame's one-time delivery.
 * Returns the addresses it saw; its copies are marked `data-page-copy` (with the frame's role).
 */
export function copyOurFrames(): string[] {
  const ours = Array.from(document.querySelectorAll<HTMLIFrameElement>('iframe[data-offrecord]'));
  for (const f of ours) {
    const copy = document.createElement('iframe');
    copy.src = f.src;
    copy.setAttribute('data-page-copy', f.getAttribute('data-offrecord') ?? '');
    Object.assign(copy.style, { width: '300px', height: '60px' });
    document.body.append(copy);
  }
  return ours.map((f) => f.src);
}

/** No one-time token in a frame address: only the look and a 64-digit message id may be there. */
export function tokensIn(addresses: string[]): string[] {
  return addresses.filter((a) => /[0-9a-f]{32}/.test(new URL(a).hash.replace(/m=[0-9a-f]{64}/, '')));
}

/** Runs in the page: compose frames present, and how many of them the page has not marked. */
export function composeFrames(): { all: number; fresh: number } {
  const all = document.querySelectorAll('iframe[data-offrecord=compose]').length;
  return { all, fresh: document.querySelectorAll('iframe[data-offrecord=compose]:not([data-page-mark])').length };
}

export interface TamperDriver {
  /** Runs `window.tamper(how)` in the page's main world. */
  tamper(how: string): Promise<void>;
  frames(): Promise<{ all: number; fresh: number }>;
  /** The lock's data-offrecord-warning attribute and its label. */
  lock(): Promise<{ warning: string | null; label: string }>;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeout = 15_000): Promise<T> {
  let last: T | undefined;
  for (const start = Date.now(); Date.now() - start < timeout; await new Promise((r) => setTimeout(r, 200))) {
    last = await read().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Item 1 (trusted path), the same steps in either browser: a cover laid over the private box
 * turns the lock to a warning until it goes; a box removed, made transparent or hidden is
 * replaced by a new one, with the warning; a fourth time within the minute, OffRecord gives up
 * placing boxes on this page and the lock keeps warning.
 */
export async function tamperScenario(d: TamperDriver): Promise<void> {
  await until(() => d.frames(), (f) => f.all === 1, 'the compose frame');
  await until(() => d.lock(), (l) => l.warning === null, 'a lock without warning');
  await d.tamper('cover');
  await until(() => d.lock(), (l) => l.warning === 'page' && l.label.includes('page interferes'), 'the warning while covered');
  await d.tamper('uncover');
  await until(() => d.lock(), (l) => l.warning === null, 'the warning to go with the cover');
  for (const how of ['remove', 'transparent', 'hide']) {
    await d.tamper('mark');
    await d.tamper(how);
    await until(() => d.frames(), (f) => f.all === 1 && f.fresh === 1, `a new compose frame after "${how}"`);
    await until(() => d.lock(), (l) => l.warning === 'page', `the warning after "${how}"`);
  }
  await d.tamper('mark');
  await d.tamper('display');
  await until(() => d.frames(), (f) => f.all === 0, 'no compose frame after a fourth attack');
  await new Promise((r) => setTimeout(r, 2000));
  if ((await d.frames()).all !== 0) throw new Error('a compose frame was placed again after OffRecord gave up');
  const l = await d.lock();
  if (l.warning !== 'page') throw new Error(`the lock stopped warning: ${JSON.stringify(l)}`);
}

/** What a frame's security-mark element shows (run inside the frame on that element; issue 17 item 1). */
export function markOf(e: Element): { symbols: string; colour: string; shown: boolean } {
  const el = e as HTMLElement;
  return { symbols: el.textContent ?? '', colour: el.dataset.colour ?? '', shown: !el.hidden && getComputedStyle(el).display !== 'none' };
}

/** The mark as the background keeps it, i.e. as the options page shows it. */
export interface Mark {
  colour: string;
  symbols: string;
}

/** A frame that shows `mark`, as `markOf` reads it. */
export const showing = (mark: Mark) => ({ symbols: mark.symbols, colour: mark.colour, shown: true });

/** A request as Firefox's popup page sends it (launched with `uuid` and system access). */
export async function firefoxRequest<T>(browser: FirefoxBrowser, uuid: string, kind: string, payload: unknown, openTimeoutMs?: number): Promise<T> {
  const page = await openFirefoxExtensionPage(browser, uuid, 'popup.html', openTimeoutMs);
  try {
    const r = await page.evaluate(
      (k, p) => (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }> } } }).browser.runtime.sendMessage({ kind: k, payload: p }),
      kind,
      payload as object,
    );
    if (!r.ok) throw new Error(`Firefox: ${kind}: ${r.error?.message}`);
    return r.value as T;
  } finally {
    await page.close();
  }
}

/** Runs in the page: every text and attribute value the page can read, open shadow roots included. */
export function pageText(): string {
  const out: string[] = [];
  const walk = (root: Document | ShadowRoot): void => {
    out.push((root as Document).documentElement?.textContent ?? (root as ShadowRoot).textContent ?? '');
    for (const el of Array.from(root.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) out.push(a.value);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out.join('\n');
}

/**
 * Runs in a chat page: its DOM as markup, without scripts and without OffRecord's own elements,
 * for a look-alike page on another origin (issue 17 item 5).
 */
export function copyOfPage(): string {
  const clone = document.documentElement.cloneNode(true) as HTMLElement;
  for (const el of Array.from(clone.querySelectorAll('script, iframe, [data-offrecord-host], [data-offrecord]'))) el.remove();
  return `<!doctype html>\n${new XMLSerializer().serializeToString(clone)}`;
}

/**
 * Runs in a Converse page's main world: shows each text in `list` as an incoming message, in
 * Converse's own markup so that OffRecord reads it, with message ids `${id}-N`. With `watch`, the
 * page notes on `window.readerPlaced` whether OffRecord frames a reader in one of those rows.
 */
export function showInConverse({ list, texts, id, watch = false }: { list: string; texts: string[]; id: string; watch?: boolean }): void {
  const root = document.querySelector(list)!;
  const w = window as unknown as { readerPlaced?: boolean };
  texts.forEach((text, i) => {
    const row = document.createElement('converse-chat-message');
    const div = document.createElement('div');
    div.className = 'message chat-msg';
    div.setAttribute('data-msgid', `${id}-${i}`);
    const body = document.createElement('div');
    body.className = 'chat-msg__text';
    body.setAttribute('text', text);
    body.textContent = text;
    div.append(body);
    row.append(div);
    if (watch) new MutationObserver(() => (w.readerPlaced ||= !!row.querySelector('iframe[data-offrecord=reader]'))).observe(row, { subtree: true, childList: true });
    root.append(row);
  });
}
