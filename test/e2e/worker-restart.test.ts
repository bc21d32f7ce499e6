/**
 * Issue 3 under real MV3 conditions: two Chromium profiles (Alice, Bob) with the built
 * extension talk OTR while the TEST is the chat network. Each side's content-script context
 * (a frame of a tiny local page, driven through chrome.scripting in the extension's isolated
 * world, so the background sees a genuine content script) hands the background the wire texts
 * the test chooses to deliver; compose and reader frames are the real extension pages. The
 * service workers are stopped over CDP at exact protocol points: mid-AKE (after Bob got the
 * DH-Commit, and after the Reveal Signature), mid-SMP (after SMP1, after SMP2) and between data
 * messages. Each time the conversation still goes private, the SMP completes, and every message
 * shows exactly once in a reader frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Frame, type Page, type Worker } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stopServiceWorker, until } from './helpers/browser';

// Runs inside the browser (extension pages and content-script worlds), typed loosely on purpose.
declare const chrome: any;

const EXT = resolve(__dirname, '../../.output/chrome-mv3');
const SITE = 'restart-test';

/** One browser: its profile, extension id, the controller (options page) and the chat tab. */
interface Side {
  name: string;
  peer: string;
  ctx: BrowserContext;
  profile: string;
  id: string;
  control: Page;
  chat: Page;
  tabId: number;
  conversationId: string;
  restarts: number;
}

interface IncomingResult {
  messageId: string;
  display: string;
  send: string[];
}

let server: Server;
let base = '';
let alice: Side;
let bob: Side;

async function launch(name: string, peer: string): Promise<Side> {
  const profile = await mkdtemp(join(tmpdir(), `offrecord-restart-${name}-`));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    args: [
      `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--headless=new', '--no-sandbox',
      '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 30_000 }));
  const id = new URL(sw.url()).host;
  const control = await ctx.newPage();
  await control.goto(`chrome-extension://${id}/options.html`);
  const chat = await ctx.newPage();
  await chat.goto(`${base}/?${name}`);
  await chat.frameLocator('#driver').locator('body').waitFor({ state: 'attached' });
  const tabId = await control.evaluate(async (url) => (await chrome.tabs.query({ url }))[0]!.id!, `${base}/*`);
  return { name, peer, ctx, profile, id, control, chat, tabId, conversationId: '', restarts: 0 };
}

/**
 * Runs one operation in the driver frame's content-script world. The function is serialised
 * by chrome.scripting, so it is self-contained; state lives on the isolated world's globalThis
 * (shared by every injection into that frame). Like the real content script, it reconnects its
 * port and registers its conversation again after the worker went away.
 */
async function content<T>(side: Side, op: string, arg: unknown = null): Promise<T> {
  const value = await side.control.evaluate(
    async ([tabId, op, arg]) => {
      const results = await chrome.scripting.executeScript({
        target: { tabId, allFrames: true },
        world: 'ISOLATED',
        args: [op, arg],
        func: async (op: string, arg: any) => {
          if (location.pathname !== '/driver') return null;
          const g = globalThis as any;
          const s = (g.__offrecordTest ??= { out: [], port: null, lost: 0, reg: null });
          const call = async (kind: string, payload: unknown) => {
            const reply = await chrome.runtime.sendMessage({ kind, payload });
            if (!reply?.ok) throw new Error(`${kind}: ${JSON.stringify(reply)}`);
            return reply.value;
          };
          const ensure = async () => {
            if (s.port) return;
            const port = chrome.runtime.connect({ name: 'offrecord:content' });
            port.onMessage.addListener((m: unknown) => s.out.push(m));
            port.onDisconnect.addListener(() => {
              if (s.port === port) {
                s.port = null;
                s.lost++;
              }
            });
            s.port = port;
            if (s.reg) await call('content.register', s.reg);
          };
          if (op === 'state') return { ok: { lost: s.lost } };
          await ensure();
          if (op === 'register') {
            s.reg = arg;
            return { ok: await call('content.register', arg) };
          }
          if (op === 'incoming') return { ok: await call('content.incoming', arg) };
          if (op === 'drain') {
            const out = s.out;
            s.out = [];
            return { ok: { pushes: out, lost: s.lost } };
          }
          if (op === 'frame') {
            // Places a compose or reader frame with a fresh one-time token, as the overlay does.
            const { token } = await call('content.frameToken', arg.request);
            const f = document.createElement('iframe');
            f.setAttribute('data-test', arg.tag);
            f.src = chrome.runtime.getURL(`/${arg.request.role}.html`);
            // The frame posts the nonce it said on its port to this window; the content script claims it.
            const onReady = (e: MessageEvent) => {
              const data = e.data as { offrecord?: string; nonce?: string } | null;
              if (e.source !== f.contentWindow || data?.offrecord !== 'frame-ready') return;
              window.removeEventListener('message', onReady);
              void call('content.frameClaim', { token, nonce: data.nonce });
            };
            window.addEventListener('message', onReady);
            document.querySelector(`[data-test="${arg.tag}"]`)?.remove();
            document.body.append(f);
            return { ok: true };
          }
          throw new Error(`unknown op ${op}`);
        },
      });
      const hit = (results as Array<{ result?: unknown }>).find((r) => r.result !== null && r.result !== undefined);
      if (!hit) throw new Error('the driver frame did not answer');
      return (hit.result as { ok: unknown }).ok;
    },
    [side.tabId, op, arg] as const,
  );
  return value as T;
}


/** A popup/options request from the controller page. */
async function request<T>(side: Side, kind: string, payload: unknown): Promise<T> {
  const reply = await side.control.evaluate(([kind, payload]) => chrome.runtime.sendMessage({ kind, payload }), [kind, payload] as const);
  if (!reply?.ok) throw new Error(`${kind}: ${JSON.stringify(reply)}`);
  return reply.value as T;
}

function driver(side: Side): Frame {
  const f = side.chat.frames().find((fr) => fr.url().endsWith('/driver'));
  if (!f) throw new Error('no driver frame');
  return f;
}

/** Wire texts the background pushed to this side's content script since the last drain. */
async function pushed(side: Side): Promise<string[]> {
  const { pushes } = await content<{ pushes: Array<{ type: string; conversationId?: string; texts?: string[] }> }>(side, 'drain');
  return pushes.filter((p) => p.type === 'send' && p.conversationId === side.conversationId).flatMap((p) => p.texts ?? []);
}

async function waitPushed(side: Side, count = 1): Promise<string[]> {
  const got: string[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < count) {
    if (Date.now() > deadline) throw new Error(`${side.name}: waited for ${count} wire texts, got ${got.length}`);
    got.push(...(await pushed(side)));
    if (got.length < count) await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

async function deliver(to: Side, texts: string[]): Promise<IncomingResult[]> {
  const out: IncomingResult[] = [];
  for (const text of texts) out.push(await content<IncomingResult>(to, 'incoming', { conversationId: to.conversationId, text }));
  return out;
}

/**
 * Stops this browser's extension service worker over CDP (ServiceWorker.stopWorker, as
 * Chromium does when it is idle), lets the content script talk to it again, and checks a new
 * worker really runs: a mark set on the old worker's global is gone.
 */
async function restartWorker(side: Side): Promise<void> {
  const sw: Worker = side.ctx.serviceWorkers()[0]!;
  const lostBefore = (await content<{ lost: number }>(side, 'drain')).lost;
  await sw.evaluate(() => ((globalThis as any).__offrecordMark = true));
  await stopServiceWorker(side.ctx, side.id);
  side.restarts++;
  // The content script sees its port close, then reconnects and registers again.
  await until(async () => (await content<{ lost: number }>(side, 'state')).lost > lostBefore, 10_000);
  await content(side, 'drain');
  await until(async () => (await sw.evaluate(() => (globalThis as any).__offrecordMark ?? false).catch(() => true)) === false, 10_000);
}

async function view(side: Side): Promise<{ state: string; smp: { status: string }; trust?: string; fingerprint?: string }> {
  const list = await request<Array<{ id: string; state: string; smp: { status: string } }>>(side, 'conversations.list', { tabId: side.tabId });
  const v = list.find((c) => c.id === side.conversationId);
  if (!v) throw new Error(`${side.name}: conversation not listed`);
  return v;
}

let composeCount = 0;
/** Types `text` in a fresh compose frame (the real compose page) and returns the wire texts. */
async function type(side: Side, text: string): Promise<string[]> {
  const tag = `compose-${++composeCount}`;
  await content(side, 'frame', { tag, request: { conversationId: side.conversationId, role: 'compose' } });
  const input = driver(side).frameLocator(`[data-test="${tag}"]`).locator('[data-offrecord="compose-input"]');
  await expect.poll(() => input.isEnabled(), { timeout: 15_000 }).toBe(true);
  await input.fill(text);
  await input.press('Enter');
  await expect.poll(() => input.inputValue(), { timeout: 15_000 }).toBe('');
  return waitPushed(side);
}

/** Places a reader frame for each encrypted message id and returns what the frames show. */
async function read(side: Side, messageIds: string[]): Promise<string[]> {
  const shown: string[] = [];
  for (const messageId of messageIds) {
    const tag = `reader-${messageId.slice(0, 12)}-${shown.length}`;
    await content(side, 'frame', { tag, request: { conversationId: side.conversationId, role: 'reader', messageId } });
    const frame = driver(side).frameLocator(`[data-test="${tag}"]`);
    await frame.locator('body[data-status]').waitFor({ timeout: 15_000 });
    shown.push((await frame.locator('[data-offrecord="plaintext"]').textContent()) ?? '');
  }
  return shown;
}

/** All reader frames currently in the chat page, with their text. */
async function readerTexts(side: Side): Promise<string[]> {
  const frames = driver(side).locator('iframe[data-test^="reader-"]');
  const out: string[] = [];
  for (let i = 0; i < (await frames.count()); i++) {
    out.push((await frames.nth(i).contentFrame().locator('[data-offrecord="plaintext"]').textContent()) ?? '');
  }
  return out;
}

/** Sends Alice's typed text to Bob and returns what Bob's reader frames show for it. */
async function sendAndRead(from: Side, to: Side, text: string): Promise<{ wire: string[]; shown: string[] }> {
  const wire = await type(from, text);
  const results = await deliver(to, wire);
  const ids = results.filter((r) => r.display === 'encrypted').map((r) => r.messageId);
  return { wire, shown: await read(to, ids) };
}

beforeAll(async () => {
  if (!existsSync(join(EXT, 'manifest.json'))) throw new Error(`no build at ${EXT}: run npm run build first`);
  // The "chat site": a page whose inner frame is where the test's content script works.
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/') res.end('<!doctype html><title>chat</title><iframe id="driver" src="/driver" style="width:900px;height:700px"></iframe>');
    else if (path === '/driver') res.end('<!doctype html><title>driver</title><body></body>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no server address');
  base = `http://127.0.0.1:${addr.port}`;
  [alice, bob] = await Promise.all([launch('alice', 'bob'), launch('bob', 'alice')]);
  for (const side of [alice, bob]) {
    // Wait for the identity key so timings below measure the protocol, not first-run keygen.
    await until(async () => (await request<{ state: string }>(side, 'identity.status', {})).state === 'ready', 60_000);
    const v = await content<{ id: string }>(side, 'register', { site: SITE, account: side.name, peer: side.peer, title: side.peer });
    side.conversationId = v.id;
  }
});

afterAll(async () => {
  for (const side of [alice, bob]) {
    await side?.ctx.close().catch(() => undefined);
    if (side?.profile) await rm(side.profile, { recursive: true, force: true });
  }
  await new Promise((ok) => server?.close(ok));
});

describe('service worker stopped mid-protocol (real Chromium, MV3)', () => {
  it('AKE: workers stopped after Bob got the DH-Commit and after the Reveal Signature; it still goes private', { timeout: 60_000 }, async () => {
    // Bob asks; Alice accepts, which answers the query with the DH-Commit.
    await request(bob, 'conversation.start', { conversationId: bob.conversationId });
    const query = await waitPushed(bob);
    expect(query[0]).toMatch(/^\?OTRv/);
    const [toQuery] = await deliver(alice, query);
    // Alice's OffRecord holds the query (default policy); her Start answers it with the DH-Commit.
    expect(toQuery!.send).toEqual([]);
    await request(alice, 'conversation.start', { conversationId: alice.conversationId });
    const dhCommit = await waitPushed(alice);
    expect(dhCommit.length).toBeGreaterThan(0);
    const [toCommit] = await deliver(bob, dhCommit);
    const dhKey = toCommit!.send;
    expect(dhKey.length).toBeGreaterThan(0);

    // Bob holds the DH-Commit state, Alice is awaiting the DH-Key: both workers die here.
    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    const [toKey] = await deliver(alice, dhKey);
    const revealSig = toKey!.send;
    expect(revealSig.length).toBeGreaterThan(0);
    const [toReveal] = await deliver(bob, revealSig);
    const signature = toReveal!.send;
    expect(signature.length).toBeGreaterThan(0);
    expect((await view(bob)).state).toBe('unverified');

    // After the Reveal Signature Bob is private, Alice waits for the Signature: restart again.
    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    await deliver(alice, signature);
    expect((await view(alice)).state).toBe('unverified');
    expect((await view(bob)).state).toBe('unverified');
    // Each side sees the other's identity fingerprint.
    const aliceId = await request<{ fingerprint: string }>(alice, 'identity.status', {});
    expect((await view(bob)).fingerprint).toBe(aliceId.fingerprint);
  });

  it('data: workers stopped between two messages; none lost, none shown twice', async () => {
    const first = await sendAndRead(alice, bob, 'first message, before the restart');
    expect(first.shown).toEqual(['first message, before the restart']);

    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    // A message encrypted before the restart but delivered after it.
    const inFlight = await type(alice, 'second, encrypted before the restart');
    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    const results = await deliver(bob, inFlight);
    expect(results.map((r) => r.display)).toEqual(['encrypted']);
    expect(await read(bob, [results[0]!.messageId])).toEqual(['second, encrypted before the restart']);

    // The chat delivers the first message again after the restart: processed once only. Its
    // text was shown and, under the default Privacy setting, not kept: "encrypted earlier" as a
    // status line, no frame ('gone').
    const redelivered = await deliver(bob, first.wire);
    expect(redelivered.map((r) => r.display)).toEqual(['gone']);

    const third = await sendAndRead(alice, bob, 'third, after the restart');
    expect(third.shown).toEqual(['third, after the restart']);
    const reply = await sendAndRead(bob, alice, 'reply from Bob');
    expect(reply.shown).toEqual(['reply from Bob']);
    expect(await readerTexts(bob)).toEqual([
      'first message, before the restart',
      'second, encrypted before the restart',
      'third, after the restart',
    ]);
    expect(await readerTexts(alice)).toEqual(['reply from Bob']);
  });

  it('SMP: workers stopped after SMP1 and after SMP2; it still succeeds and both see verified', async () => {
    await request(alice, 'smp.start', { conversationId: alice.conversationId, secret: 'blue whale' });
    const smp1 = await waitPushed(alice);
    const [at1] = await deliver(bob, smp1);
    expect(at1!.display).toBe('hidden');
    expect((await view(bob)).smp.status).toBe('awaiting-answer');

    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    expect((await view(bob)).smp.status).toBe('awaiting-answer');
    await request(bob, 'smp.answer', { conversationId: bob.conversationId, secret: 'blue whale' });
    const smp2 = await waitPushed(bob);
    const [at2] = await deliver(alice, smp2);
    const smp3 = at2!.send;
    expect(smp3.length).toBeGreaterThan(0);

    await Promise.all([restartWorker(alice), restartWorker(bob)]);
    const [at3] = await deliver(bob, smp3);
    const smp4 = at3!.send;
    expect(smp4.length).toBeGreaterThan(0);
    await deliver(alice, smp4);
    // No question was asked, so both sides learn the other knows the secret (libotr: trust "smp").
    for (const side of [alice, bob]) {
      const v = await view(side);
      expect(v.smp.status).toBe('succeeded');
      expect(v.state).toBe('private');
      expect(v.trust).toBe('smp');
    }
    // Messages still flow after it, exactly once.
    const after = await sendAndRead(bob, alice, 'after the SMP');
    expect(after.shown).toEqual(['after the SMP']);
    expect(await readerTexts(alice)).toEqual(['reply from Bob', 'after the SMP']);
    expect(alice.restarts + bob.restarts).toBe(12);
  });
});
