/**
 * Where conversations come from and how they end without the user (issue 11): loading from
 * IndexedDB at start and after unlock, placeholders while locked, expiry after N idle days,
 * the cap of persisted conversations (least recently used ends), and faults: a record that
 * does not decrypt ends only its own conversation, one from a newer OffRecord is refused and
 * left untouched, a full disk keeps the conversation in memory. Every fault is a notice and an
 * entry in `problems` (the popup's This tab lists them).
 */
import { createConversation } from '../otr/index';
import type { AskedView, IdentityStatus, ProblemView } from '../messaging/types';
import type { ContentPush, PushEvent } from '../messaging/ports';
import { isStoreError, storeFail } from './errors';
import { CONVERSATION_FORMAT, recordKeyOf, type ConversationStore, type Durability, type LoadProblem, type StoredConversation, type Tombstone } from './conversation-store';
import { DAY_MS, endConversation, holdsSecrets, isIdle } from './session-wire';

export interface TabRef {
  tabId: number;
  frameId: number;
}

export interface LiveConversation extends StoredConversation {
  tabs: TabRef[];
  /** A placeholder while OffRecord is locked: nothing of it is loaded or saved. */
  locked?: boolean;
  /** The last save failed for lack of space: the conversation lives in memory only. */
  unsaved?: boolean;
  /**
   * Why it ended, for every tab that shows it until it is restarted: a tab learns the
   * conversation's id only from its register answer, so a notice pushed before then is lost.
   */
  pendingNotice?: { name: string; text: string };
  /** The peer sent a query; the popup offers to start until the conversation is private. */
  peerAsked?: boolean;
  /** That query, held under the 'manual' policy until the user starts (held-query.ts). */
  heldQuery?: string;
  /** We sent a query (with its invitation) and no OTR answer has come yet. */
  asked?: AskedView;
  /** What the site says this chat is, as of its last registration (not stored: a tab says it again). */
  kind?: 'channel' | 'direct';
}

interface LifeDeps {
  store: ConversationStore;
  env: { now(): number };
  maxConversations?: number;
  notify(event: PushEvent): void;
  toContent(tab: TabRef, push: ContentPush): void;
}

const tabKeyOf = (t: TabRef) => `${t.tabId}:${t.frameId}`;

type Serial = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

export const DEFAULT_MAX_CONVERSATIONS = 1000;
const PROBLEM_LIMIT = 50;

function stored(r: LiveConversation): StoredConversation {
  const { tabs: _t, locked: _l, unsaved: _u, pendingNotice: _n, kind: _k, ...rest } = r;
  return rest;
}

export class ConversationLife {
  readonly records = new Map<string, LiveConversation>();
  private tombstones = new Map<string, Tombstone>();
  /** Records from a newer OffRecord: refused, never rewritten. */
  private refused = new Map<string, LoadProblem>();
  /** Record keys on disk, for the cap. */
  private onDisk = new Set<string>();
  /** Record keys the cap evicted whose removal waits on their own conversation's chain. */
  private evicting = new Set<string>();
  /** Per conversation, the tabs (tab:frame) known to have been told its pendingNotice. */
  private told = new Map<string, Set<string>>();
  problems: ProblemView[] = [];
  locked = false;
  /** Called as OffRecord locks, or loads locked (set by SessionManager: the plaintext cache is cleared). */
  onLock: (() => void) | null = null;
  idleDays = 7;

  constructor(
    private readonly deps: LifeDeps,
    private readonly serial: Serial,
    private readonly pushView: (r: LiveConversation) => Promise<void>,
  ) {}

  private report(p: Omit<ProblemView, 'at'>): void {
    const problem = { ...p, at: this.deps.env.now() };
    this.problems = [...this.problems, problem].slice(-PROBLEM_LIMIT);
    this.deps.notify({ type: 'notice', conversationId: p.conversationId ?? '', name: `STORE_${p.code.toUpperCase()}`, text: p.message });
  }

  private noticeTabs(r: LiveConversation, name: string, text: string): void {
    for (const t of r.tabs) this.deps.toContent(t, { type: 'notice', conversationId: r.id, name, text });
  }

  /** Loads every record; while locked, keeps (or turns) conversations into placeholders. */
  async load(): Promise<void> {
    let loaded;
    try {
      loaded = await this.deps.store.loadAll();
    } catch (e) {
      if (!isStoreError(e) || e.code !== 'locked') throw e;
      this.locked = true;
      this.onLock?.();
      await this.sweep();
      return;
    }
    this.locked = false;
    for (const p of loaded.problems) {
      this.onDisk.add(p.key);
      if (p.code === 'version') {
        this.refused.set(p.key, p);
        this.report({ code: 'version', message: p.message });
      } else {
        // Ends only this conversation: its record becomes a tombstone (nothing sealed remains).
        const t: Tombstone = { key: p.key, ended: 'corrupt', lastActivity: this.deps.env.now() };
        await this.deps.store.tombstone(p.key, 'corrupt', t.lastActivity);
        this.tombstones.set(p.key, t);
        this.report({ code: 'corrupt', message: `A saved private conversation could not be read (${p.message}); it was ended.` });
      }
    }
    for (const t of loaded.tombstones) {
      this.tombstones.set(t.key, t);
      this.onDisk.add(t.key);
    }
    for (const c of loaded.conversations) {
      this.onDisk.add(recordKeyOf(c.id));
      const placeholder = this.records.get(c.id);
      this.records.set(c.id, { ...c, tabs: placeholder?.tabs ?? [] });
    }
    for (const r of [...this.records.values()]) {
      if (!r.locked) continue;
      const refused = this.refused.get(recordKeyOf(r.id));
      if (refused) {
        // Registered while locked, before its record could be read: refused as adopt() would,
        // so nothing is ever saved over the newer record.
        this.records.delete(r.id);
        this.noticeTabs(r, 'STORE_VERSION', refused.message);
        continue;
      }
      delete r.locked;
      this.adoptEnded(r);
    }
    for (const r of this.records.values()) if (r.tabs.length > 0) await this.serial(r.id, () => this.pushView(r));
    await this.sweep();
  }

  /** OffRecord was locked: every conversation drops its state (keys) and waits for unlock. */
  async lock(): Promise<void> {
    this.locked = true;
    this.onLock?.();
    for (const r of [...this.records.values()]) {
      await this.serial(r.id, async () => {
        const placeholder: LiveConversation = {
          id: r.id, site: r.site, account: r.account, peer: r.peer, title: r.title, policy: r.policy, tabs: r.tabs, locked: true,
          state: createConversation({ account: r.account, protocol: r.site, peer: r.peer, policy: r.state.policy, maxFragmentSize: r.state.maxFragmentSize }),
          seen: [], sent: [], smp: { status: 'idle', progress: 0 }, lastActivity: r.lastActivity, queuedIds: [],
        };
        this.records.set(r.id, placeholder);
        await this.pushView(placeholder);
      });
    }
  }

  /** A conversation registered for the first time since start (or unlock). */
  adopt(fresh: LiveConversation): LiveConversation {
    const key = recordKeyOf(fresh.id);
    const refused = this.refused.get(key);
    if (refused) storeFail('version', refused.message);
    if (this.locked) fresh.locked = true;
    else this.adoptEnded(fresh);
    this.records.set(fresh.id, fresh);
    return fresh;
  }

  /** A tombstone's conversation comes back ended (Finished), with the reason readers show. */
  private adoptEnded(r: LiveConversation): void {
    const t = this.tombstones.get(recordKeyOf(r.id));
    if (!t) return;
    endConversation(r, t.ended);
    r.lastActivity = t.lastActivity;
    if (t.ended === 'corrupt') {
      const text = `The saved private conversation with ${r.peer} could not be read; it was ended. Start a new one from the lock.`;
      r.pendingNotice = { name: 'STORE_CORRUPT', text };
      this.noticeTabs(r, 'STORE_CORRUPT', text);
    }
  }

  /**
   * A tab (re)registered the conversation: it is a new page, so it has not seen the notice.
   * Pushed now too, though the page may drop it before it knows the id (see `tabKnows`).
   */
  registered(r: LiveConversation, tab: TabRef): void {
    this.told.get(r.id)?.delete(tabKeyOf(tab));
    if (r.pendingNotice) this.deps.toContent(tab, { type: 'notice', conversationId: r.id, ...r.pendingNotice });
  }

  /**
   * The tab asked for something naming this conversation, so it knows the id and shows pushes
   * for it: the ended conversation's notice goes to it now, once, whatever the timing was.
   */
  tabKnows(id: string, tab: TabRef): void {
    const r = this.records.get(id);
    if (!r?.pendingNotice) return;
    const told = this.told.get(id) ?? new Set<string>();
    this.told.set(id, told);
    const key = tabKeyOf(tab);
    if (told.has(key)) return;
    told.add(key);
    this.deps.toContent(tab, { type: 'notice', conversationId: id, ...r.pendingNotice });
  }

  /**
   * Writes the conversation (one transaction); a full disk leaves it in memory, reported.
   * 'relaxed' only for a step that sends nothing (ConversationStore.put says why).
   */
  async save(r: LiveConversation, durability: Durability = 'strict'): Promise<void> {
    if (r.locked) return;
    const key = recordKeyOf(r.id);
    const refused = this.refused.get(key);
    if (refused) storeFail('version', refused.message);
    const isNew = !this.onDisk.has(key);
    if (!r.ended) {
      delete r.pendingNotice;
      this.told.delete(r.id);
    }
    try {
      // Ended without the user and holding nothing secret: nothing sealed stays on disk.
      if (r.ended && !holdsSecrets(r.state)) await this.endedOnDisk(key, r.ended, r.lastActivity);
      else await this.deps.store.put(stored(r), durability);
    } catch (e) {
      if (!isStoreError(e) || e.code !== 'quota') throw e;
      // The last record that did fit holds older keys and counters: after a restart it would
      // send under them again. A delete needs no space, so the record goes (the conversation
      // ends with the browser) before this step's ciphertext leaves.
      await this.deps.store.remove(key);
      this.onDisk.delete(key);
      this.tombstones.delete(key);
      if (!r.unsaved) this.report({ code: 'quota', conversationId: r.id, title: r.title, message: e.message });
      r.unsaved = true;
      return;
    }
    delete r.unsaved;
    if (!r.ended) this.tombstones.delete(key);
    // Being evicted: its task, queued behind this step, removes the record just written.
    if (this.evicting.has(key)) return;
    this.onDisk.add(key);
    if (isNew) await this.enforceCap(key);
  }

  private async endedOnDisk(key: string, ended: Tombstone['ended'], lastActivity: number): Promise<void> {
    const known = this.tombstones.get(key);
    if (known?.ended === ended && known.lastActivity === lastActivity && this.onDisk.has(key)) return;
    await this.deps.store.tombstone(key, ended, lastActivity);
    this.tombstones.set(key, { key, ended, lastActivity });
  }

  /**
   * Beyond the cap, records that hold nothing private go first, least recently used first, and
   * silently: a tombstone, or a chat never made private (a page naming a new peer each time
   * makes those by the hundred, and must not push private conversations out). Only then does the
   * least recently used private conversation end (keys wiped), with a notice.
   */
  private async enforceCap(keep: string): Promise<void> {
    const max = this.deps.maxConversations ?? DEFAULT_MAX_CONVERSATIONS;
    while (this.onDisk.size > max) {
      type Candidate = { key: string; at: number; r?: LiveConversation };
      let plain: Candidate | null = null;
      let secret: Candidate | null = null;
      for (const t of this.tombstones.values()) if (!plain || t.lastActivity < plain.at) plain = { key: t.key, at: t.lastActivity };
      for (const r of this.records.values()) {
        const key = recordKeyOf(r.id);
        if (key === keep || r.locked || !this.onDisk.has(key) || this.tombstones.has(key)) continue;
        if (holdsSecrets(r.state)) {
          if (!secret || r.lastActivity < secret.at) secret = { key, at: r.lastActivity, r };
        } else if (!plain || r.lastActivity < plain.at) plain = { key, at: r.lastActivity, r };
      }
      const victim = plain ?? secret;
      if (!victim) return;
      const key = victim.key;
      this.onDisk.delete(key);
      this.tombstones.delete(key);
      const evicted = victim.r;
      if (!evicted) {
        await this.deps.store.remove(key);
        continue;
      }
      // On its own chain, not awaited: this runs on the chain of the conversation that grew.
      // The record is removed there too, after any step already queued on it has written.
      this.evicting.add(key);
      void this.serial(evicted.id, async () => {
        // A step queued before this one may have made it private: then it ends, never goes silently.
        const ends = victim === secret || holdsSecrets(evicted.state);
        try {
          if (ends) endConversation(evicted, 'evicted');
          await this.deps.store.remove(key);
        } finally {
          this.evicting.delete(key);
        }
        // A chat with nothing private stays as it is in memory; written again, it counts again.
        if (!ends) return;
        this.report({ code: 'evicted', conversationId: evicted.id, title: evicted.title, message: `The private conversation with ${evicted.peer} was ended: OffRecord keeps at most ${max} conversations.` });
        this.noticeTabs(evicted, 'STORE_EVICTED', `OffRecord ended this private conversation: at most ${max} are kept.`);
        await this.pushView(evicted);
      });
    }
  }

  /** Ends an idle conversation (injected clock); true when it did. Runs on the caller's chain. */
  async expireIfIdle(r: LiveConversation): Promise<boolean> {
    if (r.locked || !isIdle(r, this.deps.env.now(), this.idleDays)) return false;
    endConversation(r, 'expired');
    await this.save(r);
    this.noticeTabs(r, 'STORE_EXPIRED', `This private conversation ended after ${this.idleDays} idle days; its keys were wiped.`);
    return true;
  }

  /** Expires every idle conversation; while locked, wipes idle sealed records without reading them. */
  async sweep(): Promise<void> {
    const now = this.deps.env.now();
    if (this.locked) {
      for (const s of await this.deps.store.summaries()) {
        if (!s.sealed || s.format > CONVERSATION_FORMAT || this.refused.has(s.key) || now - s.lastActivity < this.idleDays * DAY_MS) continue;
        await this.deps.store.tombstone(s.key, 'expired', s.lastActivity);
        this.tombstones.set(s.key, { key: s.key, ended: 'expired', lastActivity: s.lastActivity });
      }
      return;
    }
    for (const r of [...this.records.values()]) {
      await this.serial(r.id, async () => {
        if (await this.expireIfIdle(r)) await this.pushView(r);
      });
    }
  }
}

/** Locking drops every conversation's state; unlocking loads them again (key-store status). */
export async function followIdentity(status: IdentityStatus, key: { forget(): void }, life: ConversationLife): Promise<void> {
  if (status.state === 'locked' && !life.locked) {
    key.forget();
    await life.lock();
  } else if (status.state === 'ready' && life.locked) {
    await life.load();
  }
}
