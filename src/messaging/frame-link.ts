/**
 * A frame's channel to the background (compose, reader, verify and attach frames). Written
 * against the extension API directly, not webextension-polyfill: each reader frame of a
 * screenful of history runs its own copy of this, and the ports and i18n it uses have the same
 * shape in Chromium and Firefox.
 */
import { postToHost } from './frame-host';
import { extensionApi } from './extension-api';
import { toHex } from '../otr/bytes';
import { FRAME_PORT, WORKER_FRAME_CHANNEL, WORKER_FRAME_CLOSE, WORKER_FRAME_QUERY, type BackgroundToFrame, type FrameHello, type FrameVerify } from './ports';

/**
 * A frame's channel. The frame draws a nonce, says it in its hello and posts it to the parent
 * window, both at once, so that the content script which placed this frame claims it with its
 * token (tokens.ts); then it talks on the port.
 */
export interface FrameChannel {
  send(text: string): void;
  /** Compose frames: the user pressed a key (nothing about which). */
  typing(): void;
  /** Verify frames: SMP and trust, for the conversation the frame's token names. */
  verify(action: Omit<FrameVerify, 'type'>): void;
  close(): void;
}

/** What a frame talks to the background over: a runtime port, or its own channel to the worker. */
interface FrameLink {
  postMessage(message: unknown): void;
  close(): void;
}

export function connectFrame(
  listener: (message: BackgroundToFrame) => void,
  onClose?: () => void,
  messageId?: string,
  /** Readers: over the worker's own message channel where there is one (workerLink). */
  viaWorker = false,
): FrameChannel {
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const link = (viaWorker && workerLink(nonce, listener)) || runtimeLink(listener, onClose);
  link.postMessage({ type: 'hello', nonce, ...(messageId ? { messageId } : {}) } satisfies FrameHello);
  // Not after an answer on the port: the claim and the hello travel at the same time (a
  // screenful of history readers waited ~0.5 s for that answer on a busy machine, npm run bench).
  postToHost(window, { offrecord: 'frame-ready', nonce });
  return {
    send: (text) => link.postMessage({ type: 'send', text }),
    typing: () => link.postMessage({ type: 'typing' }),
    verify: (action) => link.postMessage({ type: 'verify', ...action } satisfies FrameVerify),
    close: () => link.close(),
  };
}

function runtimeLink(listener: (message: BackgroundToFrame) => void, onClose?: () => void): FrameLink {
  const port = extensionApi().runtime.connect({ name: FRAME_PORT });
  port.onMessage.addListener((m) => listener(m as BackgroundToFrame));
  port.onDisconnect.addListener(() => onClose?.());
  return { postMessage: (m) => port.postMessage(m), close: () => port.disconnect() };
}

/**
 * Chromium: a frame the extension's service worker controls opens a MessageChannel to it.
 * Chromium hands every runtime.connect to every extension frame open anywhere, each of which
 * answers that it does not listen: a screenful of reader frames connecting made ~2,000 such
 * round trips through the browser (npm run bench's history page, traced). The worker learns the
 * frame's tab and frame from the browser (runtime.getContexts) by the address set here, which
 * names this document alone. Null where no worker controls the frame (Firefox's background is
 * a page): the runtime port then.
 */
function workerLink(nonce: string, listener: (message: BackgroundToFrame) => void): FrameLink | null {
  const worker = globalThis.navigator?.serviceWorker?.controller;
  if (!worker || typeof MessageChannel !== 'function' || typeof extensionApi().runtime.getContexts !== 'function') return null;
  history.replaceState(history.state, '', `${location.pathname}?${WORKER_FRAME_QUERY}=${nonce}`);
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => listener(e.data as BackgroundToFrame);
  worker.postMessage({ offrecord: WORKER_FRAME_CHANNEL, nonce }, [channel.port2]);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    // A MessagePort says nothing when its other end goes: the worker is told.
    channel.port1.postMessage(WORKER_FRAME_CLOSE);
    channel.port1.close();
  };
  addEventListener('pagehide', close, { once: true });
  return { postMessage: (m) => !closed && channel.port1.postMessage(m), close };
}
