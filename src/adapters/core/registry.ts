/**
 * Which adapter runs on a page (DESIGN.md §3). Sites with a fixed address are matched by their
 * match patterns; self-hosted clients (The Lounge, Converse.js) are recognised from the page,
 * but only where OffRecord may look: loopback hosts out of the box, other origins once the user
 * has allowed them.
 */
import type { SiteAdapter } from './types';
import { matchesPattern } from '../../messaging/sites';
import { siteAdapters } from '../sites/index';
import { thelounge } from '../sites/thelounge';
import { converse } from '../sites/converse';
import { roundcube } from '../sites/roundcube';

export const allAdapters: SiteAdapter[] = [...siteAdapters, thelounge, converse, roundcube];

export { matchesPattern };

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

export interface PickOptions {
  adapters?: SiteAdapter[];
  /** Origins (e.g. "https://chat.example.org") the user allowed detection on. */
  allowedOrigins?: readonly string[];
  /** Defaults to the document's address. */
  url?: string;
}

export function mayDetect(url: URL, allowedOrigins: readonly string[] = []): boolean {
  return isLoopbackHost(url.hostname) || allowedOrigins.includes(url.origin);
}

export function pickAdapter(doc: Document, opts: PickOptions = {}): SiteAdapter | null {
  const adapters = opts.adapters ?? allAdapters;
  let url: URL;
  try {
    url = new URL(opts.url ?? doc.location?.href ?? doc.URL);
  } catch {
    return null;
  }
  for (const a of adapters) if (a.matches.some((p) => matchesPattern(p, url))) return a;
  if (!mayDetect(url, opts.allowedOrigins)) return null;
  for (const a of adapters) if (a.detect?.(doc)) return a;
  return null;
}

/**
 * Single-page apps render late: keeps trying until an adapter recognises the page or time runs
 * out (then resolves null).
 */
export function waitForAdapter(doc: Document, opts: PickOptions & { timeoutMs?: number } = {}): Promise<SiteAdapter | null> {
  const found = pickAdapter(doc, opts);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const Observer = doc.defaultView?.MutationObserver ?? MutationObserver;
    const obs = new Observer(() => {
      const a = pickAdapter(doc, opts);
      if (a) finish(a);
    });
    const timer = setTimeout(() => finish(null), opts.timeoutMs ?? 15_000);
    function finish(a: SiteAdapter | null): void {
      obs.disconnect();
      clearTimeout(timer);
      resolve(a);
    }
    obs.observe(doc.documentElement ?? doc, { childList: true, subtree: true });
  });
}
