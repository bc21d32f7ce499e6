/**
 * Long-term keys (DESIGN.md §4, issue 8): ONE identity key made on first run and used for
 * every account, plus optional per-account keys that win for their account. Kept in IndexedDB,
 * optionally sealed under a passphrase (sealing.ts). Instance tags are persisted per account.
 * A missing or unreadable record is an error the user sees; a fresh key is made only when the
 * database is empty (first run), never to replace something that failed to load.
 */
import type { DsaPrivateKey } from '../otr/dsa';
import { fromHex, toHex } from '../otr/bytes';
import { formatFingerprint } from '../otr/dsa';
import { generateInstanceTag } from '../otr/instance-tag';
import type { PrivateKeyEntry, InstanceTagEntry } from '../otr/libotr-files';
import type { AccountView, IdentityStatus, KeyView } from '../messaging/types';
import { StoreError, isStoreError, storeFail } from './errors';
import { getAll, getRecord, write } from './idb';
import type { KeyGenerator } from './keygen';
import {
  KEY_FORMAT, VERIFIER_TEXT, accountKey, clearKeyOf, fingerprintHex, keyFromJsonText, keyJson, readAccounts,
  pruneInstanceTags, readInstanceTags, readKeyRecord, readPassphrase, type AccountRecord, type KeyRecord, type PassphraseRecord,
} from './key-records';
import { DEFAULT_SCRYPT, deriveKek, open, seal, type Random, type ScryptParams } from './sealing';

/** libotr has no notion of an identity key; export/import carry it under this account. */
export const IDENTITY_ACCOUNT = { site: 'offrecord', account: 'identity' } as const;

/** Where the unlocked key-encryption key survives a worker restart (storage.session). */
export interface KekCache {
  get(): Promise<Uint8Array | null>;
  set(kek: Uint8Array | null): Promise<void>;
}

export interface KeyStoreOptions {
  generator: KeyGenerator;
  random: Random;
  kekCache?: KekCache;
  scrypt?: ScryptParams;
  now?: () => number;
}

/** Accounts noted without a key of their own, at most (the options page lists them). */
export const KEYLESS_ACCOUNT_CAP = 256;

export class KeyStore {
  private status_: IdentityStatus = { state: 'generating', progress: 0 };
  private listeners = new Set<(s: IdentityStatus) => void>();
  private keys = new Map<string, DsaPrivateKey>(); // unlocked keys by id
  private kek: Uint8Array | null = null;
  private passphrase: PassphraseRecord | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private generation: Promise<void> | null = null;
  private resealer: ((previous: Uint8Array | null, next: Uint8Array | null) => Promise<{ key: string; value: unknown } | null>) | null = null;

  constructor(
    private readonly db: IDBDatabase,
    private readonly opts: KeyStoreOptions,
  ) {}

  /**
   * Accounts (accountKey) whose instance tag a conversation relies on now, never pruned (set by
   * the background to those of private conversations and key exchanges under way).
   */
  tagsInUse: () => Iterable<string> = () => [];

  /** Whether stored secrets are sealed under a passphrase (conversation-key.ts). */
  passphraseSet(): boolean {
    return this.passphrase !== null;
  }

  /** The unlocked key-encryption key (null when locked or without a passphrase). */
  currentKek(): Uint8Array | null {
    return this.kek;
  }

  /** Another secret sealed under the passphrase, resealed in the same transaction as the keys. */
  onReseal(fn: (previous: Uint8Array | null, next: Uint8Array | null) => Promise<{ key: string; value: unknown } | null>): void {
    this.resealer = fn;
  }

  status(): IdentityStatus {
    return this.status_;
  }

  onStatus(listener: (s: IdentityStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(s: IdentityStatus): void {
    this.status_ = s;
    for (const l of this.listeners) l(s);
  }

  /**
   * Each account's identity as identityFor last read it: every message received or sent asks
   * for it, and reading it costs up to three IndexedDB transactions. Any other job may change
   * keys, accounts or instance tags, so each one empties it; so do lock and a reload of the keys.
   */
  private identities = new Map<string, { privateKey: DsaPrivateKey; instanceTag: number; fingerprint: string }>();

  /** Serialises every mutation: one writer for the key database. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    this.identities.clear();
    return this.queue(fn);
  }

  private queue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads the store. On an empty database starts making the identity key (returns at once;
   * `whenReady()` waits). Any failure to read sets the error status and is rethrown.
   */
  async init(): Promise<void> {
    try {
      this.passphrase = readPassphrase(await getRecord(this.db, 'meta', 'passphrase'));
      const identityId = await getRecord(this.db, 'meta', 'identity');
      const records = await getAll(this.db, 'keys');
      if (identityId === undefined) {
        if (records.length > 0) storeFail('corrupt', 'keys are stored but none is marked as the identity key');
        this.generation = this.generateIdentity();
        return;
      }
      if (typeof identityId !== 'string') storeFail('corrupt', 'the identity pointer is not a key id');
      readKeyRecord(await getRecord(this.db, 'keys', identityId), identityId);
      for (const r of records) readKeyRecord(r, String((r as { id?: unknown }).id));
      readAccounts(await getRecord(this.db, 'meta', 'accounts'));
      readInstanceTags(await getRecord(this.db, 'meta', 'instanceTags'));
      if (this.passphrase) {
        const cached = (await this.opts.kekCache?.get()) ?? null;
        if (cached && this.checkKek(cached)) await this.unlockWith(cached);
        else this.setStatus({ state: 'locked' });
      } else {
        await this.loadAll(null);
        await this.readyStatus();
      }
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  /** Resolves when a first-run identity key is made (at once otherwise). */
  async whenReady(): Promise<void> {
    await this.generation;
  }

  private fail(e: unknown): void {
    const err = isStoreError(e) ? e : new StoreError('corrupt', `key store failed: ${String(e)}`);
    this.setStatus({ state: 'error', code: err.code, message: err.message });
  }

  private async generateIdentity(): Promise<void> {
    try {
      const key = await this.opts.generator((progress) => {
        if (this.status_.state === 'generating') this.setStatus({ state: 'generating', progress });
      });
      await this.serial(async () => {
        const record = this.makeRecord(key);
        await write(this.db, ['keys', 'meta'], (tx) => {
          tx.objectStore('keys').add(record);
          tx.objectStore('meta').put(record.id, 'identity');
        });
        this.keys.set(record.id, key);
      });
      await this.readyStatus();
    } catch (e) {
      this.fail(e);
    }
  }

  private makeRecord(key: DsaPrivateKey): KeyRecord {
    const id = toHex(this.opts.random(16));
    const base = { id, format: KEY_FORMAT, createdAt: (this.opts.now ?? Date.now)(), fingerprint: fingerprintHex(key) } as const;
    if (this.passphrase) {
      if (!this.kek) storeFail('locked', 'unlock OffRecord with your passphrase first');
      return { ...base, sealed: seal(this.opts.random, this.kek, keyJson(key), id) };
    }
    return { ...base, clear: JSON.parse(keyJson(key)) };
  }

  private async readyStatus(): Promise<void> {
    const id = (await getRecord(this.db, 'meta', 'identity')) as string;
    const record = readKeyRecord(await getRecord(this.db, 'keys', id), id);
    this.setStatus({ state: 'ready', fingerprint: formatFingerprint(fromHex(record.fingerprint)), passphraseSet: this.passphrase !== null });
  }

  private checkKek(kek: Uint8Array): boolean {
    return this.passphrase !== null && open(kek, this.passphrase.verifier, 'verifier') === VERIFIER_TEXT;
  }

  /** Decrypts (or reads) every key record into memory; a record that fails is 'corrupt'. */
  private async loadAll(kek: Uint8Array | null): Promise<void> {
    const loaded = new Map<string, DsaPrivateKey>();
    for (const raw of await getAll(this.db, 'keys')) {
      const r = readKeyRecord(raw, String((raw as { id?: unknown }).id));
      if (r.clear) loaded.set(r.id, clearKeyOf(r));
      else {
        if (!kek) storeFail('locked', 'unlock OffRecord with your passphrase first');
        const text = open(kek, r.sealed, r.id);
        if (text === null) storeFail('corrupt', `key ${r.id} does not decrypt under the passphrase that unlocks the others`);
        const key = keyFromJsonText(text, r.id);
        if (fingerprintHex(key) !== r.fingerprint) storeFail('corrupt', `key ${r.id} does not match its fingerprint`);
        loaded.set(r.id, key);
      }
    }
    this.keys = loaded;
    this.identities.clear();
  }

  private async unlockWith(kek: Uint8Array): Promise<void> {
    await this.loadAll(kek);
    this.kek = kek;
    await this.opts.kekCache?.set(kek);
    await this.readyStatus();
  }

  unlock(passphrase: string): Promise<IdentityStatus> {
    return this.serial(async () => {
      if (!this.passphrase) return this.status_;
      const kek = await deriveKek(passphrase, fromHex(this.passphrase.salt), this.passphrase.params);
      if (!this.checkKek(kek)) storeFail('wrong-passphrase', 'that passphrase does not unlock OffRecord');
      await this.unlockWith(kek);
      // Keys wrapped under weaker scrypt settings (an older OffRecord) are wrapped again under
      // the current ones now that the passphrase is at hand; the old settings still unlock.
      if (this.passphrase.params.N < (this.opts.scrypt ?? DEFAULT_SCRYPT).N) await this.rewrap(kek, passphrase);
      return this.status_;
    });
  }

  async lock(): Promise<IdentityStatus> {
    if (!this.passphrase) return this.status_;
    this.kek = null;
    this.keys.clear();
    this.identities.clear();
    await this.opts.kekCache?.set(null);
    this.setStatus({ state: 'locked' });
    return this.status_;
  }

  /** Set (current null), change, or remove (next null) the passphrase; reseals every key. */
  setPassphrase(current: string | null, next: string | null): Promise<IdentityStatus> {
    return this.serial(async () => {
      if (this.status_.state === 'generating') storeFail('busy', 'the identity key is still being made');
      let previous: Uint8Array | null = null;
      if (this.passphrase) {
        if (current === null) storeFail('wrong-passphrase', 'enter the current passphrase');
        const kek = await deriveKek(current, fromHex(this.passphrase.salt), this.passphrase.params);
        if (!this.checkKek(kek)) storeFail('wrong-passphrase', 'the current passphrase is wrong');
        await this.loadAll(kek);
        previous = kek;
      } else {
        await this.loadAll(null);
      }
      await this.rewrap(previous, next);
      return this.status_;
    });
  }

  /** Seals every key (and the conversation key) under `next`'s key, or stores them clear. */
  private async rewrap(previous: Uint8Array | null, next: string | null): Promise<void> {
    {
      let record: PassphraseRecord | null = null;
      let kek: Uint8Array | null = null;
      if (next !== null) {
        const salt = this.opts.random(16);
        const params = this.opts.scrypt ?? DEFAULT_SCRYPT;
        kek = await deriveKek(next, salt, params);
        record = { salt: toHex(salt), params, verifier: seal(this.opts.random, kek, VERIFIER_TEXT, 'verifier') };
      }
      const records = (await getAll(this.db, 'keys')).map((r) => readKeyRecord(r, String((r as { id?: unknown }).id)));
      const extra = this.resealer ? await this.resealer(previous, kek) : null;
      await write(this.db, ['keys', 'meta'], (tx) => {
        if (extra) tx.objectStore('meta').put(extra.value, extra.key);
        for (const r of records) {
          const key = this.keys.get(r.id)!;
          const { clear: _c, sealed: _s, ...base } = r;
          tx.objectStore('keys').put(kek ? { ...base, sealed: seal(this.opts.random, kek, keyJson(key), r.id) } : { ...base, clear: JSON.parse(keyJson(key)) });
        }
        if (record) tx.objectStore('meta').put(record, 'passphrase');
        else tx.objectStore('meta').delete('passphrase');
      });
      this.passphrase = record;
      this.kek = kek;
      await this.opts.kekCache?.set(kek);
      await this.readyStatus();
    }
  }

  private requireUnlocked(): void {
    const st = this.status_;
    if (st.state === 'locked') storeFail('locked', 'unlock OffRecord with your passphrase first');
    if (st.state === 'generating') storeFail('busy', 'the identity key is still being made');
    if (st.state === 'error') storeFail(st.code, st.message);
  }

  private async accounts(): Promise<AccountRecord[]> {
    return readAccounts(await getRecord(this.db, 'meta', 'accounts'));
  }

  /** Remembers an account (for export and the popup's account list). */
  noteAccount(site: string, account: string): Promise<void> {
    return this.serial(async () => {
      const list = await this.accounts();
      if (list.some((a) => a.site === site && a.account === account)) return;
      list.push({ site, account, keyId: null });
      // Account names come from the page (issue 17 item 7): a page rotating them must not grow
      // this list without bound. Accounts with their own key are never dropped; of the others,
      // the first noted go first (they only list the account in the options page).
      const keyless = list.filter((a) => a.keyId === null);
      const drop = new Set(keyless.slice(0, Math.max(0, keyless.length - KEYLESS_ACCOUNT_CAP)));
      if (drop.size) list.splice(0, list.length, ...list.filter((a) => !drop.has(a)));
      await write(this.db, ['meta'], (tx) => tx.objectStore('meta').put(list, 'accounts'));
    });
  }

  /** The key and instance tag this account uses; makes and stores the tag on first use. */
  identityFor(site: string, account: string): Promise<{ privateKey: DsaPrivateKey; instanceTag: number; fingerprint: string }> {
    return this.queue(async () => {
      this.requireUnlocked();
      const k = accountKey(site, account);
      const known = this.identities.get(k);
      if (known) return known;
      const accounts = await this.accounts();
      const own = accounts.find((a) => a.site === site && a.account === account)?.keyId ?? null;
      const keyId = own ?? ((await getRecord(this.db, 'meta', 'identity')) as string);
      const privateKey = this.keys.get(keyId);
      if (!privateKey) storeFail('corrupt', `key ${keyId} for ${account} on ${site} is missing`);
      const tags = readInstanceTags(await getRecord(this.db, 'meta', 'instanceTags'));
      let instanceTag = tags[k];
      if (instanceTag === undefined) {
        instanceTag = generateInstanceTag(this.opts.random);
        tags[k] = instanceTag;
        const keyed = accounts.filter((a) => a.keyId !== null).map((a) => accountKey(a.site, a.account));
        pruneInstanceTags(tags, new Set([k, ...keyed, ...this.tagsInUse()]));
        await write(this.db, ['meta'], (tx) => tx.objectStore('meta').put(tags, 'instanceTags'));
      }
      const identity = { privateKey, instanceTag, fingerprint: fingerprintHex(privateKey) };
      this.identities.set(k, identity);
      return identity;
    });
  }

  async listKeys(): Promise<KeyView[]> {
    const identity = await getRecord(this.db, 'meta', 'identity');
    const accounts = await this.accounts();
    return (await getAll(this.db, 'keys')).map((raw) => {
      const r = readKeyRecord(raw, String((raw as { id?: unknown }).id));
      const isIdentity = r.id === identity;
      return {
        keyId: r.id,
        fingerprint: formatFingerprint(fromHex(r.fingerprint)),
        isIdentity,
        accounts: accounts.filter((a) => a.keyId === r.id || (isIdentity && a.keyId === null)).map(({ site, account }) => ({ site, account })),
        createdAt: r.createdAt,
      };
    });
  }

  async listAccounts(): Promise<AccountView[]> {
    const keys = await this.listKeys();
    const identity = keys.find((k) => k.isIdentity);
    return (await this.accounts()).map((a) => {
      const key = a.keyId === null ? identity : keys.find((k) => k.keyId === a.keyId);
      return { site: a.site, account: a.account, keyId: key?.keyId ?? '', fingerprint: key?.fingerprint ?? '', usesIdentity: a.keyId === null };
    });
  }

  private async addKeyForAccount(key: DsaPrivateKey, site: string, account: string): Promise<string> {
    const record = this.makeRecord(key);
    const list = (await this.accounts()).filter((a) => !(a.site === site && a.account === account));
    list.push({ site, account, keyId: record.id });
    await write(this.db, ['keys', 'meta'], (tx) => {
      tx.objectStore('keys').add(record);
      tx.objectStore('meta').put(list, 'accounts');
    });
    this.keys.set(record.id, key);
    return record.id;
  }

  /** Makes a separate key for one account; it wins over the identity key for that account. */
  async generateForAccount(site: string, account: string): Promise<KeyView> {
    this.requireUnlocked();
    const key = await this.opts.generator(() => undefined);
    const id = await this.serial(() => this.addKeyForAccount(key, site, account));
    return (await this.listKeys()).find((k) => k.keyId === id)!;
  }

  /**
   * Makes a new identity key. The old one stays stored (an exported copy or a peer may still
   * refer to it) but no account uses it any more unless it was that account's own key.
   */
  async replaceIdentity(): Promise<KeyView> {
    this.requireUnlocked();
    const key = await this.opts.generator(() => undefined);
    const id = await this.serial(async () => {
      const record = this.makeRecord(key);
      await write(this.db, ['keys'], (tx) => tx.objectStore('keys').add(record));
      this.keys.set(record.id, key);
      return record.id;
    });
    return this.makeIdentity(id);
  }

  /** Drops an account's own key choice: the account uses the identity key again. */
  useIdentityForAccount(site: string, account: string): Promise<AccountView> {
    return this.serial(async () => {
      const list = (await this.accounts()).filter((a) => !(a.site === site && a.account === account));
      list.push({ site, account, keyId: null });
      await write(this.db, ['meta'], (tx) => tx.objectStore('meta').put(list, 'accounts'));
    }).then(async () => (await this.listAccounts()).find((a) => a.site === site && a.account === account)!);
  }

  /** Makes a stored key the identity key; accounts that had it as their own now use it as identity. */
  makeIdentity(keyId: string): Promise<KeyView> {
    return this.serial(async () => {
      readKeyRecord(await getRecord(this.db, 'keys', keyId), keyId);
      const list = (await this.accounts()).map((a) => (a.keyId === keyId ? { ...a, keyId: null } : a));
      await write(this.db, ['meta'], (tx) => {
        tx.objectStore('meta').put(keyId, 'identity');
        tx.objectStore('meta').put(list, 'accounts');
      });
      await this.readyStatus();
    }).then(async () => (await this.listKeys()).find((k) => k.keyId === keyId)!);
  }

  /** libotr's otr.private_key entries: each becomes its account's key (see IDENTITY_ACCOUNT). */
  async importPrivateKeys(entries: PrivateKeyEntry[]): Promise<KeyView[]> {
    this.requireUnlocked();
    const ids: string[] = [];
    for (const e of entries) {
      if (e.protocol === IDENTITY_ACCOUNT.site && e.account === IDENTITY_ACCOUNT.account) {
        const id = await this.serial(async () => {
          const existing = [...this.keys].find(([, k]) => fingerprintHex(k) === fingerprintHex(e.key));
          if (existing) return existing[0];
          const record = this.makeRecord(e.key);
          await write(this.db, ['keys'], (tx) => tx.objectStore('keys').add(record));
          this.keys.set(record.id, e.key);
          return record.id;
        });
        await this.makeIdentity(id);
        ids.push(id);
      } else {
        ids.push(await this.serial(() => this.addKeyForAccount(e.key, e.protocol, e.account)));
      }
    }
    const keys = await this.listKeys();
    return keys.filter((k) => ids.includes(k.keyId));
  }

  /** Every known account with the key it really uses, plus the identity key under IDENTITY_ACCOUNT. */
  async exportPrivateKeys(): Promise<PrivateKeyEntry[]> {
    this.requireUnlocked();
    const identity = (await getRecord(this.db, 'meta', 'identity')) as string;
    const out: PrivateKeyEntry[] = [{ account: IDENTITY_ACCOUNT.account, protocol: IDENTITY_ACCOUNT.site, key: this.keys.get(identity)! }];
    for (const a of await this.accounts()) {
      if (a.account === '') continue; // libotr files cannot name an unknown account
      out.push({ account: a.account, protocol: a.site, key: this.keys.get(a.keyId ?? identity)! });
    }
    return out;
  }

  async exportInstanceTags(): Promise<InstanceTagEntry[]> {
    const tags = readInstanceTags(await getRecord(this.db, 'meta', 'instanceTags'));
    return Object.entries(tags).map(([k, instanceTag]) => {
      const [site, account] = JSON.parse(k) as [string, string];
      return { account, protocol: site, instanceTag };
    });
  }

  importInstanceTags(entries: InstanceTagEntry[]): Promise<number> {
    return this.serial(async () => {
      const tags = readInstanceTags(await getRecord(this.db, 'meta', 'instanceTags'));
      for (const e of entries) tags[accountKey(e.protocol, e.account)] = e.instanceTag;
      await write(this.db, ['meta'], (tx) => tx.objectStore('meta').put(tags, 'instanceTags'));
      return entries.length;
    });
  }
}
