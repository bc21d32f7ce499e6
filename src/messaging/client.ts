/**
 * Typed calls into the background for extension pages and content scripts:
 *   const status = await request('identity.status', {});
 *   const stop = subscribe(EVENTS_PORT, (event) => ...);
 * A failed request throws RequestError with the background's code.
 */
import { postToHost } from './frame-host';
import browser from 'webextension-polyfill';
import type { PayloadOf, RequestKind, ResponseOf, Reply } from './schema';
import { toHex } from '../otr/bytes';
import { CONTENT_PORT, FRAME_PORT, WORKER_FRAME_CHANNEL, WORKER_FRAME_CLOSE, WORKER_FRAME_QUERY, type BackgroundToFrame, type FrameHello, type FrameVerify, type ContentPush, type PortRequest, type PushEvent } from './ports';

export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function request<K extends RequestKind>(kind: K, payload: PayloadOf<K>): Promise<ResponseOf<K>> {
  const reply = (requestPort ? await onPort(requestPort, kind, payload) : await browser.runtime.sendMessage({ kind, payload })) as Reply<ResponseOf<K>> | undefined;
  if (!reply || typeof reply !== 'object') throw new RequestError('no-reply', `no reply to ${kind}`);
  if (!reply.ok) throw new RequestError(reply.error.code, reply.error.message);
  return reply.value;
}

/**
 * A content script makes its requests on its content port while it is connected (ports.ts,
 * portRequest): a runtime message reaches every extension page and frame, a port message the
 * background alone.
 */
let requestPort: browser.Runtime.Port | null = null;
const awaiting = new Map<number, (reply: unknown) => void>();
let nextRequestId = 0;

function onPort(port: browser.Runtime.Port, kind: string, payload: unknown): Promise<unknown> {
  const id = nextRequestId++;
  return new Promise((resolve) => {
    awaiting.set(id, resolve);
    try {
      port.postMessage({ type: 'request', id, kind, payload } satisfies PortRequest);
    } catch {
      awaiting.delete(id);
      resolve(undefined);
    }
  });
}

/** The port closed (the worker restarted): what it had not answered gets no answer. */
function dropAwaiting(): void {
  for (const resolve of awaiting.values()) resolve(undefined);
  awaiting.clear();
}

type PushOf<N extends string> = N extends 'offrecord:events' ? PushEvent : N extends 'offrecord:content' ? Exclude<ContentPush, { type: 'reply' }> : never;

/**
 * Listens to a push port and reconnects when the worker restarts (ports die with it).
 * `onConnect` runs after each (re)connection, e.g. to register conversations again.
 */
export function subscribe<N extends 'offrecord:events' | 'offrecord:content'>(
  name: N,
  listener: (message: PushOf<N>) => void,
  onConnect?: () => void,
): () => void {
  let stopped = false;
  let port: browser.Runtime.Port | undefined;
  const connect = () => {
    if (stopped) return;
    const opened = browser.runtime.connect({ name });
    port = opened;
    if (name === CONTENT_PORT) requestPort = opened;
    opened.onMessage.addListener((m) => {
      const push = m as PushEvent | ContentPush;
      if (push.type !== 'reply') return listener(push as PushOf<N>);
      awaiting.get(push.id)?.(push.reply);
      awaiting.delete(push.id);
    });
    opened.onDisconnect.addListener(() => {
      port = undefined;
      if (requestPort === opened) {
        requestPort = null;
        dropAwaiting();
      }
      // A short pause lets a restarting worker come up before we knock again.
      if (!stopped) setTimeout(connect, 100);
    });
    onConnect?.();
  };
  connect();
  return () => {
    stopped = true;
    port?.disconnect();
  };
}

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
  const port = browser.runtime.connect({ name: FRAME_PORT });
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
  const runtime = (globalThis as { chrome?: { runtime?: { getContexts?: unknown } } }).chrome?.runtime;
  if (!worker || typeof MessageChannel !== 'function' || typeof runtime?.getContexts !== 'function') return null;
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
