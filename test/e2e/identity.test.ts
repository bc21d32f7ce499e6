/**
 * Issue 8 in real Chromium with the built extension, fresh profile: the popup shows the
 * identity fingerprint with no site visited, the same after the service worker is stopped and
 * after the browser is relaunched on the profile; the private key is never in storage.local
 * (nor in storage.session); a two-account otr.private_key made by libotr imports with libotr's
 * fingerprints, and the export loads in libotr (test/interop/c/otr-keytool.c) with the same ones.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildKeytool } from '../interop/harness';
import { FINGERPRINT, launchChromiumWithExtension, shownFingerprint, stopServiceWorker, until, type ExtensionBrowser } from './helpers/browser';

let dir: string;
let tool: string;
let b: ExtensionBrowser;
let identity = '';

function keytool(...args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of execFileSync(tool, args, { encoding: 'utf8' }).trim().split('\n')) {
    const [account, protocol, human] = line.split('\t');
    out.set(`${protocol}/${account}`, human!);
  }
  return out;
}


async function openPage(path: string): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`chrome-extension://${b.extensionId}/${path}`);
  return page;
}

async function request<T>(page: Page, kind: string, payload: unknown): Promise<T> {
  const reply = await page.evaluate(([kind, payload]) => (globalThis as any).chrome.runtime.sendMessage({ kind, payload }), [kind, payload] as const);
  if (!reply?.ok) throw new Error(`${kind}: ${JSON.stringify(reply)}`);
  return reply.value as T;
}

/** The private exponent x of every stored key, read in the worker from IndexedDB. */
async function storedSecrets(): Promise<string[]> {
  return b.serviceWorker.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('offrecord');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const keys = await new Promise<Array<{ clear?: { x: string } }>>((ok, fail) => {
      const r = db.transaction('keys').objectStore('keys').getAll();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    db.close();
    return keys.map((k) => k.clear?.x ?? '').filter((x) => x !== '');
  });
}

/** storage.local and storage.session hold none of the secrets, in hex or base64, any case. */
async function expectNoSecretsInStorage(): Promise<void> {
  const secrets = await storedSecrets();
  expect(secrets.length).toBeGreaterThan(0);
  const dump = await b.serviceWorker.evaluate(async () => {
    const c = (globalThis as any).chrome;
    return JSON.stringify([await c.storage.local.get(null), await c.storage.session.get(null)]);
  });
  const haystack = dump.toLowerCase();
  for (const x of secrets) {
    const hex = x.toLowerCase().replace(/^0+/, '');
    expect(haystack.includes(hex.slice(0, 32))).toBe(false);
    expect(dump.includes(Buffer.from(x.length % 2 ? `0${x}` : x, 'hex').toString('base64').slice(0, 20))).toBe(false);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'offrecord-identity-'));
  tool = buildKeytool(dir);
});

afterAll(async () => {
  await b?.context.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('one identity key (real Chromium, fresh profile)', () => {
  const profile = () => join(dir, 'profile');

  it('the popup shows the identity fingerprint with no site visited', async () => {
    b = await launchChromiumWithExtension(profile());
    const page = await openPage('popup.html');
    identity = await shownFingerprint(page);
    expect(identity).toMatch(FINGERPRINT);
    expect((await request<{ fingerprint: string }>(page, 'identity.status', {})).fingerprint).toBe(identity);
    await page.close();
  });

  it('the same fingerprint after the service worker is stopped', async () => {
    const page = await openPage('popup.html');
    await stopServiceWorker(b.context, b.extensionId);
    await page.reload();
    expect(await shownFingerprint(page)).toBe(identity);
    await page.close();
  });

  it('the same fingerprint after the browser is relaunched on the profile', async () => {
    await b.context.close();
    b = await launchChromiumWithExtension(profile());
    const page = await openPage('popup.html');
    expect(await shownFingerprint(page)).toBe(identity);
    await page.close();
  });

  it('the private key is in neither storage.local nor storage.session', async () => {
    await expectNoSecretsInStorage();
  });

  it('a two-account otr.private_key made by libotr imports with libotr fingerprints; the export loads in libotr', async () => {
    const file = join(dir, 'libotr.private_key');
    const made = keytool('gen', file, 'alice', 'prpl-irc', 'alice@localhost', 'prpl-jabber');
    expect(made.size).toBe(2);
    const page = await openPage('options.html');
    // The options page's own context sends the request its import button sends.
    const imported = await request<{ keys: Array<{ fingerprint: string; accounts: Array<{ site: string; account: string }> }> }>(
      page,
      'libotr.import',
      { privateKeys: readFileSync(file, 'utf8') },
    );
    expect(imported.keys.length).toBe(2);
    const accounts = await request<Array<{ site: string; account: string; fingerprint: string; usesIdentity: boolean }>>(page, 'keys.accounts', {});
    for (const [name, fp] of made) {
      const a = accounts.find((x) => `${x.site}/${x.account}` === name);
      expect(a, name).toBeTruthy();
      expect(a!.fingerprint).toBe(fp);
      expect(a!.usesIdentity).toBe(false);
    }
    // The identity key is unchanged by the import.
    expect((await request<{ fingerprint: string }>(page, 'identity.status', {})).fingerprint).toBe(identity);

    const exported = await request<{ privateKeys: string }>(page, 'libotr.export', {});
    const out = join(dir, 'exported.private_key');
    writeFileSync(out, exported.privateKeys);
    const loaded = keytool('read', out);
    expect(loaded.get('offrecord/identity')).toBe(identity);
    for (const [name, fp] of made) expect(loaded.get(name)).toBe(fp);
    await page.close();
    await expectNoSecretsInStorage();
  });
});
