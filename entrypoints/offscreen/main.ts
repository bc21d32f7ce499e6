/**
 * The offscreen document (Chrome) or hidden iframe (Firefox background page) that makes DSA
 * keys in a Web Worker, so neither the service worker nor this page's thread is blocked. It
 * answers only ports named 'offrecord:keygen' from this extension's own background.
 */
import browser from 'webextension-polyfill';

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== 'offrecord:keygen' || port.sender?.id !== browser.runtime.id) return;
  // Pages and content scripts come with a tab; the background has none.
  if (port.sender.tab !== undefined) return port.disconnect();
  port.onMessage.addListener((message: unknown) => {
    if ((message as { type?: string }).type !== 'generate') return;
    const worker = new Worker(new URL('./keygen.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent) => {
      port.postMessage(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => {
      port.postMessage({ type: 'error', message: event.message || 'key generation failed' });
      worker.terminate();
    };
  });
});
