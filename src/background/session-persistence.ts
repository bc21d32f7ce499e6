/**
 * The plaintext cache ("until the browser closes"): storage.session, memory only, never on
 * disk, not readable by content scripts unless access is widened, which OffRecord never does.
 * It survives a worker restart but not the browser. Conversations themselves live in
 * IndexedDB (conversation-store.ts). A prefix keeps two managers apart in tests.
 */
import browser from 'webextension-polyfill';

export interface SessionPersistence {
  loadAll(): Promise<Map<string, unknown>>;
  save(key: string, value: unknown): Promise<void>;
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
    save: (key, value) => browser.storage.session.set({ [prefix + key]: value }),
    remove: (key) => browser.storage.session.remove(prefix + key),
  };
}
