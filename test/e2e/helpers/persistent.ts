/**
 * Browser profiles that outlive the browser (issue 11): a Chromium profile kept in a folder of
 * its own, closed cleanly or killed with SIGKILL, then launched again on the same folder, so the
 * extension's IndexedDB is what carries the conversation across.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { launchProfile, type Profile } from '../overlay-kit';
import { tempDir, removeDir, sleep } from '../../stacks/process';

export interface KeptProfile {
  name: string;
  dir: string;
  /** The running browser, or null while it is closed. */
  current: Profile | null;
  /** Launches (or relaunches) Chromium on the kept folder. */
  open(): Promise<Profile>;
  /** A clean close, as a person quitting the browser. */
  close(): Promise<void>;
  /** SIGKILL to the browser's whole process group: no chance to flush or say goodbye. */
  kill(): Promise<void>;
  /** Closes the browser if open and deletes the folder. */
  dispose(): Promise<void>;
}

export function keptProfile(name: string): KeptProfile {
  const dir = tempDir(`kept-${name}`);
  let launches = 0;
  const kept: KeptProfile = {
    name,
    dir,
    current: null,
    async open() {
      if (kept.current) throw new Error(`${name}: already open`);
      // Each opening writes its own log (test-results/logs/NAME-N.log).
      kept.current = await launchProfile(`${name}-${++launches}`, dir);
      return kept.current;
    },
    async close() {
      await kept.current?.close();
      kept.current = null;
    },
    async kill() {
      const p = kept.current;
      if (!p) throw new Error(`${name}: not open`);
      const pid = chromiumPid(dir);
      const closed = new Promise<void>((resolve) => p.browser.context.once('close', () => resolve()));
      // Playwright starts the browser as the leader of its own process group.
      process.kill(-processGroup(pid), 'SIGKILL');
      await closed;
      await waitGone(pid);
      await p.close(); // writes the logs; the browser is already gone
      kept.current = null;
    },
    async dispose() {
      await kept.close().catch(() => undefined);
      removeDir(dir);
    },
  };
  return kept;
}

/** The browser process (not a renderer or helper: those carry --type=) using this profile. */
export function chromiumPid(profileDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/chrom/.test(args[0] ?? '')) continue;
    if (args.includes(`--user-data-dir=${profileDir}`) && !args.some((a) => a.startsWith('--type='))) return Number(entry);
  }
  throw new Error(`no Chromium process found for profile ${profileDir}`);
}

function processGroup(pid: number): number {
  // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new Error(`browser process ${pid} still alive after SIGKILL`);
}

/** One record of the extension's 'conversations' store, as a test may see it (never opened). */
export interface DiskRecord {
  key: string;
  ended?: string;
  /** Whether it holds sealed content (a tombstone holds none). */
  sealed: boolean;
  lastActivity: number;
}

/**
 * Runs in an extension page (the extension's origin, so its IndexedDB): every record, or with
 * `corrupt` set, first overwrites that record's ciphertext bytes. Self-contained, as it is
 * serialised into the page by Playwright or puppeteer.
 */
export async function recordsInPage(corrupt: string | null): Promise<DiskRecord[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('offrecord');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const done = (r: IDBRequest) => new Promise<unknown>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
  try {
    if (corrupt) {
      const store = db.transaction('conversations', 'readwrite').objectStore('conversations');
      const rec = (await done(store.get(corrupt))) as { ct?: Uint8Array } | undefined;
      if (!rec?.ct) throw new Error(`no sealed record ${corrupt}`);
      await done(store.put({ ...rec, ct: rec.ct.map((b, i) => (i % 7 === 3 ? b ^ 0xa5 : b)) }));
    }
    const all = (await done(db.transaction('conversations', 'readonly').objectStore('conversations').getAll())) as Record<string, unknown>[];
    return all.map((r) => ({ key: String(r.key), sealed: r.ct !== undefined, lastActivity: Number(r.lastActivity), ...(typeof r.ended === 'string' ? { ended: r.ended } : {}) }));
  } finally {
    db.close();
  }
}

/** The conversation records of a running Chromium profile (read from its options page). */
export async function diskRecords(p: Profile, corrupt: string | null = null): Promise<DiskRecord[]> {
  const page = await p.browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${p.browser.extensionId}/options.html`);
    return await page.evaluate(recordsInPage, corrupt);
  } finally {
    await page.close();
  }
}

/**
 * Moves the clock of the extension's service worker `ms` ahead of real time. The background
 * reads `Date.now()` at call time, so its injected clock follows; nothing in the extension
 * offers a way to do this, the test reaches into the worker's realm through the debugger.
 */
export async function shiftWorkerClock(p: Profile, ms: number): Promise<void> {
  const worker = p.browser.context.serviceWorkers().find((w) => w.url().includes(p.browser.extensionId)) ?? p.browser.serviceWorker;
  await worker.evaluate((ms) => {
    const g = globalThis as { realNowForTests?: () => number };
    const real = (g.realNowForTests ??= Date.now.bind(Date));
    Date.now = () => real() + ms;
  }, ms);
}
