/**
 * Claims OffRecord's frames for their tokens (background/tokens.ts). A frame says a nonce on its
 * port and posts it to this window; it is claimed with the token only when
 * the message's `event.source` is the very iframe element placed for that token. Page script
 * can post the same message, or frame OffRecord's pages itself, but cannot make `event.source`
 * one of our elements, and never sees a token: tokens stay in this content script.
 */
import { request } from '../messaging/client';
import { frameToHost } from '../messaging/frame-host';

const tokens = new Map<HTMLIFrameElement, string>();
const listening = new WeakSet<Window>();
/** Each claimed frame by the window that posted its nonce: the frame's later messages come from it. */
const claimed = new WeakMap<Window, HTMLIFrameElement>();

function onMessage(e: MessageEvent): void {
  const m = frameToHost(e.data);
  if (m?.offrecord !== 'frame-ready' || !e.source) return;
  // Frames are read in the order they were placed, which is the order they load in: touching
  // `contentWindow` of a frame still on its first blank document makes its window at once.
  for (const [frame, token] of tokens) {
    if (frame.contentWindow === e.source) {
      // One claim per element: a page that navigates our iframe again gets no second one.
      tokens.delete(frame);
      claimed.set(e.source as Window, frame);
      void request('content.frameClaim', { token, nonce: m.nonce }).catch(() => undefined);
      return;
    }
  }
}

/**
 * The claimed frame whose window sent a message, if any: a frame's messages after its nonce are
 * matched here, not by each placed frame's `contentWindow`, which for a frame not yet loaded
 * builds a script context for its blank first document (43 such in one animation frame cost the
 * page ~0.3 s when a history came on screen, npm run bench).
 */
export function claimedFrame(source: MessageEventSource | null): HTMLIFrameElement | undefined {
  return source ? claimed.get(source as Window) : undefined;
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
