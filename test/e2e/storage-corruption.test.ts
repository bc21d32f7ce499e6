/**
 * Issue 3: storage that is corrupt or from a newer OffRecord gives a clear error and never a
 * silent fresh key. Real Chromium with the built extension; the extension's IndexedDB is edited
 * from the service worker itself, the worker is stopped over CDP, and the popup is reopened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { FINGERPRINT, launchChromiumWithExtension, shownFingerprint, stopServiceWorker, until, type ExtensionBrowser } from './helpers/browser';

let b: ExtensionBrowser;
let sw: Worker;
let original: { id: string; record: unknown };
let fingerprint = '';

async function popup(): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`chrome-extension://${b.extensionId}/popup.html`);
  return page;
}

async function status(page: Page): Promise<{ state: string; code?: string; message?: string; fingerprint?: string }> {
  const reply = await page.evaluate(() => (globalThis as any).chrome.runtime.sendMessage({ kind: 'identity.status', payload: {} }));
  if (!reply?.ok) throw new Error(`identity.status: ${JSON.stringify(reply)}`);
  return reply.value;
}

/** Runs in the service worker: the 'keys' and 'meta' stores as they are now. */
async function readStores(): Promise<{ identity: unknown; keys: Array<{ id: string }> }> {
  return sw.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('offrecord');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const get = <T,>(store: string, fn: (s: IDBObjectStore) => IDBRequest<T>) =>
      new Promise<T>((ok, fail) => {
        const r = fn(db.transaction(store).objectStore(store));
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
    const out = { identity: await get('meta', (s) => s.get('identity')), keys: await get('keys', (s) => s.getAll()) };
    db.close();
    return out as { identity: unknown; keys: Array<{ id: string }> };
  });
}

async function putKeyRecord(record: unknown): Promise<void> {
  await sw.evaluate(async (record) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('offrecord');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    await new Promise<void>((ok, fail) => {
      const tx = db.transaction('keys', 'readwrite');
      tx.objectStore('keys').put(record);
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
    });
    db.close();
  }, record);
}

/** Restarts the worker and checks the popup shows the store error, and no key was made. */
async function expectErrorAfterRestart(code: string, words: RegExp): Promise<void> {
  await stopServiceWorker(b.context, b.extensionId);
  const page = await popup();
  const st = await status(page);
  expect(st.state).toBe('error');
  expect(st.code).toBe(code);
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 15_000 });
  const text = (await alert.textContent()) ?? '';
  expect(text, text).toMatch(words);
  expect(await page.locator('[data-fingerprint]').count()).toBe(0);
  await page.close();
  // Not silently replaced: still the one key, the identity pointer unchanged.
  const stores = await readStores();
  expect(stores.identity).toBe(original.id);
  expect(stores.keys.map((k) => k.id)).toEqual([original.id]);
}

beforeAll(async () => {
  b = await launchChromiumWithExtension();
  sw = b.serviceWorker;
  const page = await popup();
  fingerprint = await shownFingerprint(page);
  await page.close();
  const stores = await readStores();
  const id = stores.identity as string;
  original = { id, record: stores.keys.find((k) => k.id === id) };
});

afterAll(async () => {
  await b?.close();
});

describe('corrupt or newer storage (real Chromium)', () => {
  it('starts from one identity key', () => {
    expect(fingerprint).toMatch(FINGERPRINT);
    expect(original.record).toBeTruthy();
  });

  it('a corrupt key record: clear error, no fresh key; restoring it brings the same fingerprint back', async () => {
    const record = original.record as Record<string, unknown>;
    await putKeyRecord({ ...record, clear: { p: 'zz', q: '00', g: '02', y: 'not hex', x: '' } });
    await expectErrorAfterRestart('corrupt', /corrupt|does not parse|damaged|bad/i);

    // A key that parses but is not the one the fingerprint names is caught as well.
    const clear = record.clear as Record<string, string>;
    await putKeyRecord({ ...record, clear: { ...clear, x: clear.x!.replace(/.$/, (c) => (c === '1' ? '2' : '1')) } });
    await expectErrorAfterRestart('corrupt', /does not parse|does not match/i);

    await putKeyRecord(record);
    await stopServiceWorker(b.context, b.extensionId);
    const page = await popup();
    expect(await shownFingerprint(page, 15_000)).toBe(fingerprint);
    await page.close();
  });

  it('a key record from a newer OffRecord: a version error, no fresh key', async () => {
    await putKeyRecord({ ...(original.record as object), format: 99 });
    await expectErrorAfterRestart('version', /format 99|newer|version/i);
    await putKeyRecord(original.record);
    await stopServiceWorker(b.context, b.extensionId);
    const page = await popup();
    expect((await status(page)).fingerprint).toBe(fingerprint);
    await page.close();
  });

  it('a database from a newer OffRecord: a version error in the popup, nothing reset', async () => {
    // An extension page shares the worker's IndexedDB; it upgrades the database to version 99
    // (blocked until the worker's connection goes away, so the worker is stopped meanwhile).
    const page = await b.context.newPage();
    await page.goto(`chrome-extension://${b.extensionId}/popup.html`);
    const upgraded = page.evaluate(
      () =>
        new Promise<number>((ok, fail) => {
          const r = indexedDB.open('offrecord', 99);
          r.onsuccess = () => {
            const v = r.result.version;
            r.result.close();
            ok(v);
          };
          r.onerror = () => fail(r.error);
        }),
    );
    await stopServiceWorker(b.context, b.extensionId);
    expect(await upgraded).toBe(99);
    await page.close();
    await stopServiceWorker(b.context, b.extensionId).catch(() => undefined); // the UI may have woken it mid-upgrade
    const again = await popup();
    const st = await status(again);
    expect(st.state).toBe('error');
    expect(st.code).toBe('version');
    await again.getByRole('alert').waitFor({ timeout: 15_000 });
    expect(await again.getByRole('alert').textContent()).toMatch(/newer/i);
    await again.close();
    const stores = await readStores();
    expect(stores.keys.map((k) => k.id)).toEqual([original.id]);
  });
});
