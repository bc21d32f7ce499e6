/**
 * Frame claims and frame messages in the content script (frame-claims.ts): a frame is claimed,
 * and its messages heard, only when they come from the very element OffRecord placed
 * (`event.source`) and from OffRecord's own origin (`event.origin`). The page can navigate that
 * element to a document of its own (`srcdoc`, its own address): the element's window stays the
 * same, but that document posts from the page's origin. A frame whose page went (the background
 * says so) is taken out of the page. happy-dom loads no frame pages: each frame gets a window of
 * its own by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';

const bg = vi.hoisted(() => ({ requests: [] as Array<{ kind: string; payload: Record<string, unknown> }> }));
vi.mock('../../src/messaging/client', () => ({
  request: async (kind: string, payload: Record<string, unknown>) => {
    bg.requests.push({ kind, payload });
    return { claimed: true, token: 'a'.repeat(32) };
  },
}));

const { claimedFrame, expectClaim, frameGone, fromFrame, isExtensionOrigin } = await import('../../src/overlay/frame-claims');
const { openAttach } = await import('../../src/overlay/mail-files');
const { ComposeBox } = await import('../../src/overlay/compose-box');

const base = new URL(fakeBrowser.runtime.getURL('/'));
const EXTENSION = `${base.protocol}//${base.host}`;
const PAGE = 'http://localhost:9000';
const TOKEN = '1'.repeat(32);
const NONCE = '2'.repeat(32);

/** An iframe with a window of its own, as the browser gives a loaded frame. */
function frameWithWindow(): { frame: HTMLIFrameElement; win: Window } {
  const frame = document.createElement('iframe');
  const win = { name: 'frame window' } as unknown as Window;
  Object.defineProperty(frame, 'contentWindow', { value: win });
  return { frame, win };
}

function post(data: unknown, source: Window, origin: string): MessageEvent {
  const e = new MessageEvent('message', { data, source, origin });
  window.dispatchEvent(e);
  return e;
}

const claims = () => bg.requests.filter((r) => r.kind === 'content.frameClaim');

beforeEach(() => {
  bg.requests = [];
});
afterEach(() => {
  document.body.replaceChildren();
});

describe('frame claims', () => {
  it("the extension's origin is OffRecord's own, the page's is not", () => {
    expect(EXTENSION).toMatch(/^chrome-extension:\/\//);
    expect(isExtensionOrigin(EXTENSION)).toBe(true);
    expect(isExtensionOrigin(PAGE)).toBe(false);
    expect(isExtensionOrigin('null')).toBe(false);
  });

  it("a nonce posted from our element's window by a document of the page's origin (srcdoc) claims nothing", async () => {
    const { frame, win } = frameWithWindow();
    expectClaim(frame, TOKEN);
    document.body.append(frame);
    // The page put its own document into our element: same window, the page's origin.
    post({ offrecord: 'frame-ready', nonce: NONCE }, win, PAGE);
    post({ offrecord: 'frame-ready', nonce: NONCE }, win, 'null');
    await Promise.resolve();
    expect(claims()).toEqual([]);
    // OffRecord's own page in that element is still claimed, with the token, once.
    const ours = post({ offrecord: 'frame-ready', nonce: '3'.repeat(32) }, win, EXTENSION);
    await Promise.resolve();
    expect(claims()).toEqual([{ kind: 'content.frameClaim', payload: { token: TOKEN, nonce: '3'.repeat(32) } }]);
    expect(claimedFrame(ours)).toBe(frame);
    // Its later messages count only from OffRecord's origin.
    expect(claimedFrame(new MessageEvent('message', { data: {}, source: win, origin: PAGE }))).toBeUndefined();
  });

  it("a message is from our frame only from its element's window and the extension's origin", () => {
    const { frame, win } = frameWithWindow();
    const other = frameWithWindow();
    expect(fromFrame(new MessageEvent('message', { source: win, origin: EXTENSION }), frame)).toBe(true);
    expect(fromFrame(new MessageEvent('message', { source: win, origin: PAGE }), frame)).toBe(false);
    expect(fromFrame(new MessageEvent('message', { source: other.win, origin: EXTENSION }), frame)).toBe(false);
    expect(fromFrame(new MessageEvent('message', { source: win, origin: EXTENSION }), null)).toBe(false);
  });

  it('a claimed frame whose page went is taken out of the page; one already gone stays gone', async () => {
    const kept = frameWithWindow();
    const away = frameWithWindow();
    expectClaim(kept.frame, '7'.repeat(32));
    document.body.append(kept.frame);
    expectClaim(away.frame, '4'.repeat(32));
    document.body.append(away.frame);
    post({ offrecord: 'frame-ready', nonce: NONCE }, kept.win, EXTENSION);
    post({ offrecord: 'frame-ready', nonce: '5'.repeat(32) }, away.win, EXTENSION);
    away.frame.remove();
    frameGone('4'.repeat(32));
    frameGone('6'.repeat(32)); // a token this content script never claimed with
    expect(kept.frame.isConnected).toBe(true);
    frameGone('7'.repeat(32));
    expect(kept.frame.isConnected).toBe(false);
  });
});

/** Each iframe made while `run` runs gets a window of its own; returns the last one's. */
async function withFrameWindows<T>(run: () => Promise<T>): Promise<{ result: T; win: Window }> {
  const made = vi.spyOn(document, 'createElement');
  let win: Window | null = null;
  made.mockImplementation(function (this: Document, tag: string, options?: ElementCreationOptions) {
    const el = Document.prototype.createElement.call(this, tag, options);
    if (tag === 'iframe') {
      const own = { name: 'frame window' } as unknown as Window;
      win = own;
      Object.defineProperty(el, 'contentWindow', { value: own });
    }
    return el;
  });
  try {
    return { result: await run(), win: win! };
  } finally {
    made.mockRestore();
  }
}

describe('the compose frame', () => {
  it("goes back to the site's box (Escape) only when OffRecord's page in the frame asks", async () => {
    const lock = { host: document.createElement('div'), setComposer: vi.fn(), place: vi.fn(), setWarning: vi.fn(), showNotice: vi.fn() };
    // No composer found: the frame is not laid out (happy-dom has no layout for the guard to judge).
    const adapter = { name: 'test', composer: () => null } as unknown as ConstructorParameters<typeof ComposeBox>[1];
    const box = new ComposeBox(document, adapter, lock as unknown as ConstructorParameters<typeof ComposeBox>[2], {
      conversationId: () => 'c'.repeat(64),
      wanted: () => true,
      stopped: () => false,
    });
    box.start();
    const { win } = await withFrameWindows(async () => {
      box.sync();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    });
    const frame = document.querySelector<HTMLIFrameElement>('iframe[data-offrecord=compose]')!;
    expect(frame.contentWindow).toBe(win);
    post({ offrecord: 'compose-escape' }, win, PAGE);
    expect(frame.style.display).toBe('');
    expect(lock.setComposer).not.toHaveBeenCalledWith('site');
    post({ offrecord: 'compose-escape' }, win, EXTENSION);
    expect(frame.style.display).toBe('none');
    expect(lock.setComposer).toHaveBeenCalledWith('site');
    box.stop();
  });
});

describe('the attach frame', () => {
  it("takes a file and its announcement from OffRecord's page in the frame, not from a page document put in its element", async () => {
    const input = document.createElement('input');
    input.type = 'file';
    document.body.append(input);
    const carry = vi.fn();
    const adapter = { name: 'test', mail: { attachmentInput: () => input } } as unknown as Parameters<typeof openAttach>[1];
    const { result: frame, win } = await withFrameWindows(() => openAttach(document, adapter, 'c'.repeat(64), { carry, send: vi.fn(), notice: vi.fn() }));
    expect(frame?.isConnected).toBe(true);
    const file = { offrecord: 'attach-file', bytes: new ArrayBuffer(8), wire: ['?OTR:AAMDpage.'] };
    post(file, win, PAGE);
    post({ offrecord: 'close-attach' }, win, PAGE);
    expect(carry).not.toHaveBeenCalled();
    expect(frame!.isConnected).toBe(true);
    post({ ...file, wire: ['?OTR:AAMDours.'] }, win, EXTENSION);
    expect(carry).toHaveBeenCalledWith(['?OTR:AAMDours.']);
    post({ offrecord: 'close-attach' }, win, EXTENSION);
    expect(frame!.isConnected).toBe(false);
  });
});
