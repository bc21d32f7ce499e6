/**
 * Issue 17 item 7 (bounded storage), the page's side and the extension's: a page script that
 * rotates the account name OffRecord reads from it, and what OffRecord then keeps on disk and in
 * storage.session, read from one of the extension's own pages.
 */

export interface RotationArgs {
  count: number;
  /** The element that shows the account name in its `name` attribute (Converse's own avatar). */
  accountElement: string;
  /** The message list: each rotation shows `text` there as an incoming message (Converse's markup). */
  list: string;
  text: string;
}

/**
 * Runs in the page's main world: `count` times, names a new account (mallory-N@localhost), shows
 * an incoming OTR text in the list (the scan it sets off makes OffRecord follow at once, and the
 * text reaches the engine, which reads the account's identity), and waits until OffRecord's new
 * lock has its answer from the background (the page sees the lock's open shadow root). Returns
 * how many rotations OffRecord registered.
 */
export async function rotateAccounts({ count, accountElement, list, text }: RotationArgs): Promise<number> {
  const avatar = document.querySelector(accountElement);
  const messages = document.querySelector(list);
  if (!avatar || !messages) return -1;
  const freshLock = () =>
    Array.from(document.querySelectorAll('[data-offrecord-host=lock]:not([data-page-seen])')).some((h) => h.shadowRoot?.querySelector('[data-offrecord=lock][data-offrecord-state]'));
  let registered = 0;
  for (let i = 0; i < count; i++) {
    document.querySelectorAll('[data-offrecord-host=lock]').forEach((h) => h.setAttribute('data-page-seen', ''));
    avatar.setAttribute('name', `mallory-${i}@localhost`);
    const row = document.createElement('converse-chat-message');
    const div = document.createElement('div');
    div.className = 'message chat-msg';
    div.setAttribute('data-msgid', `rotation-${i}`);
    const body = document.createElement('div');
    body.className = 'chat-msg__text';
    body.setAttribute('text', text);
    body.textContent = text;
    div.append(body);
    row.append(div);
    messages.append(row);
    let ok = false;
    for (const start = Date.now(); Date.now() - start < 5000; await new Promise((r) => setTimeout(r, 10))) {
      if ((ok = freshLock())) break;
    }
    if (!ok) break;
    registered++;
  }
  return registered;
}

export interface StoredCounts {
  /** Conversation records in IndexedDB. */
  conversations: number;
  /** Accounts listed in IndexedDB (meta 'accounts'), and those with no key of their own. */
  accounts: number;
  keyless: number;
  /** Instance tags kept per account (meta 'instanceTags'). */
  instanceTags: number;
  /** Entries in storage.session (the plaintext cache). */
  session: number;
}

/** Runs in one of the extension's pages (same origin as its background, so the same database). */
export async function storedCounts(): Promise<StoredCounts> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('offrecord');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const done = <T>(r: IDBRequest) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result as T)), (r.onerror = () => reject(r.error))));
  try {
    const conversations = await done<number>(db.transaction('conversations', 'readonly').objectStore('conversations').count());
    const meta = db.transaction('meta', 'readonly').objectStore('meta');
    const accounts = ((await done<unknown>(meta.get('accounts'))) ?? []) as Array<{ keyId: string | null }>;
    const tags = ((await done<unknown>(meta.get('instanceTags'))) ?? {}) as Record<string, number>;
    const api = (globalThis as unknown as { browser?: { storage: { session?: { get(k: null): Promise<object> } } }; chrome?: { storage: { session?: { get(k: null): Promise<object> } } } });
    const session = api.browser?.storage.session ?? api.chrome?.storage.session;
    return {
      conversations,
      accounts: accounts.length,
      keyless: accounts.filter((a) => a.keyId === null).length,
      instanceTags: Object.keys(tags).length,
      session: session ? Object.keys(await session.get(null)).length : -1,
    };
  } finally {
    db.close();
  }
}
