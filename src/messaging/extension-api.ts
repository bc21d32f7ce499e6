/**
 * The part of the extension API that frames and the i18n helper use, from the browser's own
 * global: `browser` in Firefox, `chrome` in Chromium. Ports and getMessage work alike in both,
 * so these need no webextension-polyfill (which every reader frame would load and run).
 */
export interface ExtensionPort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface ExtensionApi {
  runtime: {
    connect(info: { name: string }): ExtensionPort;
    /** Chromium 116 on: the extension's documents, with their tab and frame. */
    getContexts?: unknown;
  };
  i18n: { getMessage(key: string, subs?: string | string[]): string };
}

export function extensionApi(): ExtensionApi {
  const g = globalThis as { browser?: ExtensionApi; chrome?: ExtensionApi };
  const api = g.browser?.runtime ? g.browser : g.chrome;
  if (!api) throw new Error('no extension API here');
  return api;
}
