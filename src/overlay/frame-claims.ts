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

function onMessage(e: MessageEvent): void {
  const m = frameToHost(e.data);
  if (m?.offrecord !== 'frame-ready' || !e.source) return;
  for (const [frame, token] of tokens) {
    if (frame.contentWindow === e.source) {
      // One claim per element: a page that navigates our iframe again gets no second one.
      tokens.delete(frame);
      void request('content.frameClaim', { token, nonce: m.nonce }).catch(() => undefined);
      return;
    }
  }
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
