/**
 * The key that seals persisted conversations (issue 11): 32 random bytes made once, used with
 * XChaCha20-Poly1305 (sealing.ts). How it is kept decides what at-rest encryption protects:
 *
 * - Passphrase set: the key is sealed under the passphrase's key-encryption key (scrypt), so
 *   nothing on disk opens it without the passphrase; conversations stay locked until unlock.
 * - No passphrase: the key is wrapped with AES-GCM under a non-extractable WebCrypto key that
 *   IndexedDB stores beside it. Page scripts, other extensions and a casual look at the
 *   profile's files get nothing readable, but someone who copies the whole profile off the
 *   disk has the wrapping key too: without a passphrase this is not protection against them.
 *
 * A random key sealed under the key-encryption key (rather than one derived from it) lets a
 * passphrase change reseal 32 bytes instead of every conversation. JavaScript cannot wipe the
 * unwrapped key: it stays in the worker's memory until lock or the browser closes.
 */
import { fromHex, toHex } from '../otr/bytes';
import { StoreError, storeFail } from './errors';
import { getRecord, write } from './idb';
import { isSealed, open, seal, type Random, type Sealed } from './sealing';

export const CONVERSATION_KEY_META = 'conversationKey';
const AAD = 'conversation-key';

type StoredKey = { format: 1; sealed: Sealed } | { format: 1; wrapKey: CryptoKey; iv: string; ct: string };

/** What the key store tells about the passphrase (key-store.ts). */
export interface KekSource {
  passphraseSet(): boolean;
  /** The unlocked key-encryption key, null when locked or without a passphrase. */
  currentKek(): Uint8Array | null;
}

async function wrap(key: Uint8Array, random: Random): Promise<StoredKey> {
  const wrapKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = random(12);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: Uint8Array.from(iv) }, wrapKey, Uint8Array.from(key)));
  return { format: 1, wrapKey, iv: toHex(iv), ct: toHex(ct) };
}

function isStoredKey(v: unknown): v is StoredKey {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (r.format !== 1) return false;
  return isSealed(r.sealed) || (typeof r.iv === 'string' && typeof r.ct === 'string' && typeof r.wrapKey === 'object' && r.wrapKey !== null);
}

export class ConversationKey {
  private key: Uint8Array | null = null;
  private loading: Promise<Uint8Array> | null = null;

  constructor(
    private readonly db: IDBDatabase,
    private readonly random: Random,
    private readonly source: KekSource,
  ) {}

  /** The key, made on first use; a 'locked' StoreError while the passphrase is not entered. */
  get(): Promise<Uint8Array> {
    if (this.key) return Promise.resolve(this.key);
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  /** After lock: the key must be unsealed again. */
  forget(): void {
    this.key = null;
  }

  private async load(): Promise<Uint8Array> {
    const stored = await getRecord(this.db, 'meta', CONVERSATION_KEY_META);
    const kek = this.source.currentKek();
    if (this.source.passphraseSet() && !kek) storeFail('locked', 'locked — unlock OffRecord');
    let key: Uint8Array;
    if (stored === undefined) {
      key = this.random(32);
      const record = kek ? { format: 1 as const, sealed: seal(this.random, kek, toHex(key), AAD) } : await wrap(key, this.random);
      await write(this.db, ['meta'], (tx) => tx.objectStore('meta').add(record, CONVERSATION_KEY_META));
    } else key = await this.unseal(stored, kek);
    this.key = key;
    return key;
  }

  private async unseal(stored: unknown, kek: Uint8Array | null): Promise<Uint8Array> {
    if (!isStoredKey(stored)) storeFail('corrupt', 'the conversation key record has the wrong shape');
    if ('sealed' in stored) {
      if (!kek) storeFail('locked', 'locked — unlock OffRecord');
      const hex = open(kek, stored.sealed, AAD);
      if (hex === null || !/^[0-9a-f]{64}$/.test(hex)) storeFail('corrupt', 'the conversation key does not open under the passphrase');
      return fromHex(hex);
    }
    try {
      const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: Uint8Array.from(fromHex(stored.iv)) }, stored.wrapKey, Uint8Array.from(fromHex(stored.ct)));
      if (pt.byteLength !== 32) storeFail('corrupt', 'the conversation key has the wrong length');
      return new Uint8Array(pt);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      storeFail('corrupt', 'the conversation key cannot be unwrapped');
    }
  }

  /**
   * For a passphrase change (key-store.ts): the same key kept under `next` (null: no
   * passphrase). Returns the meta record to write in the key store's own transaction, or null
   * when no conversation key exists yet.
   */
  async resealed(previous: Uint8Array | null, next: Uint8Array | null): Promise<{ key: string; value: unknown } | null> {
    const stored = await getRecord(this.db, 'meta', CONVERSATION_KEY_META);
    if (stored === undefined) return null;
    const key = this.key ?? (await this.unseal(stored, previous));
    const value = next ? { format: 1, sealed: seal(this.random, next, toHex(key), AAD) } : await wrap(key, this.random);
    this.key = key;
    return { key: CONVERSATION_KEY_META, value };
  }
}
