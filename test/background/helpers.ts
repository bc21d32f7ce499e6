/** Shared set-up for the background tests: a fresh database per test and counting generators. */
import 'fake-indexeddb/auto';
import { openDatabase } from '../../src/background/idb';
import { KeyStore, type KekCache } from '../../src/background/key-store';
import { cryptoRandom, inlineGenerator, type KeyGenerator } from '../../src/background/keygen';
import type { ScryptParams } from '../../src/background/sealing';

let counter = 0;
export function freshDbName(): string {
  return `offrecord-test-${Date.now()}-${counter++}`;
}

/** Cheap scrypt for tests; the real default is in sealing.ts. */
export const TEST_SCRYPT: ScryptParams = { N: 1 << 10, r: 8, p: 1 };

export function countingGenerator(): KeyGenerator & { calls: number } {
  const gen = (async (onProgress: (p: number) => void) => {
    gen.calls++;
    return inlineGenerator(onProgress);
  }) as KeyGenerator & { calls: number };
  gen.calls = 0;
  return gen;
}

export function memoryKekCache(): KekCache & { value: Uint8Array | null } {
  const cache = {
    value: null as Uint8Array | null,
    async get() {
      return cache.value;
    },
    async set(k: Uint8Array | null) {
      cache.value = k;
    },
  };
  return cache;
}

export async function openKeyStore(name: string, generator: KeyGenerator, kekCache?: KekCache): Promise<{ db: IDBDatabase; keys: KeyStore }> {
  const db = await openDatabase(name);
  const keys = new KeyStore(db, { generator, random: cryptoRandom, scrypt: TEST_SCRYPT, ...(kekCache ? { kekCache } : {}) });
  await keys.init();
  await keys.whenReady();
  return { db, keys };
}
