/**
 * The offscreen document (Chrome) or hidden iframe (Firefox background page) that makes DSA
 * keys in a Web Worker, so neither the service worker nor this page's thread is blocked. It
 * answers only the background's one-shot 'offrecord:keygen' request (src/background/keygen.ts).
 *
 * No runtime.onConnect listener here on purpose: runtime.connect reaches every extension page
 * that listens, and a port stays open while any receiver holds it, so this page would keep the
 * content, frame and popup ports of a stopped service worker alive (their onDisconnect never
 * fires, they never reconnect); disconnecting them instead would close them for the worker too.
 */
import browser from 'webextension-polyfill';
import { isKeygenRequest, type KeygenReply } from '../../src/messaging/keygen';

function generate(): Promise<KeygenReply> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./keygen.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent) => {
      resolve(event.data as KeygenReply);
      worker.terminate();
    };
    worker.onerror = (event) => {
      resolve({ type: 'error', message: event.message || 'key generation failed' });
      worker.terminate();
    };
  });
}

browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
  // Every other message (popup, options, content scripts) is for the background: stay silent.
  if (!isKeygenRequest(message)) return undefined;
  // Only the background asks: same extension, no tab (pages and content scripts come with one).
  if (sender.id !== browser.runtime.id || sender.tab !== undefined) return undefined;
  return generate();
});
