/**
 * Reader frames' own channels to the service worker (Chromium; messaging/client.ts workerLink).
 * Each becomes a frame port like a runtime one, and goes through the router's same checks: its
 * sender (tab, frame, address) comes from the browser's list of the extension's documents
 * (runtime.getContexts), never from what the frame says.
 */
import { WORKER_FRAME_CHANNEL, WORKER_FRAME_CLOSE, WORKER_FRAME_QUERY, FRAME_PORT } from '../messaging/ports';
import type { PortLike, SenderInfo } from './router';

const NONCE = /^[0-9a-f]{32}$/;

/** The part of runtime.getContexts' answer used here. */
export interface ExtensionContextInfo {
  contextType: string;
  documentUrl?: string;
  documentOrigin?: string;
  tabId: number;
  frameId: number;
}

export type FindContexts = (filter: { contextTypes: ['TAB']; documentUrls: string[] }) => Promise<ExtensionContextInfo[]>;

/** runtime.getContexts (Chromium 116 on), or null. Frames check the same before they use a channel. */
function extensionContexts(): FindContexts | null {
  const runtime = (globalThis as { chrome?: { runtime?: { getContexts?: FindContexts } } }).chrome?.runtime;
  return typeof runtime?.getContexts === 'function' ? (filter) => runtime.getContexts!(filter) : null;
}

/**
 * The frame port a message to the worker opens, or null (and its port closed) when it is no
 * frame's channel, or no single document of ours has the address it names. `origins`: the
 * extension's, e.g. 'chrome-extension://abc', and its frames' if they differ.
 */
export async function workerFramePort(data: unknown, ports: readonly MessagePort[], runtimeId: string, origins: readonly string[], findContexts: FindContexts): Promise<PortLike | null> {
  const m = data && typeof data === 'object' ? (data as { offrecord?: unknown; nonce?: unknown }) : null;
  if (m?.offrecord !== WORKER_FRAME_CHANNEL || ports.length !== 1) return null;
  const port = ports[0]!;
  const nonce = typeof m.nonce === 'string' && NONCE.test(m.nonce) ? m.nonce : null;
  const addresses = nonce ? origins.map((o) => `${o}/reader.html?${WORKER_FRAME_QUERY}=${nonce}`) : [];
  const found = addresses.length ? await findContexts({ contextTypes: ['TAB'], documentUrls: addresses }).catch(() => []) : [];
  const frame = found.length === 1 && addresses.includes(found[0]!.documentUrl ?? '') ? found[0]! : null;
  if (!frame || !nonce) {
    port.close();
    return null;
  }
  return messagePortLike(port, nonce, { id: runtimeId, url: frame.documentUrl, ...(frame.documentOrigin ? { origin: frame.documentOrigin } : {}), tab: { id: frame.tabId }, frameId: frame.frameId });
}

/**
 * A MessagePort as a frame port. Its messages wait in the port until the first listener, as a
 * buffered runtime port's do. The first must be the hello of the nonce the frame's address
 * names. The frame's WORKER_FRAME_CLOSE (or the port's close event, where there is one) is its
 * disconnect; disconnect() closes the port without telling our own listeners, like a runtime
 * port's.
 */
export function messagePortLike(port: MessagePort, nonce: string, sender: SenderInfo): PortLike {
  const onMessage: Array<(m: unknown) => void> = [];
  const onDisconnect: Array<() => void> = [];
  let greeted = false;
  let open = true;
  const gone = () => {
    if (!open) return;
    open = false;
    port.close();
    for (const fn of onDisconnect) fn();
  };
  const receive = (e: MessageEvent) => {
    if (!open) return;
    if (e.data === WORKER_FRAME_CLOSE) return gone();
    if (!greeted) {
      const hello = e.data as { type?: unknown; nonce?: unknown } | null;
      if (hello?.type !== 'hello' || hello.nonce !== nonce) return gone();
      greeted = true;
    }
    for (const fn of onMessage) fn(e.data);
  };
  port.addEventListener('close', gone);
  return {
    name: FRAME_PORT,
    sender,
    postMessage: (m) => open && port.postMessage(m),
    disconnect: () => {
      open = false;
      port.close();
    },
    onMessage: {
      addListener(fn) {
        onMessage.push(fn);
        if (onMessage.length === 1) {
          port.addEventListener('message', receive);
          port.start();
        }
      },
    },
    onDisconnect: { addListener: (fn) => void onDisconnect.push(fn) },
  };
}

/** What a frame's message to the worker carries (ExtendableMessageEvent, a subset). */
interface WorkerMessageEvent {
  data: unknown;
  ports: readonly MessagePort[];
  waitUntil(p: Promise<unknown>): void;
}

/**
 * Chromium: reader frames open their own MessageChannel to the worker (worker-frames.ts), since
 * a runtime port is handed to every extension frame open. Firefox's background is a page with no
 * such messages, and its frames use runtime ports.
 */
export function listenForWorkerFrames(env: { runtimeId: string; extensionOrigin: string; frameOrigin: string }, router: Promise<{ handleConnect(port: PortLike): void }>): void {
  const findContexts = extensionContexts();
  const worker = globalThis as unknown as { registration?: unknown; addEventListener(type: 'message', fn: (e: WorkerMessageEvent) => void): void };
  if (!findContexts || !worker.registration) return;
  const origins = [...new Set([env.extensionOrigin, env.frameOrigin])];
  worker.addEventListener('message', (e) => {
    const opened = workerFramePort(e.data, e.ports, env.runtimeId, origins, findContexts).then((port) => port && router.then((r) => r.handleConnect(port)));
    e.waitUntil(opened.catch(() => undefined));
  });
}
