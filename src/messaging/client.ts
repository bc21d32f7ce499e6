/**
 * Typed calls into the background for extension pages and content scripts:
 *   const status = await request('identity.status', {});
 *   const stop = subscribe(EVENTS_PORT, (event) => ...);
 * A failed request throws RequestError with the background's code. Frames open their own
 * channel with connectFrame (frame-link.ts).
 */
import browser from 'webextension-polyfill';
import type { PayloadOf, RequestKind, ResponseOf, Reply } from './schema';
import { CONTENT_PORT, type ContentPush, type PortRequest, type PushEvent } from './ports';

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
  const reply = (requestPort ? await onPort(requestPort, kind, payload) : await sendToBackground({ kind, payload })) as Reply<ResponseOf<K>> | undefined;
  if (!reply || typeof reply !== 'object') throw new RequestError('no-reply', `no reply to ${kind}`);
  if (!reply.ok) throw new RequestError(reply.error.code, reply.error.message);
  return reply.value;
}

/**
 * Chrome can refuse a message sent while it brings a stopped service worker back up ("Could
 * not establish connection. Receiving end does not exist."): its bookkeeping still names the
 * worker that stopped. The message was delivered nowhere, so sending it again is safe. After
 * the last pause the caller gets a RequestError coded NO_RECEIVER, with the browser's words:
 * the background is out of reach (Chrome did not start the worker again, or the extension was
 * reloaded), and the UI offers to restart OffRecord.
 */
const NO_RECEIVER_PAUSES_MS = [50, 200, 600];
export const NO_RECEIVER = 'no-receiver';

async function sendToBackground(message: { kind: string; payload: unknown }): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await browser.runtime.sendMessage(message);
    } catch (e) {
      if (!isNoReceiver(e)) throw e;
      const pause = NO_RECEIVER_PAUSES_MS[attempt];
      if (pause === undefined) throw new RequestError(NO_RECEIVER, e.message);
      await new Promise((resume) => setTimeout(resume, pause));
    }
  }
}

function isNoReceiver(e: unknown): e is Error {
  return e instanceof Error && /Receiving end does not exist/.test(e.message);
}

/**
 * A content script makes its requests on its content port while it is connected (ports.ts,
 * portRequest): a runtime message reaches every extension page and frame, a port message the
 * background alone.
 */
let requestPort: browser.Runtime.Port | null = null;

/** Requests made now reach the background in the order made (one port; runtime messages may not). */
export function requestsKeepOrder(): boolean {
  return requestPort !== null;
}
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
