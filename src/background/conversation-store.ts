/**
 * Private conversations on disk (issue 11): IndexedDB's 'conversations' store, one record per
 * conversation, each written in one transaction so a crash leaves the record as it was before
 * a step or as it is after it, never half of each.
 *
 * On disk a record is { key, format, lastActivity, nonce, ct } (nonce and ct as bytes): `key`
 * is the SHA-256 of the conversation id (the site, account and peer names are not in the clear, though anyone who
 * guesses a name can test it), `ct` the conversation as JSON sealed with XChaCha20-Poly1305
 * under the conversation key (conversation-key.ts) with the key and format as associated data,
 * so a record cannot be moved under another conversation. `lastActivity` stays in the clear so
 * that idle conversations can be wiped while OffRecord is locked. An ended conversation whose
 * keys had to be wiped without the conversation key is a tombstone: { key, format,
 * lastActivity, ended } with nothing sealed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ConversationState } from '../otr/index';
import type { EndReason, SitePolicy, SmpView } from '../messaging/types';
import type { ConversationKey } from './conversation-key';
import { StoreError, isStoreError, storeFail } from './errors';
import { getAll, req, write } from './idb';
import { openBytes, sealBytes, type Random } from './sealing';

export const CONVERSATION_FORMAT = 1;

export type { EndReason };

/** Everything about one conversation that outlives the browser. */
export interface StoredConversation {
  id: string;
  site: string;
  account: string;
  peer: string;
  title: string;
  policy: SitePolicy;
  state: ConversationState;
  /** Markers (session-wire.ts) of OTR wire texts already processed, bounded: a replay is a no-op. */
  seen: string[];
  /** Markers of wire texts we sent, so our own echo is not fed to the engine. */
  sent: string[];
  smp: SmpView;
  fingerprintChanged?: { previous: string; current: string };
  /** The adapter's own message-length limit, which caps the site's fragment size. */
  adapterLimit?: number;
  /** Milliseconds (injected clock) of the last message in either direction. */
  lastActivity: number;
  /** One id per entry of state.queued, so the user can cancel one without the page seeing text. */
  queuedIds: string[];
  ended?: EndReason;
}

interface DiskRecord {
  key: string;
  format: number;
  lastActivity: number;
  nonce?: Uint8Array;
  ct?: Uint8Array;
  ended?: EndReason;
}

export interface Tombstone {
  key: string;
  lastActivity: number;
  ended: EndReason;
}

/** A record that could not be loaded; 'version' records are left exactly as they are. */
export interface LoadProblem {
  key: string;
  code: 'corrupt' | 'version';
  message: string;
}

export interface Loaded {
  conversations: StoredConversation[];
  tombstones: Tombstone[];
  problems: LoadProblem[];
}

export function recordKeyOf(id: string): string {
  return bytesToHex(sha256(utf8ToBytes(`offrecord-conversation:${id}`)));
}

const aadOf = (key: string) => `${key}:${CONVERSATION_FORMAT}`;

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

function readDisk(raw: unknown): DiskRecord {
  if (typeof raw !== 'object' || raw === null) storeFail('corrupt', 'a conversation record is not an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.key !== 'string' || typeof r.format !== 'number' || typeof r.lastActivity !== 'number') storeFail('corrupt', 'a conversation record lacks its key, format or time');
  return r as unknown as DiskRecord;
}

function checkConversation(v: unknown, key: string): StoredConversation {
  const c = v as StoredConversation;
  const ok =
    typeof c === 'object' && c !== null && typeof c.id === 'string' && recordKeyOf(c.id) === key && typeof c.state === 'object' && c.state !== null &&
    Array.isArray(c.seen) && Array.isArray(c.sent) && Array.isArray(c.queuedIds) && typeof c.lastActivity === 'number';
  if (!ok) storeFail('corrupt', 'a conversation record does not hold a conversation');
  return c;
}

/** How far a conversation's write must reach before the step goes on (see put). */
export type Durability = 'strict' | 'relaxed';

export class ConversationStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly key: ConversationKey,
    private readonly random: Random,
  ) {}

  /** Every record; needs the conversation key (a 'locked' error otherwise) for sealed ones. */
  async loadAll(): Promise<Loaded> {
    const out: Loaded = { conversations: [], tombstones: [], problems: [] };
    // Always asked for, even with nothing sealed yet: while locked nothing may load or be made.
    const key = await this.key.get();
    const raws = await getAll(this.db, 'conversations');
    for (const raw of raws) {
      const recordKey = String((raw as { key?: unknown } | null)?.key ?? '');
      try {
        const disk = readDisk(raw);
        if (disk.format > CONVERSATION_FORMAT) storeFail('version', 'a conversation was saved by a newer OffRecord; update the extension');
        if (disk.ended && disk.ct === undefined) {
          out.tombstones.push({ key: disk.key, lastActivity: disk.lastActivity, ended: disk.ended });
          continue;
        }
        if (!(disk.nonce instanceof Uint8Array) || disk.nonce.length !== 24 || !(disk.ct instanceof Uint8Array)) storeFail('corrupt', 'a conversation record has no sealed content');
        const bytes = openBytes(key, disk.nonce, disk.ct, aadOf(disk.key));
        if (bytes === null) storeFail('corrupt', 'a conversation record does not decrypt (damaged or altered)');
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        } catch {
          storeFail('corrupt', 'a conversation record does not parse');
        }
        out.conversations.push(checkConversation(parsed, disk.key));
      } catch (e) {
        if (!isStoreError(e) || (e.code !== 'corrupt' && e.code !== 'version')) throw e;
        out.problems.push({ key: recordKey, code: e.code, message: e.message });
      }
    }
    return out;
  }

  /**
   * Seals and writes one conversation in one transaction. Either way the transaction has
   * committed to the browser's database when this returns, so a killed browser finds it.
   * 'strict' (the default) also waits for the disk's flush: any step whose ciphertext leaves,
   * since an operating-system crash that lost that step would send under the same keys and
   * counters again. 'relaxed' is for a step that sends nothing (a message read): a crash can
   * at worst lose that step, which reuses nothing, and the flush (up to ~270 ms on a loaded
   * machine, npm run bench) no longer stands between a message and its reader. A full disk is
   * a 'quota' error; the caller keeps the conversation in memory and reports it.
   */
  async put(c: StoredConversation, durability: Durability = 'strict'): Promise<void> {
    const key = await this.key.get();
    const recordKey = recordKeyOf(c.id);
    const sealed = sealBytes(this.random, key, new TextEncoder().encode(JSON.stringify(c)), aadOf(recordKey));
    const disk: DiskRecord = { key: recordKey, format: CONVERSATION_FORMAT, lastActivity: c.lastActivity, ...sealed };
    await this.writing(() => write(this.db, ['conversations'], (tx) => tx.objectStore('conversations').put(disk), { durability }));
  }

  /** Replaces a record by a tombstone: whatever it sealed (keys included) is gone from disk. */
  async tombstone(recordKey: string, ended: EndReason, lastActivity: number): Promise<void> {
    const disk: DiskRecord = { key: recordKey, format: CONVERSATION_FORMAT, lastActivity, ended };
    await this.writing(() => write(this.db, ['conversations'], (tx) => tx.objectStore('conversations').put(disk)));
  }

  /** Flushed like a strict put: a full disk's stale record must be gone before the step's ciphertext leaves. */
  async remove(recordKey: string): Promise<void> {
    await write(this.db, ['conversations'], (tx) => tx.objectStore('conversations').delete(recordKey), { durability: 'strict' });
  }

  async count(): Promise<number> {
    return req(this.db.transaction('conversations', 'readonly').objectStore('conversations').count());
  }

  /** Raw view for sweeping while locked: key, time and whether anything is sealed. */
  async summaries(): Promise<{ key: string; lastActivity: number; sealed: boolean; format: number }[]> {
    const out: { key: string; lastActivity: number; sealed: boolean; format: number }[] = [];
    for (const raw of await getAll(this.db, 'conversations')) {
      try {
        const d = readDisk(raw);
        out.push({ key: d.key, lastActivity: d.lastActivity, sealed: d.ct !== undefined, format: d.format });
      } catch {
        // Unreadable records are reported by loadAll.
      }
    }
    return out;
  }

  private async writing(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (isQuotaError(e)) throw new StoreError('quota', 'the disk is full: this conversation is not saved and ends when the browser closes');
      throw e;
    }
  }
}
