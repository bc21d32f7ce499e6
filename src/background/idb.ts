/**
 * A few promise helpers over IndexedDB (the extension's own origin: content scripts and pages
 * cannot read it, unlike storage.local). Opening runs the numbered migrations in order; a
 * database from a newer OffRecord is refused with a 'version' error instead of being reset.
 */
import { StoreError } from './errors';
import { MIGRATIONS } from './migrations';

export const DB_NAME = 'offrecord';
export const DB_VERSION = MIGRATIONS.length;

/** Opens (and migrates) the database. `upTo` lets the migration test stop at an older version. */
export function openDatabase(name = DB_NAME, upTo = DB_VERSION): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(name, upTo);
    } catch (e) {
      reject(new StoreError('corrupt', `cannot open the key database: ${String(e)}`));
      return;
    }
    request.onupgradeneeded = (event) => {
      const tx = request.transaction!;
      for (let v = event.oldVersion; v < upTo; v++) MIGRATIONS[v]!.up(request.result, tx);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      const err = request.error;
      if (err?.name === 'VersionError') {
        reject(new StoreError('version', 'the key database was written by a newer OffRecord; update the extension'));
      } else {
        reject(new StoreError('corrupt', `cannot open the key database: ${err?.message ?? 'unknown error'}`));
      }
    };
    request.onblocked = () => reject(new StoreError('busy', 'the key database is open in another OffRecord context'));
  });
}

export function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

export function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export async function getRecord(db: IDBDatabase, store: string, key: IDBValidKey): Promise<unknown> {
  return req(db.transaction(store, 'readonly').objectStore(store).get(key));
}

export async function getAll(db: IDBDatabase, store: string): Promise<unknown[]> {
  return req(db.transaction(store, 'readonly').objectStore(store).getAll());
}

/**
 * Writes and deletes in one transaction, so a key and its pointers change together.
 * `durability: 'strict'` (conversations) asks the browser to flush before reporting success.
 */
export async function write(
  db: IDBDatabase,
  stores: string[],
  body: (tx: IDBTransaction) => void,
  options?: IDBTransactionOptions,
): Promise<void> {
  const tx = db.transaction(stores, 'readwrite', options);
  const finished = done(tx);
  body(tx);
  await finished;
}
