/**
 * The port hub's frame ports as Chromium treats them: posting on a port whose other end went
 * throws ("Attempting to use a disconnected port object"). A frame that goes while its claim
 * waits for the security mark is not kept; one port that throws never keeps the others from a
 * push, nor the engine from its work; and the content script hears when a claimed compose,
 * verify or attach frame's page went (the page may have navigated the element elsewhere).
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { bufferPort } from '../../src/background/main';
import { CONTENT_PORT, FRAME_PORT } from '../../src/messaging/ports';
import type { SecurityMark } from '../../src/messaging/types';
import { FakePort, makeBackground, senders, settle, type Background } from './harness';
import { freshDbName } from './helpers';

/** Posting after the other end went throws, as in Chromium. `broken`: it went and we were not told. */
class ChromePort extends FakePort {
  broken = false;
  /** Posts tried on it once it went. */
  tried = 0;
  override postMessage(m: unknown) {
    if (this.disconnected || this.broken) this.tried++;
    if (this.disconnected || this.broken) throw new Error('Attempting to use a disconnected port object');
    super.postMessage(m);
  }
}

let bg: Background;
let content: FakePort;
let conversationId: string;
beforeEach(async () => {
  fakeBrowser.reset();
  bg = await makeBackground(freshDbName(), 'hub:');
  content = bg.connect(CONTENT_PORT, senders.content(1));
  conversationId = (await bg.ask(senders.content(1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' })).id;
});

function framePort(sender = senders.compose(1, 5)): ChromePort {
  const port = new ChromePort(FRAME_PORT, sender);
  bg.router.handleConnect(bufferPort(port));
  return port;
}

async function token(role: 'compose' | 'verify' | 'reader' | 'attach', messageId?: string): Promise<string> {
  return (await bg.ask(senders.content(1), 'content.frameToken', { conversationId, role, ...(messageId ? { messageId } : {}) })).token;
}

/** The security mark's read waits until `open()`: a frame's claim is served only then. */
function holdMark(): { open(): void } {
  let open = () => undefined as void;
  const gate = new Promise<void>((r) => (open = r));
  bg.hub.attachMark(async () => {
    const mark = await bg.config.securityMark();
    await gate;
    return mark as SecurityMark;
  });
  return { open };
}

const types = (p: FakePort) => p.posted.map((m) => (m as { type: string }).type);

describe('frame ports that go', () => {
  it('a frame that goes while its mark is read is not kept: conversation.start and later pushes still work', async () => {
    const mark = holdMark();
    const going = framePort(senders.compose(1, 5));
    expect(await bg.present(going, await token('compose'))).toBe(true);
    going.disconnect(); // the frame went while granted() awaited the mark
    mark.open();
    await settle();
    const staying = framePort(senders.compose(1, 6));
    expect(await bg.present(staying, await token('compose'))).toBe(true);
    const before = staying.posted.length;
    await expect(bg.ask(senders.content(1), 'conversation.start', { conversationId })).resolves.toMatchObject({ id: conversationId });
    await settle();
    expect(types(staying).slice(before)).toContain('conversation');
    // Nothing was ever posted to the frame that went, nor tried.
    expect(going.posted).toEqual([]);
    expect(going.tried).toBe(0);
  });

  it('a port that throws on posting is dropped from pushes, and the others still get theirs', async () => {
    const broken = framePort(senders.compose(1, 5));
    const other = framePort(senders.verify(1, 7));
    expect(await bg.present(broken, await token('compose'))).toBe(true);
    expect(await bg.present(other, await token('verify'))).toBe(true);
    broken.broken = true; // gone, and no disconnect heard
    const events = new ChromePort('offrecord:events', senders.popup);
    bg.router.handleConnect(bufferPort(events));
    events.broken = true;
    const before = other.posted.length;
    await expect(bg.ask(senders.content(1), 'conversation.start', { conversationId })).resolves.toMatchObject({ id: conversationId });
    expect(types(other).slice(before)).toContain('conversation');
    expect(broken.tried).toBe(1);
    // Dropped: the next push is not tried on it again.
    await expect(bg.ask(senders.content(1), 'conversation.end', { conversationId })).resolves.toMatchObject({ id: conversationId });
    expect(broken.tried).toBe(1);
  });
});

describe('the content script hears when a claimed frame went', () => {
  const gone = () => content.posted.filter((m) => (m as { type: string }).type === 'frame-gone');

  it('a compose, verify or attach frame whose port closed: the content script that placed it is told its token', async () => {
    const compose = framePort(senders.compose(1, 5));
    const composeToken = await token('compose');
    expect(await bg.present(compose, composeToken)).toBe(true);
    const verify = framePort(senders.verify(1, 7));
    const verifyToken = await token('verify');
    expect(await bg.present(verify, verifyToken)).toBe(true);
    expect(gone()).toEqual([]);
    compose.disconnect();
    verify.disconnect();
    expect(gone()).toEqual([
      { type: 'frame-gone', conversationId, token: composeToken },
      { type: 'frame-gone', conversationId, token: verifyToken },
    ]);
  });

  it('also when it went while its mark was read', async () => {
    const mark = holdMark();
    const compose = framePort();
    const composeToken = await token('compose');
    expect(await bg.present(compose, composeToken)).toBe(true);
    compose.disconnect();
    mark.open();
    await settle();
    expect(gone()).toEqual([{ type: 'frame-gone', conversationId, token: composeToken }]);
  });

  it('not for a reader (it closes its port once it shows its text), nor for a frame never claimed', async () => {
    const reader = framePort(senders.reader(1, 6));
    expect(await bg.present(reader, await token('reader', 'a'.repeat(64)))).toBe(true);
    reader.disconnect();
    const unclaimed = framePort(senders.compose(1, 8));
    unclaimed.deliver({ type: 'hello', nonce: 'b'.repeat(32) });
    await settle();
    unclaimed.disconnect();
    expect(gone()).toEqual([]);
  });
});

describe('a verify frame says when a key is pressed', () => {
  it('to the content script that placed it, without the key, as the compose frame does', async () => {
    const verify = framePort(senders.verify(1, 7));
    expect(await bg.present(verify, await token('verify'))).toBe(true);
    const typing = () => content.posted.filter((m) => (m as { type: string }).type === 'typing');
    expect(typing()).toEqual([]);
    verify.deliver({ type: 'typing' });
    await settle();
    expect(typing()).toEqual([{ type: 'typing', conversationId }]);
    // Anything more than the bare signal is not relayed.
    verify.deliver({ type: 'typing', key: 'a' });
    await settle();
    expect(typing()).toHaveLength(1);
  });
});
