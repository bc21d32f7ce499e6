import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { StoreError } from '../../src/background/errors';
import { write } from '../../src/background/idb';
import { IDENTITY_ACCOUNT, KeyStore } from '../../src/background/key-store';
import { openDatabase } from '../../src/background/idb';
import { cryptoRandom } from '../../src/background/keygen';
import type { IdentityStatus } from '../../src/messaging/types';
import { fingerprint, formatFingerprint } from '../../src/otr/dsa';
import { TEST_SCRYPT, countingGenerator, freshDbName, memoryKekCache, openKeyStore } from './helpers';

beforeEach(() => fakeBrowser.reset());

describe('identity key', () => {
  it('is made once on first run and reused after a restart', async () => {
    const name = freshDbName();
    const gen = countingGenerator();
    const first = await openKeyStore(name, gen);
    const status = first.keys.status();
    expect(status.state).toBe('ready');
    if (status.state !== 'ready') return;
    expect(status.fingerprint).toMatch(/^([0-9A-F]{8} ){4}[0-9A-F]{8}$/);
    first.db.close();

    const again = await openKeyStore(name, gen);
    expect(again.keys.status()).toEqual(status);
    expect(gen.calls).toBe(1);
    const me = await again.keys.identityFor('thelounge', 'alice');
    expect(formatFingerprint(fingerprint(me.privateKey))).toBe(status.fingerprint);
  });

  it('reports generating with progress, then ready', async () => {
    const db = await openDatabase(freshDbName());
    const keys = new KeyStore(db, { generator: countingGenerator(), random: cryptoRandom, scrypt: TEST_SCRYPT });
    const seen: IdentityStatus[] = [];
    keys.onStatus((s) => seen.push(s));
    await keys.init();
    expect(keys.status().state).toBe('generating');
    await keys.whenReady();
    expect(seen[0]).toEqual({ state: 'generating', progress: 0 });
    expect(seen.some((s) => s.state === 'generating' && s.progress === 1)).toBe(true);
    expect(seen.at(-1)?.state).toBe('ready');
  });

  it('serves every account with the identity key and a persisted instance tag per account', async () => {
    const name = freshDbName();
    const { db, keys } = await openKeyStore(name, countingGenerator());
    const a = await keys.identityFor('thelounge', 'alice');
    const b = await keys.identityFor('converse', 'alice@localhost');
    expect(fingerprint(a.privateKey)).toEqual(fingerprint(b.privateKey));
    expect(a.instanceTag).toBeGreaterThanOrEqual(0x100);
    db.close();
    const again = await openKeyStore(name, countingGenerator());
    expect((await again.keys.identityFor('thelounge', 'alice')).instanceTag).toBe(a.instanceTag);
  });
});

describe('per-account keys', () => {
  it('win for their account only, and can be made the identity key', async () => {
    const { keys } = await openKeyStore(freshDbName(), countingGenerator());
    const identity = await keys.identityFor('thelounge', 'alice');
    await keys.noteAccount('thelounge', 'alice');
    await keys.noteAccount('converse', 'alice@localhost');
    const own = await keys.generateForAccount('thelounge', 'alice');
    expect(own.isIdentity).toBe(false);
    const forAlice = await keys.identityFor('thelounge', 'alice');
    expect(formatFingerprint(fingerprint(forAlice.privateKey))).toBe(own.fingerprint);
    const other = await keys.identityFor('converse', 'alice@localhost');
    expect(fingerprint(other.privateKey)).toEqual(fingerprint(identity.privateKey));

    const accounts = await keys.listAccounts();
    expect(accounts.find((a) => a.site === 'thelounge')?.usesIdentity).toBe(false);
    expect(accounts.find((a) => a.site === 'converse')?.usesIdentity).toBe(true);

    const made = await keys.makeIdentity(own.keyId);
    expect(made.isIdentity).toBe(true);
    const status = keys.status();
    expect(status.state === 'ready' && status.fingerprint).toBe(own.fingerprint);
    const converse = await keys.identityFor('converse', 'alice@localhost');
    expect(formatFingerprint(fingerprint(converse.privateKey))).toBe(own.fingerprint);
  });

  it('exports every account with the key it uses, and imports them back', async () => {
    const { keys } = await openKeyStore(freshDbName(), countingGenerator());
    await keys.noteAccount('thelounge', 'alice');
    const own = await keys.generateForAccount('converse', 'alice@localhost');
    const exported = await keys.exportPrivateKeys();
    const byAccount = new Map(exported.map((e) => [`${e.protocol}/${e.account}`, formatFingerprint(fingerprint(e.key))]));
    expect(byAccount.get('converse/alice@localhost')).toBe(own.fingerprint);
    const identity = keys.status();
    expect(identity.state === 'ready' && byAccount.get(`${IDENTITY_ACCOUNT.site}/${IDENTITY_ACCOUNT.account}`)).toBe(identity.state === 'ready' && identity.fingerprint);

    const other = await openKeyStore(freshDbName(), countingGenerator());
    const imported = await other.keys.importPrivateKeys(exported);
    const status = other.keys.status();
    expect(status.state === 'ready' && status.fingerprint).toBe(identity.state === 'ready' && identity.fingerprint);
    expect(imported.map((k) => k.fingerprint)).toContain(own.fingerprint);
  });
});

describe('replacing the identity key', () => {
  it('gives every account without its own key the new fingerprint, and keeps per-account keys', async () => {
    const { keys } = await openKeyStore(freshDbName(), countingGenerator());
    const before = await keys.identityFor('thelounge', 'alice');
    const own = await keys.generateForAccount('converse', 'alice@localhost');
    const made = await keys.replaceIdentity();
    expect(made.isIdentity).toBe(true);
    const after = await keys.identityFor('thelounge', 'alice');
    expect(fingerprint(after.privateKey)).not.toEqual(fingerprint(before.privateKey));
    expect(formatFingerprint(fingerprint(after.privateKey))).toBe(made.fingerprint);
    const status = keys.status();
    expect(status.state === 'ready' && status.fingerprint).toBe(made.fingerprint);
    const separate = await keys.identityFor('converse', 'alice@localhost');
    expect(formatFingerprint(fingerprint(separate.privateKey))).toBe(own.fingerprint);
  });
});

describe('passphrase', () => {
  it('locks, refuses a wrong passphrase, unlocks, changes and is removed', async () => {
    const name = freshDbName();
    const cache = memoryKekCache();
    const { db, keys } = await openKeyStore(name, countingGenerator(), cache);
    const before = await keys.identityFor('thelounge', 'alice');
    await keys.setPassphrase(null, 'correct horse');
    expect(keys.status()).toMatchObject({ state: 'ready', passphraseSet: true });

    // No record holds the key in the clear any more.
    const raw = await new Promise<unknown[]>((r) => {
      const q = db.transaction('keys').objectStore('keys').getAll();
      q.onsuccess = () => r(q.result);
    });
    expect(JSON.stringify(raw)).not.toContain(before.privateKey.x.toString(16));

    await keys.lock();
    expect(keys.status()).toEqual({ state: 'locked' });
    await expect(keys.identityFor('thelounge', 'alice')).rejects.toMatchObject({ code: 'locked' });
    await expect(keys.unlock('wrong')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await keys.unlock('correct horse');
    expect((await keys.identityFor('thelounge', 'alice')).privateKey.x).toBe(before.privateKey.x);

    // A restarted worker stays unlocked through the session cache, and locks without it.
    db.close();
    const restarted = await openKeyStore(name, countingGenerator(), cache);
    expect(restarted.keys.status().state).toBe('ready');
    restarted.db.close();
    const cold = await openKeyStore(name, countingGenerator());
    expect(cold.keys.status()).toEqual({ state: 'locked' });
    await expect(cold.keys.setPassphrase('wrong', 'x')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await cold.keys.setPassphrase('correct horse', 'battery staple');
    await cold.keys.lock();
    await expect(cold.keys.unlock('correct horse')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await cold.keys.unlock('battery staple');
    await cold.keys.setPassphrase('battery staple', null);
    expect(cold.keys.status()).toMatchObject({ state: 'ready', passphraseSet: false });
    expect((await cold.keys.identityFor('thelounge', 'alice')).privateKey.x).toBe(before.privateKey.x);
  });
});

describe('scrypt settings (issue 17 item 8)', () => {
  it('keys wrapped under a smaller N still unlock, and are wrapped again under the current N at that unlock', async () => {
    const name = freshDbName();
    const old = await openKeyStore(name, countingGenerator());
    await old.keys.setPassphrase(null, 'correct horse');
    const before = await old.keys.identityFor('thelounge', 'alice');
    old.db.close();
    const stronger = { ...TEST_SCRYPT, N: TEST_SCRYPT.N * 2 };
    const db = await openDatabase(name);
    const keys = new KeyStore(db, { generator: countingGenerator(), random: cryptoRandom, scrypt: stronger });
    await keys.init();
    expect(keys.status()).toEqual({ state: 'locked' });
    await keys.unlock('correct horse');
    const record = (await new Promise((resolve) => {
      const req = db.transaction('meta').objectStore('meta').get('passphrase');
      req.onsuccess = () => resolve(req.result);
    })) as { params: { N: number } };
    expect(record.params.N).toBe(stronger.N);
    await keys.lock();
    await expect(keys.unlock('wrong')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await keys.unlock('correct horse');
    expect((await keys.identityFor('thelounge', 'alice')).privateKey.x).toBe(before.privateKey.x);
    db.close();
  });

  it('the default is N = 2^17', async () => {
    const { DEFAULT_SCRYPT } = await import('../../src/background/sealing');
    expect(DEFAULT_SCRYPT).toEqual({ N: 1 << 17, r: 8, p: 1 });
  });
});

describe('damaged storage', () => {
  async function damage(name: string, fn: (tx: IDBTransaction, id: string) => void): Promise<void> {
    const { db, keys } = await openKeyStore(name, countingGenerator());
    const id = (await keys.listKeys())[0]!.keyId;
    await write(db, ['keys', 'meta'], (tx) => fn(tx, id));
    db.close();
  }

  it('a corrupt key record gives a typed error and never a new key', async () => {
    const name = freshDbName();
    await damage(name, (tx, id) => tx.objectStore('keys').put({ id, format: 1, createdAt: 1, fingerprint: '0'.repeat(40), clear: { p: 'zz' } }));
    const gen = countingGenerator();
    const again = await openKeyStore(name, gen).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StoreError);
    expect(again).toMatchObject({ code: 'corrupt' });
    expect(gen.calls).toBe(0);
  });

  it('a key record from another format version is a version error', async () => {
    const name = freshDbName();
    await damage(name, (tx, id) => tx.objectStore('keys').put({ id, format: 7, createdAt: 1 }));
    await expect(openKeyStore(name, countingGenerator())).rejects.toMatchObject({ code: 'version' });
  });

  it('a missing identity key is corrupt, not a first run', async () => {
    const name = freshDbName();
    await damage(name, (tx, id) => tx.objectStore('keys').delete(id));
    const gen = countingGenerator();
    await expect(openKeyStore(name, gen)).rejects.toMatchObject({ code: 'corrupt' });
    expect(gen.calls).toBe(0);
  });

  it('a key that does not match its fingerprint is corrupt', async () => {
    const name = freshDbName();
    await damage(name, (tx, id) => {
      const q = tx.objectStore('keys').get(id);
      q.onsuccess = () => tx.objectStore('keys').put({ ...q.result, fingerprint: 'f'.repeat(40) });
    });
    await expect(openKeyStore(name, countingGenerator())).rejects.toMatchObject({ code: 'corrupt' });
  });
});
