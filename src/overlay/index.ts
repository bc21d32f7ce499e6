/**
 * The content script's whole job (DESIGN.md §1): find which site adapter fits this page, follow
 * the conversation the page shows (single-page apps switch without reloading), and run one
 * ConversationController for it. One content port per frame carries the background's pushes.
 */
import type { SiteAdapter } from '../adapters/core/types';
import { siteAdapters } from '../adapters/sites/index';
import { subscribe } from '../messaging/client';
import { CONTENT_PORT } from '../messaging/ports';
import { ConversationController } from './controller';
import { provisionalAdapters } from './provisional-adapters';
import type { ConversationMemory } from './watcher';

/** Chrome-style match pattern against a URL (scheme, host with leading *., path glob). */
export function matchesPattern(pattern: string, url: URL): boolean {
  const m = /^(\*|https?):\/\/([^/]+)(\/.*)$/.exec(pattern);
  if (!m) return false;
  const [, scheme, host, path] = m as unknown as [string, string, string, string];
  if (scheme !== '*' ? url.protocol !== `${scheme}:` : !/^https?:$/.test(url.protocol)) return false;
  const hostOk = host === '*' || (host.startsWith('*.') ? url.hostname === host.slice(2) || url.hostname.endsWith(host.slice(1)) : url.hostname === host.replace(/:\d+$/, ''));
  if (!hostOk) return false;
  const re = new RegExp('^' + path.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(url.pathname + url.search);
}

function allAdapters(): SiteAdapter[] {
  const ids = new Set(siteAdapters.map((a) => a.id));
  return [...siteAdapters, ...provisionalAdapters.filter((a) => !ids.has(a.id))];
}

export function pickAdapter(doc: Document, adapters: SiteAdapter[] = allAdapters()): SiteAdapter | null {
  const url = new URL(doc.location.href);
  return adapters.find((a) => a.matches.some((p) => matchesPattern(p, url))) ?? adapters.find((a) => a.detect?.(doc)) ?? null;
}

export function startOverlay(doc: Document = document): () => void {
  const win = doc.defaultView!;
  let adapter: SiteAdapter | null = null;
  let current: ConversationController | null = null;
  const memories = new Map<string, ConversationMemory>();

  const unsubscribe = subscribe(
    CONTENT_PORT,
    (push) => {
      const id = 'conversationId' in push ? push.conversationId : push.view.id;
      if (current && current.conversationId === id) current.onPush(push);
    },
    () => void current?.register().catch(() => undefined),
  );

  const follow = () => {
    adapter ??= pickAdapter(doc);
    if (!adapter) return;
    const ref = adapter.conversation(doc);
    if (current && ref && ref.peerId === current.ref.peerId && ref.account === current.ref.account) return;
    if (current && !ref && adapter.composer(doc)) return; // a re-render in progress
    current?.stop();
    current = null;
    if (!ref || !adapter.composer(doc)) return;
    const key = `${ref.account}\u0000${ref.peerId}`;
    const memory = memories.get(key) ?? { known: new Set<string>(), settled: false };
    memories.set(key, memory);
    const c = new ConversationController(doc, adapter, ref, memory);
    current = c;
    c.start().catch((e: unknown) => {
      console.warn('OffRecord:', e);
      if (current === c) {
        c.stop();
        current = null;
      }
    });
  };

  // Conversation switches show up as DOM changes or history navigation; a slow poll is the
  // cheap catch-all (adapter.conversation() is a few selector lookups).
  const timer = win.setInterval(follow, 400);
  win.addEventListener('hashchange', follow);
  win.addEventListener('popstate', follow);
  follow();
  return () => {
    win.clearInterval(timer);
    win.removeEventListener('hashchange', follow);
    win.removeEventListener('popstate', follow);
    current?.stop();
    unsubscribe();
  };
}
