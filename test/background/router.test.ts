import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { classifySender } from '../../src/background/router';
import { CONTENT_PORT, EVENTS_PORT, FRAME_PORT } from '../../src/messaging/ports';
import { messageIdOf } from '../../src/messaging/message-id';
import { ENV, ORIGIN, RUNTIME_ID, makeBackground, senders, settle, type Background, type FakePort } from './harness';
import { freshDbName } from './helpers';

let bg: Background;
beforeEach(async () => {
  fakeBrowser.reset();
  bg = await makeBackground(freshDbName(), 'router:');
});

describe('classifySender', () => {
  it('maps extension pages by path, content scripts by tab and frame', () => {
    expect(classifySender(senders.popup, ENV)).toEqual({ context: 'popup' });
    expect(classifySender(senders.content(3, 2), ENV)).toEqual({ context: 'content', tabId: 3, frameId: 2, origin: 'http://localhost:9000' });
    expect(classifySender(senders.compose(3, 4), ENV)).toEqual({ context: 'compose-frame', tabId: 3, frameId: 4 });
    // Chrome's per-session address for the web-accessible frames (use_dynamic_url).
    const dynamic = 'chrome-extension://0123456789abcdef0123456789abcdef';
    const fromDynamic = { ...senders.compose(3, 4), url: `${dynamic}/compose.html`, origin: dynamic };
    expect(classifySender(fromDynamic, ENV)).toBeNull();
    expect(classifySender(fromDynamic, { ...ENV, frameOrigin: dynamic })).toEqual({ context: 'compose-frame', tabId: 3, frameId: 4 });
    expect(classifySender({ ...senders.popup, id: 'someone-else' }, ENV)).toBeNull();
    expect(classifySender({ ...senders.popup, url: `${ORIGIN}/unknown.html` }, ENV)).toBeNull();
    expect(classifySender({ id: RUNTIME_ID, url: 'http://localhost/' }, ENV)).toBeNull(); // no tab
    expect(classifySender({ ...senders.compose(), frameId: 0 }, ENV)).toBeNull(); // a frame is never the top frame
  });
});

describe('router', () => {
  it('answers a valid request from the popup', async () => {
    const reply = await bg.router.handleMessage({ kind: 'identity.status', payload: {} }, senders.popup);
    expect(reply).toMatchObject({ ok: true, value: { state: 'ready' } });
  });

  it('refuses malformed messages and payloads', async () => {
    const cases: unknown[] = [
      null,
      'identity.status',
      { kind: 'identity.status' },
      { kind: 'no.such.kind', payload: {} },
      { kind: 'identity.unlock', payload: { passphrase: 42 } },
      { kind: 'identity.unlock', payload: { passphrase: 'x', extra: true } },
      { kind: 'peers.setTrust', payload: { fingerprint: 'not hex', trust: 'smp' } },
      { kind: 'peers.setTrust', payload: { fingerprint: 'A'.repeat(40), trust: 'total' } },
      { kind: 'identity.status', payload: {}, more: 1 },
    ];
    for (const message of cases) {
      const reply = await bg.router.handleMessage(message, senders.popup);
      expect(reply, JSON.stringify(message)).toMatchObject({ ok: false, error: { code: 'schema' } });
    }
  });

  it('refuses a sender from another extension or an unknown page', async () => {
    for (const sender of [{ ...senders.popup, id: 'evil' }, { ...senders.content(), id: undefined }, undefined]) {
      const reply = await bg.router.handleMessage({ kind: 'identity.status', payload: {} }, sender);
      expect(reply).toMatchObject({ ok: false, error: { code: 'sender' } });
    }
  });

  it('refuses a content script anything outside its kinds', async () => {
    for (const kind of ['peers.list', 'libotr.export', 'identity.status', 'keys.list'] as const) {
      const reply = await bg.router.handleMessage({ kind, payload: {} }, senders.content());
      expect(reply).toMatchObject({ ok: false, error: { code: 'sender' } });
    }
    const page = await bg.router.handleMessage({ kind: 'content.register', payload: { site: 'thelounge', account: 'a', peer: 'b' } }, senders.popup);
    expect(page).toMatchObject({ ok: false, error: { code: 'sender' } });
  });

  it("answers a content script's requests on its content port, with the checks of a runtime message", async () => {
    const port = bg.connect(CONTENT_PORT, senders.content(5));
    port.deliver({ type: 'request', id: 7, kind: 'content.register', payload: { site: 'thelounge', account: 'alice', peer: 'bob' } });
    port.deliver({ type: 'request', id: 8, kind: 'peers.list', payload: {} });
    port.deliver({ type: 'request', id: 9, kind: 'content.register', payload: { site: 'thelounge' } });
    port.deliver({ type: 'hello' }); // not a request: no answer
    await settle();
    const replies = port.of<{ id: number; reply: { ok: boolean; error?: { code: string } } }>('reply');
    expect(replies.map((r) => r.id).sort()).toEqual([7, 8, 9]);
    const byId = new Map(replies.map((r) => [r.id, r.reply]));
    expect(byId.get(7)).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    expect(byId.get(8)).toMatchObject({ ok: false, error: { code: 'sender' } });
    expect(byId.get(9)).toMatchObject({ ok: false, error: { code: 'schema' } });
    // The same conversation as the runtime message gives the same tab.
    const again = await bg.ask(senders.content(5), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    expect(again.id).toBe((byId.get(7) as unknown as { value: { id: string } }).value.id);
  });

  it("grants a claim that came before its frame's hello once the hello comes", async () => {
    const conv = await bg.ask(senders.content(1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const { token } = await bg.ask(senders.content(1), 'content.frameToken', { conversationId: conv.id, role: 'compose' });
    const nonce = '34'.repeat(16);
    const claim = bg.ask(senders.content(1), 'content.frameClaim', { token, nonce });
    await settle();
    const frame = bg.connect(FRAME_PORT, senders.compose(1, 5));
    frame.deliver({ type: 'hello', nonce });
    expect(await claim).toEqual({ claimed: true });
    await settle();
    expect(frame.of('ready')).toHaveLength(1);
  });

  it('never lets a content script hold a frame port, even with a valid token', async () => {
    const conv = await bg.ask(senders.content(), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const messageId = messageIdOf('?OTR:AAMD.');
    const { token } = await bg.ask(senders.content(), 'content.frameToken', { conversationId: conv.id, role: 'reader', messageId });
    const port = bg.connect(FRAME_PORT, senders.content());
    await bg.present(port, token);
    expect(port.disconnected).toBe(true);
    expect(port.posted).toEqual([]);
    // Nor the popup's event port.
    expect(bg.connect(EVENTS_PORT, senders.content()).disconnected).toBe(true);
    expect(bg.connect(CONTENT_PORT, senders.popup).disconnected).toBe(true);
  });

  it('serves a frame only once its content script claims it: not unclaimed, not with a reused token, another tab\'s or another role\'s', async () => {
    const conv = await bg.ask(senders.content(1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const messageId = messageIdOf('?OTR:AAMD.');
    const token = async () => (await bg.ask(senders.content(1), 'content.frameToken', { conversationId: conv.id, role: 'reader', messageId })).token;
    const served = (p: FakePort) => p.posted.filter((m) => (m as { type: string }).type !== 'error');

    const unclaimed = bg.connect(FRAME_PORT, senders.reader());
    unclaimed.deliver({ type: 'hello', nonce: '12'.repeat(16) });
    await settle();
    expect(unclaimed.disconnected).toBe(false);
    expect(unclaimed.posted).toEqual([]);

    // A hello with no nonce, or one another frame said already, closes the port.
    const bare = bg.connect(FRAME_PORT, senders.reader());
    bare.deliver({ type: 'hello' });
    const copied = bg.connect(FRAME_PORT, senders.reader());
    copied.deliver({ type: 'hello', nonce: '12'.repeat(16) });
    await settle();
    expect([bare.disconnected, copied.disconnected]).toEqual([true, true]);

    const t1 = await token();
    const first = bg.connect(FRAME_PORT, senders.reader());
    expect(await bg.present(first, t1)).toBe(true);
    expect(first.disconnected).toBe(false);
    expect(first.of('unavailable')).toEqual([{ type: 'unavailable', messageId }]);
    const reused = bg.connect(FRAME_PORT, senders.reader());
    expect(await bg.present(reused, t1)).toBe(false);
    expect(served(reused)).toEqual([]);

    // A frame in tab 2, claimed by tab 1's content script with tab 1's token.
    const otherTab = bg.connect(FRAME_PORT, senders.reader(2));
    expect(await bg.present(otherTab, await token(), { content: senders.content(1) })).toBe(false);
    expect(served(otherTab)).toEqual([]);

    // A reader token does not open a compose frame.
    const wrongRole = bg.connect(FRAME_PORT, senders.compose());
    expect(await bg.present(wrongRole, await token())).toBe(false);
    expect(served(wrongRole)).toEqual([]);
  });
});
