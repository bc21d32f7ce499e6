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

const PAGE = `<!doctype html>
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
  stop(): Promise<void>;
}

export async function startHostileSite(): Promise<HostileSite> {
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/chat.html') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('hostile site: no server address');
  return { url: `http://127.0.0.1:${addr.port}/`, stop: () => new Promise((ok) => server.close(() => ok())) };
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
export async function openFirefoxExtensionPage(browser: FirefoxBrowser, uuid: string, path: string): Promise<FirefoxPage> {
  const conn = (browser as unknown as { connection: { send(m: string, p: object): Promise<{ result: { contexts: Array<{ context: string }> } }> } }).connection;
  const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const url = `moz-extension://${uuid}/${path}`;
  const before = (await browser.pages()).length;
  await conn.send('script.evaluate', {
    expression: `(() => { const w = Services.wm.getMostRecentWindow('navigator:browser');
      w.gBrowser.selectedTab = w.gBrowser.addTab(${JSON.stringify(url)}, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }); })()`,
    target: { context: tree.result.contexts[0]!.context },
    awaitPromise: false,
  });
  for (const t = Date.now(); Date.now() - t < 15_000; await new Promise((r) => setTimeout(r, 200))) {
    const pages = await browser.pages();
    const last = pages.length > before ? pages[pages.length - 1] : undefined;
    if (last && (await last.evaluate(() => location.href).catch(() => '')).startsWith(url)) return last;
  }
  throw new Error(`Firefox: ${path} did not open`);
}

/** Sets up the hostile site in Firefox: its row with the policy "always" and the generic adapter. */
export async function setUpInFirefox(browser: FirefoxBrowser, uuid: string, origin: string): Promise<void> {
  const page = await openFirefoxExtensionPage(browser, uuid, 'popup.html');
  try {
    const setup = genericSetup(origin);
    const r = await page.evaluate(
      async (key, value, site) => {
        const api = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; error?: { message: string } }> }; storage: { local: { set(v: object): Promise<void> } } } }).browser;
        await api.storage.local.set({ [key]: value });
        return api.runtime.sendMessage({ kind: 'sites.add', payload: { name: 'Hostile chat', origins: [site], policy: 'always' } });
      },
      setup.key,
      setup.value,
      origin.replace(/\/$/, ''),
    );
    if (!r.ok) throw new Error(`Firefox: sites.add: ${r.error?.message}`);
  } finally {
    await page.close();
  }
}
