/**
 * DSA key generation away from the worker's event loop (issue 3: "key generation does not
 * block"). Chrome: an offscreen document (reason WORKERS) that runs a Web Worker; Firefox's
 * background page: the same page in a hidden iframe. Both answer one message (src/messaging/keygen.ts).
 * The engine's generateDsaKey reports no progress, so progress is an estimate from elapsed
 * time against the measured median (a few hundred ms here), held below 1 until the key is in.
 */
import browser from 'webextension-polyfill';
import { generateDsaKey, privateKeyFromJson, type DsaPrivateKey } from '../otr/dsa';
import { StoreError } from './errors';
import { KEYGEN_MESSAGE, keygenReply, type KeygenRequest } from '../messaging/keygen';

export type KeyGenerator = (onProgress: (p: number) => void) => Promise<DsaPrivateKey>;
const OFFSCREEN_PATH = '/offscreen.html';
const EXPECTED_MS = 1500;

export function cryptoRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function ticker(onProgress: (p: number) => void): () => void {
  const start = Date.now();
  onProgress(0);
  const timer = setInterval(() => onProgress(Math.min(0.95, 1 - Math.exp(-(Date.now() - start) / EXPECTED_MS))), 150);
  return () => clearInterval(timer);
}

/** In-process generation, yielding once first; for tests and as a last resort. */
export const inlineGenerator: KeyGenerator = async (onProgress) => {
  const stop = ticker(onProgress);
  try {
    await new Promise((r) => setTimeout(r, 0));
    return generateDsaKey(cryptoRandom);
  } finally {
    stop();
    onProgress(1);
  }
};

interface ChromeOffscreen {
  createDocument(o: { url: string; reasons: string[]; justification: string }): Promise<void>;
  hasDocument?(): Promise<boolean>;
}

async function ensureKeygenPage(): Promise<void> {
  const offscreen = (globalThis as { chrome?: { offscreen?: ChromeOffscreen } }).chrome?.offscreen;
  if (offscreen) {
    if (offscreen.hasDocument && (await offscreen.hasDocument())) return;
    try {
      await offscreen.createDocument({ url: OFFSCREEN_PATH, reasons: ['WORKERS'], justification: 'Generate an OTR DSA key without blocking the worker' });
    } catch (e) {
      // "Only a single offscreen document may be created" means one is already up.
      if (!String(e).includes('single offscreen')) throw e;
    }
    return;
  }
  if (typeof document !== 'undefined' && !document.querySelector('iframe[data-offrecord-keygen]')) {
    const frame = document.createElement('iframe');
    frame.dataset.offrecordKeygen = '';
    frame.src = browser.runtime.getURL(OFFSCREEN_PATH as '/offscreen.html');
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    document.body.append(frame);
    await loaded;
  }
}

/**
 * Generation in the offscreen page (Chrome) or a hidden iframe of it (Firefox background page).
 * A one-shot message, not a port: see entrypoints/offscreen/main.ts for why that page must not
 * listen for ports.
 */
export const pageGenerator: KeyGenerator = async (onProgress) => {
  await ensureKeygenPage();
  const stop = ticker(onProgress);
  try {
    let reply;
    try {
      reply = keygenReply(await browser.runtime.sendMessage({ kind: KEYGEN_MESSAGE } satisfies KeygenRequest));
    } catch (e) {
      throw new StoreError('busy', `the key generator went away: ${String(e)}`);
    }
    if (reply.type === 'done') {
      try {
        return privateKeyFromJson(reply.key);
      } catch {
        throw new StoreError('corrupt', 'the key generator returned a bad key');
      }
    }
    throw new StoreError('busy', reply.message);
  } finally {
    stop();
    onProgress(1);
  }
};
