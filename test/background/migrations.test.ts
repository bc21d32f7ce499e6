import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, getAll, openDatabase, write } from '../../src/background/idb';
import { MIGRATIONS } from '../../src/background/migrations';
import { KeyStore } from '../../src/background/key-store';
import { cryptoRandom } from '../../src/background/keygen';
import { privateKeyToJson, generateDsaKey, fingerprint } from '../../src/otr/dsa';
import { toHex } from '../../src/otr/bytes';
import { countingGenerator, freshDbName, TEST_SCRYPT } from './helpers';

/** A version-1 database as OffRecord 1 wrote it: key records had no `format` field. */
async function versionOneFixture(name: string) {
  const key = generateDsaKey(cryptoRandom);
  const db = await openDatabase(name, 1);
  expect([...db.objectStoreNames].sort()).toEqual(['contacts', 'keys', 'meta', 'peers']);
  await write(db, ['keys', 'meta'], (tx) => {
    tx.objectStore('keys').put({ id: 'k1', createdAt: 5, fingerprint: toHex(fingerprint(key)), clear: privateKeyToJson(key) });
    tx.objectStore('meta').put('k1', 'identity');
  });
  db.close();
  return key;
}

describe('storage migrations', () => {
  it('walks every migration from an empty database to the current version', async () => {
    expect(DB_VERSION).toBe(MIGRATIONS.length);
    const name = freshDbName();
    for (let v = 1; v <= DB_VERSION; v++) {
      const db = await openDatabase(name, v);
      expect(db.version).toBe(v);
      db.close();
    }
    const db = await openDatabase(name);
    expect([...db.objectStoreNames].sort()).toEqual(['config', 'contacts', 'conversations', 'keys', 'meta', 'peers', 'rooms']);
    db.close();
  });

  it('a version-1 database keeps its identity key after migrating', async () => {
    const name = freshDbName();
    const key = await versionOneFixture(name);
    const db = await openDatabase(name);
    expect((await getAll(db, 'keys'))[0]).toMatchObject({ id: 'k1', format: 1 });
    const gen = countingGenerator();
    const keys = new KeyStore(db, { generator: gen, random: cryptoRandom, scrypt: TEST_SCRYPT });
    await keys.init();
    expect(gen.calls).toBe(0);
    expect((await keys.identityFor('thelounge', 'alice')).privateKey.x).toBe(key.x);
  });

  it('a database from a newer OffRecord is refused with a version error', async () => {
    const name = freshDbName();
    await new Promise<void>((resolve) => {
      const r = indexedDB.open(name, DB_VERSION + 1);
      r.onsuccess = () => {
        r.result.close();
        resolve();
      };
    });
    await expect(openDatabase(name)).rejects.toMatchObject({ code: 'version' });
  });
});
