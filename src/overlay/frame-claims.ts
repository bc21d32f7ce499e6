/**
 * Claims OffRecord's frames for their tokens (background/tokens.ts). A frame says a nonce on its
 * port and posts it to this window; it is claimed with the token only when
 * the message's `event.source` is the very iframe element placed for that token and its
 * `event.origin` is the extension's. Page script can post the same message, or frame OffRecord's
 * pages itself, but cannot make `event.source` one of our elements; it can put a document of its
 * own into one of our elements (`srcdoc`, its own address: same element, same window), but that
 * document posts from the page's origin. It never sees a token: tokens stay in this content script.
 */
import browser from 'webextension-polyfill';
import { request } from '../messaging/client';
import { frameToHost } from '../messaging/frame-host';
import { FRAMES } from '../messaging/frames';

const tokens = new Map<HTMLIFrameElement, string>();
const listening = new WeakSet<Window>();
/** Each claimed frame by the window that posted its nonce: the frame's later messages come from it. */
const claimed = new WeakMap<Window, HTMLIFrameElement>();
/** Each claimed frame by its token: the background names the token when the frame's port goes (frameGone). */
const byToken = new Map<string, HTMLIFrameElement>();

const originOf = (url: string) => {
  // URL.origin is 'null' for non-special schemes such as chrome-extension:, so compare by parts.
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
};
let origins: string[] | null = null;

/**
 * Whether a message's `event.origin` is OffRecord's own: the extension's origin, or (Chrome,
 * `use_dynamic_url`) the per-session address its frames load from. A document the page put
 * into one of our elements posts from the page's origin (or 'null'), whatever its window.
 */
export function isExtensionOrigin(origin: string): boolean {
  origins ??= [...new Set([originOf(browser.runtime.getURL('/')), originOf(browser.runtime.getURL(`/${FRAMES.compose.page}` as '/compose.html'))])];
  return origins.includes(origin);
}

/** `e` came from OffRecord's own page in `frame`, not from a document the page put into it. */
export function fromFrame(e: MessageEvent, frame: HTMLIFrameElement | null | undefined): boolean {
  return !!frame && !!e.source && e.source === frame.contentWindow && isExtensionOrigin(e.origin);
}

function onMessage(e: MessageEvent): void {
  const m = frameToHost(e.data);
  if (m?.offrecord !== 'frame-ready' || !e.source || !isExtensionOrigin(e.origin)) return;
  // Frames are read in the order they were placed, which is the order they load in: touching
  // `contentWindow` of a frame still on its first blank document makes its window at once.
  for (const [frame, token] of tokens) {
    if (frame.contentWindow === e.source) {
      // One claim per element: a page that navigates our iframe again gets no second one.
      tokens.delete(frame);
      claimed.set(e.source as Window, frame);
      for (const [t, f] of byToken) if (!f.isConnected) byToken.delete(t);
      byToken.set(token, frame);
      void request('content.frameClaim', { token, nonce: m.nonce }).catch(() => undefined);
      return;
    }
  }
}

/**
 * The claimed frame whose window sent a message, if any, and only for a message from OffRecord's
 * own page in it: a frame's messages after its nonce are matched here, not by each placed
 * frame's `contentWindow`, which for a frame not yet loaded builds a script context for its
 * blank first document (43 such in one animation frame cost the page ~0.3 s when a history came
 * on screen, npm run bench).
 */
export function claimedFrame(e: MessageEvent): HTMLIFrameElement | undefined {
  return e.source && isExtensionOrigin(e.origin) ? claimed.get(e.source as Window) : undefined;
}

/**
 * The background says the port of the frame claimed with `token` closed (ContentPush
 * 'frame-gone'): its page is no longer in the element. Still in the page, the element now shows
 * whatever the page navigated it to (say, its own look-alike through `srcdoc`), so it goes: the
 * compose box's guard then places a fresh frame (tamper 'removed'), a dialog is simply closed.
 */
export function frameGone(token: string): void {
  const frame = byToken.get(token);
  byToken.delete(token);
  if (frame?.isConnected) frame.remove();
}

/** `frame` (not yet loaded) is the one placed for `token`. */
export function expectClaim(frame: HTMLIFrameElement, token: string): void {
  // Frames taken out of the page before they loaded are forgotten here.
  for (const f of [...tokens.keys()]) if (!f.isConnected && f !== frame) tokens.delete(f);
  tokens.set(frame, token);
  listen(frame.ownerDocument.defaultView);
  // Placed into another document of the page (a same-origin frame) after it was made: the frame
  // posts to that document's window.
  frame.addEventListener('load', () => listen(frame.ownerDocument.defaultView), { once: true });
}

function listen(win: Window | null): void {
  if (!win || listening.has(win)) return;
  listening.add(win);
  win.addEventListener('message', onMessage);
}
