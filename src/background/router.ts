/**
 * The background's front door. Every message: sender checked (same extension id; extension
 * pages by URL path, content scripts by tab and frame on a web origin), envelope and payload
 * validated against the schema, kind allowed for that context. Ports likewise, and frame ports
 * must present a one-time token. Nothing answers a content script with plaintext: no request
 * kind carries any, and only frame ports (extension-origin pages) get plaintext.
 */
import { SchemaError } from '../messaging/check';
import { ENVELOPE, PAGE_CONTEXTS, REQUESTS, isRequestKind, type Context, type PayloadOf, type Reply, type RequestKind, type ResponseOf } from '../messaging/schema';
import { CONTENT_PORT, EVENTS_PORT, FRAME_PORT, portRequest, type ContentPush } from '../messaging/ports';
import { isFrameContext } from '../messaging/frames';
import { isStoreError } from './errors';

export interface SenderInfo {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number };
  frameId?: number;
}

export interface From {
  context: Context;
  tabId?: number;
  frameId?: number;
  /** A content script's page origin, from `sender.url` (never from the payload). */
  origin?: string;
}

export interface PortLike {
  name: string;
  sender?: SenderInfo;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export type Handlers = { [K in RequestKind]: (payload: PayloadOf<K>, from: From) => Promise<ResponseOf<K>> };

export interface PortHandlers {
  events(port: PortLike): void;
  content(port: PortLike, from: From): void;
  frame(port: PortLike, from: From): void;
}

export interface RouterEnv {
  runtimeId: string;
  /** e.g. 'chrome-extension://abc' (no trailing slash). */
  extensionOrigin: string;
  /**
   * Chrome: the frames are web-accessible through a per-session address only (use_dynamic_url,
   * so a page cannot probe for OffRecord), and they talk from that origin.
   */
  frameOrigin?: string;
}

/** Who sent this, from `sender` alone; null for anyone we do not serve. */
export function classifySender(sender: SenderInfo | undefined, env: RouterEnv): From | null {
  if (!sender || sender.id !== env.runtimeId || typeof sender.url !== 'string') return null;
  let url: URL;
  try {
    url = new URL(sender.url);
  } catch {
    return null;
  }
  const tabId = sender.tab?.id;
  // URL.origin is 'null' for non-special schemes such as chrome-extension:, so compare by parts.
  const origin = `${url.protocol}//${url.host}`;
  const ours = (o: string) => o === env.extensionOrigin || (env.frameOrigin !== undefined && o === env.frameOrigin);
  if (ours(origin)) {
    if (sender.origin !== undefined && !ours(sender.origin)) return null;
    const context = PAGE_CONTEXTS[url.pathname];
    if (!context) return null;
    if (isFrameContext(context)) {
      // Frames live inside a tab; the tab ties them to the token the tab's content script got.
      if (typeof tabId !== 'number' || typeof sender.frameId !== 'number' || sender.frameId === 0) return null;
      return { context, tabId, frameId: sender.frameId };
    }
    return tabId === undefined ? { context } : { context, tabId };
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && typeof tabId === 'number' && typeof sender.frameId === 'number') {
    return { context: 'content', tabId, frameId: sender.frameId, origin };
  }
  return null;
}

function refuse(code: string, message: string): Reply<never> {
  return { ok: false, error: { code, message } };
}

export function createRouter(env: RouterEnv, handlers: Handlers, ports: PortHandlers) {
  async function handleMessage(message: unknown, sender: SenderInfo | undefined): Promise<Reply<unknown>> {
    const from = classifySender(sender, env);
    if (!from) return refuse('sender', 'sender not allowed');
    let kind: RequestKind;
    let payload: unknown;
    try {
      const envelope = ENVELOPE(message, 'message');
      if (!isRequestKind(envelope.kind)) return refuse('schema', `unknown kind ${envelope.kind}`);
      kind = envelope.kind;
      const spec = REQUESTS[kind];
      if (!spec.from.includes(from.context)) return refuse('sender', `${from.context} may not send ${kind}`);
      payload = spec.payload(envelope.payload, 'payload');
    } catch (e) {
      if (e instanceof SchemaError) return refuse('schema', e.message);
      throw e;
    }
    try {
      const handler = handlers[kind] as (p: unknown, f: From) => Promise<unknown>;
      return { ok: true, value: await handler(payload, from) };
    } catch (e) {
      if (isStoreError(e)) return refuse(e.code, e.message);
      return refuse('internal', e instanceof Error ? e.message : String(e));
    }
  }

  function handleConnect(port: PortLike): void {
    const from = classifySender(port.sender, env);
    const allowed =
      from !== null &&
      ((port.name === EVENTS_PORT && (from.context === 'popup' || from.context === 'options')) ||
        (port.name === CONTENT_PORT && from.context === 'content') ||
        (port.name === FRAME_PORT && isFrameContext(from.context)));
    if (!allowed || !from) {
      port.disconnect();
      return;
    }
    if (port.name === EVENTS_PORT) ports.events(port);
    else if (port.name === CONTENT_PORT) {
      ports.content(port, from);
      port.onMessage.addListener((message) => void answerOnPort(port, message));
    } else ports.frame(port, from);
  }

  /** A content script's request on its port: the same checks as a runtime message (its sender is the port's). */
  async function answerOnPort(port: PortLike, message: unknown): Promise<void> {
    let request;
    try {
      request = portRequest(message, 'request');
    } catch {
      return; // not a request: content scripts post nothing else, and a reply needs an id
    }
    const reply = await handleMessage({ kind: request.kind, payload: request.payload }, port.sender);
    try {
      port.postMessage({ type: 'reply', id: request.id, reply } satisfies ContentPush);
    } catch {
      // The tab went away meanwhile.
    }
  }

  return { handleMessage, handleConnect };
}
