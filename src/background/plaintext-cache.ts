/**
 * Decrypted texts waiting for their reader frames, and kept for the browser's session when the
 * Privacy setting says so (storage.session, never on disk). With retention 'off' ("Not at all")
 * a text is held only until the tabs waiting for it have shown it or closed: in storage.session
 * meanwhile too, since the engine cannot decrypt a message twice and a worker restart between
 * decrypt and show must not lose it (issue 11). Keyed by (conversation, message):
 * a reader of another conversation can neither read nor use up this one's text (issue 17 item
 * 4). A JavaScript string cannot be wiped: a text dropped here is gone from the map and from
 * storage.session, not from the worker's memory until the engine collects it.
 */
import type { FileKeyView } from '../messaging/types';
import type { SessionPersistence } from './session-persistence';

/**
 * Texts kept at most (issue 17 item 7): a page that floods a conversation cannot grow the
 * cache (or storage.session) without bound. 500 is far more than the on-screen history a
 * content script frames at once; older texts show as unavailable.
 */
export const PLAINTEXT_CAP = 500;
/**
 * And at most this many characters in all: storage.session holds 10 MB in Chrome whatever the
 * permissions, and a few 100 KB mails would fill it long before 500 entries.
 */
export const PLAINTEXT_CHARS_CAP = 2_000_000;

interface Plain {
  text: string;
  /** Encrypted files this message announced to us (file-keys.ts): their per-file keys. */
  files?: FileKeyView[];
  /** Tabs of the conversation that have not shown it yet (retention 'off' drops it after). */
  waiting: Set<number>;
}

const plainKey = (conversationId: string, messageId: string) => `${conversationId} ${messageId}`;
const STORED = 'plain:';

export class PlaintextCache {
  /** 'off': a text is dropped once every tab waiting for it has shown it (or closed). */
  private kept: 'off' | 'session' = 'off';
  /** Insertion order is the eviction order: the oldest text goes first. */
  private readonly texts = new Map<string, Plain>();
  /** Reader frames waiting for a message still being received (see whenReceived). */
  private readonly arrivals = new Map<string, Array<() => void>>();
  /** Texts kept in this task, not yet in storage.session (see write). */
  private readonly unwritten = new Map<string, string>();
  private writing: Promise<void> | null = null;

  /**
   * `shownIn(conversationId)`: the tabs that show that conversation now, or undefined when it
   * has no conversation record (a room's text goes only to the tabs it was kept for).
   */
  constructor(
    private readonly persistence: SessionPersistence,
    private readonly shownIn: (conversationId: string) => number[] | undefined,
  ) {}

  get retention(): 'off' | 'session' {
    return this.kept;
  }

  /** Switching to 'off' forgets everything kept, in memory and in storage.session. */
  set retention(value: 'off' | 'session') {
    const was = this.kept;
    this.kept = value;
    if (value === 'off' && was !== 'off') this.clear();
  }

  /** The texts storage.session kept through a worker restart (with 'off', those not yet shown). */
  restore(entries: Iterable<[string, unknown]>): void {
    for (const [key, value] of entries) {
      if (key.startsWith(STORED) && typeof value === 'string' && key.includes(' ')) this.texts.set(key.slice(STORED.length), { text: value, waiting: new Set() });
    }
  }

  /** Forgets every kept text and file key (OffRecord locked, retention turned 'off'). */
  clear(): void {
    for (const key of [...this.texts.keys(), ...[...this.unwritten.keys()].map((k) => k.slice(STORED.length))]) this.unstore(key);
    this.texts.clear();
  }

  /** Forgets one conversation's kept texts and file keys (the conversation was ended). */
  forget(conversationId: string): void {
    for (const key of [...this.texts.keys()]) {
      if (!key.startsWith(`${conversationId} `)) continue;
      this.texts.delete(key);
      this.unstore(key);
    }
  }

  /**
   * A tab closed: it no longer waits for any text. With retention 'off' a text nobody waits
   * for any more is dropped (a reader never placed would otherwise keep it).
   */
  dropTab(tabId: number): void {
    for (const [key, entry] of [...this.texts]) {
      if (!entry.waiting.delete(tabId) || this.kept !== 'off' || entry.waiting.size > 0) continue;
      this.texts.delete(key);
      this.unstore(key);
    }
  }

  has(conversationId: string, messageId: string): boolean {
    return this.texts.has(plainKey(conversationId, messageId));
  }

  /**
   * The one way in: capped (PLAINTEXT_CAP, PLAINTEXT_CHARS_CAP), oldest out first. The text is
   * in memory, and its waiting readers go on, when this returns; the promise settles once
   * storage.session has it (see write), which nothing needs to wait for.
   */
  keep(conversationId: string, messageId: string, text: string, tabIds: number[], files?: FileKeyView[]): Promise<void> {
    const key = plainKey(conversationId, messageId);
    this.texts.delete(key);
    // File keys stay in memory only: a reader frame gets them with the text, at once.
    this.texts.set(key, { text, waiting: new Set(tabIds), ...(files?.length ? { files } : {}) });
    let chars = 0;
    for (const p of this.texts.values()) chars += p.text.length;
    for (const [old, p] of this.texts) {
      if (old === key || (this.texts.size <= PLAINTEXT_CAP && chars <= PLAINTEXT_CHARS_CAP)) break;
      this.texts.delete(old);
      chars -= p.text.length;
      this.unstore(old);
    }
    this.settle(key);
    return this.write(key, text);
  }

  /**
   * storage.session gets the texts kept in one task in one call, after the task: a history
   * batch keeps a hundred texts, and a call each, awaited in turn, held each reader back by
   * every earlier text's round trip to the browser (npm run bench's history page: 1.8 s for
   * the first 100). The cache is a convenience: a full storage.session leaves the text in this
   * worker's memory alone (shown now, "encrypted earlier" after a restart), never fails the
   * message; so does a worker stopped before the write.
   */
  private write(key: string, text: string): Promise<void> {
    this.unwritten.set(STORED + key, text);
    this.writing ??= new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => {
        const entries = Object.fromEntries(this.unwritten);
        this.unwritten.clear();
        this.writing = null;
        return this.persistence.save(entries);
      })
      .catch((e: unknown) => console.warn('OffRecord: the plaintext cache is full:', e));
    return this.writing;
  }

  /** Forgets a text in storage.session, and in the write not made yet. */
  private unstore(key: string): void {
    this.unwritten.delete(STORED + key);
    this.persistence.remove(STORED + key).catch(() => undefined);
  }

  /**
   * A reader frame may open while its message is still being received (the content script
   * places it on arrival, so the frame loads while the message is decrypted): it waits here
   * until the text is kept, the receive ends without any (received()), or `timeoutMs` passes.
   */
  whenReceived(conversationId: string, messageId: string, timeoutMs: number): Promise<void> {
    const key = plainKey(conversationId, messageId);
    if (this.texts.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(key), timeoutMs);
      const list = this.arrivals.get(key) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.arrivals.set(key, list);
    });
  }

  /** The receive of this message is over, with or without a text: waiting readers go on. */
  received(conversationId: string, messageId: string): void {
    this.settle(plainKey(conversationId, messageId));
  }

  private settle(key: string): void {
    const list = this.arrivals.get(key);
    this.arrivals.delete(key);
    for (const done of list ?? []) done();
  }

  /**
   * The text for a reader frame in `tabId`, which must show the conversation (and uses up its
   * delivery). With retention 'off' the text is dropped once every waiting tab has shown it.
   */
  take(conversationId: string, messageId: string, tabId?: number): string | null {
    const key = plainKey(conversationId, messageId);
    const entry = this.texts.get(key);
    if (!entry) return null;
    if (tabId !== undefined) {
      const tabs = this.shownIn(conversationId);
      if (!(tabs ? tabs.includes(tabId) : entry.waiting.has(tabId))) return null;
      entry.waiting.delete(tabId);
    }
    if (this.kept === 'off' && entry.waiting.size === 0) {
      this.texts.delete(key);
      // Not awaited: the reader shows the text while storage forgets it.
      this.unstore(key);
    }
    return entry.text;
  }

  /** The file keys a kept message carries (read before take(), which may drop the entry). */
  files(conversationId: string, messageId: string): FileKeyView[] {
    return this.texts.get(plainKey(conversationId, messageId))?.files ?? [];
  }
}
