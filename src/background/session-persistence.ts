/**
 * The plaintext cache ("until the browser closes"): storage.session, memory only, never on
 * disk, not readable by content scripts unless access is widened, which OffRecord never does.
 * It survives a worker restart but not the browser. Conversations themselves live in
 * IndexedDB (conversation-store.ts). A prefix keeps two managers apart in tests.
 */
import browser from 'webextension-polyfill';

export interface SessionPersistence {
  loadAll(): Promise<Map<string, unknown>>;
  /** Several keys in one call (one round trip to the browser). */
  save(entries: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export function sessionStoragePersistence(prefix = 'offrecord:'): SessionPersistence {
  return {
    async loadAll() {
      const all = await browser.storage.session.get(null);
      const out = new Map<string, unknown>();
      for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
      return out;
    },
    save: (entries) => browser.storage.session.set(Object.fromEntries(Object.entries(entries).map(([k, v]) => [prefix + k, v]))),
    remove: (key) => browser.storage.session.remove(prefix + key),
  };
}
