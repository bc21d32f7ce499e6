/**
 * Watches a chat page for messages and reports each one once (DESIGN.md §3 "History").
 *
 * Sites re-render: switching channels or scrolling rebuilds message elements, so a message is
 * known by the site's stable id when it has one, else by element identity. A message is
 * "history" (shown again after a reload, must never feed the protocol) when the site dates it
 * before the watcher started, or, for sites that give no date, when it was already on the page at
 * the first scan or rendered while the page was still settling.
 *
 * Cost (npm run bench, 2,000-message page): reading the whole list on every mutation batch took
 * 26–35 ms, 5–10× the page's own append. So the whole list is read once (and again only when the
 * site swaps the list element); after that a batch reads only the message elements its mutation
 * records added or changed. Nothing here reads geometry, so no layout is forced.
 */
import type { ConversationRef, ScrapedMessage, SiteAdapter } from './types';

export interface WatchedMessage extends ScrapedMessage {
  history: boolean;
  conversation: ConversationRef | null;
}

export interface WatcherOptions {
  onMessage(message: WatchedMessage): void;
  /** Called after every scan, e.g. to re-check the canary or re-place frames. */
  onScan?(): void;
  /** A message reported before, rendered again (a new element, or its content replaced). */
  onRerender?(message: WatchedMessage): void;
  now?: () => number;
  /** Without dates, messages first seen this soon after the list appears are history (ms). */
  settleMs?: number;
  /** Dated messages older than start minus this are history (clock granularity, ms). */
  skewMs?: number;
}

export class MessageWatcher {
  private readonly seenIds = new Set<string>();
  private readonly seenElements = new WeakSet<Element>();
  private observer: MutationObserver | null = null;
  private startedAt = 0;
  private listSeenAt: number | null = null;
  private firstScan = true;
  private pending = false;
  /** The list element read last, and the site's mutation records since (incremental scans). */
  private list: HTMLElement | null = null;
  private records: MutationRecord[] = [];
  /** Set by `npm run bench`'s page (data-offrecord-bench): each scan becomes a performance
   * measure the page can read. Names only, no content; off otherwise at the cost of one check. */
  private timed = false;

  constructor(
    private readonly adapter: SiteAdapter,
    private readonly doc: Document,
    private readonly opts: WatcherOptions,
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  start(): void {
    if (this.observer) return;
    this.startedAt = this.now();
    this.timed = this.doc.documentElement?.hasAttribute('data-offrecord-bench') ?? false;
    const Observer = this.doc.defaultView?.MutationObserver ?? MutationObserver;
    // Our own decorations (status lines, reader frames) mutate the list too; rescanning 2,000
    // messages for each of them cost a full scan per frame placed (npm run bench).
    this.observer = new Observer((records) => {
      let any = false;
      for (const r of records) {
        if (isOwnMutation(r)) continue;
        this.records.push(r);
        any = true;
      }
      if (any) this.schedule();
    });
    this.observer.observe(this.doc.documentElement ?? this.doc, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['text', 'data-msgid', 'class'],
    });
    this.scan();
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  /** Mutations come in bursts; one scan per microtask batch is enough. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      if (this.observer) this.scan();
    });
  }

  /** Reads the list now and reports messages not reported before. */
  scan(): void {
    const perf = this.timed ? this.doc.defaultView?.performance : undefined;
    const t0 = perf?.now() ?? 0;
    try {
      this.scanNow();
    } finally {
      perf?.measure('offrecord:scan', { start: t0, end: perf.now() });
    }
  }

  private scanNow(): void {
    const list = this.adapter.messageList(this.doc);
    const records = this.records;
    this.records = [];
    const now = this.now();
    if (list) {
      if (this.listSeenAt === null) this.listSeenAt = now;
      const conversation = this.adapter.conversation(this.doc);
      const incremental = list === this.list && !!this.adapter.messageSelector && !!this.adapter.readMessage;
      this.list = list;
      const found = incremental ? this.changedMessages(list, records) : this.adapter.messages(list);
      for (const m of found) {
        const seen = this.markNew(m);
        if (seen === 'new') this.opts.onMessage({ ...m, history: this.isHistory(m, now), conversation });
        else this.opts.onRerender?.({ ...m, history: true, conversation });
      }
      this.firstScan = false;
    } else this.list = null;
    this.opts.onScan?.();
  }

  /** The message elements the records added or changed, in the order they were touched. */
  private changedMessages(list: HTMLElement, records: MutationRecord[]): ScrapedMessage[] {
    const selector = this.adapter.messageSelector!;
    const touched = new Set<HTMLElement>();
    const within = (node: Node | null) => {
      const el = node?.nodeType === 1 ? (node as Element) : (node?.parentElement ?? null);
      const m = el?.closest<HTMLElement>(selector);
      if (m) touched.add(m);
    };
    for (const r of records) {
      within(r.target);
      if (r.type !== 'childList') continue;
      for (const n of Array.from(r.addedNodes)) {
        if (n.nodeType !== 1) continue;
        const el = n as HTMLElement;
        if (el.matches(selector)) touched.add(el);
        else if (el.firstElementChild) for (const d of Array.from(el.querySelectorAll<HTMLElement>(selector))) touched.add(d);
      }
    }
    const out: ScrapedMessage[] = [];
    for (const el of touched) {
      if (!el.isConnected || !list.contains(el)) continue;
      const m = this.adapter.readMessage!(el);
      if (m) out.push(m);
    }
    return out;
  }

  private markNew(m: ScrapedMessage): 'new' | 'again' {
    if (this.seenElements.has(m.element)) return 'again';
    this.seenElements.add(m.element);
    if (m.id) {
      if (this.seenIds.has(m.id)) return 'again';
      this.seenIds.add(m.id);
    }
    return 'new';
  }

  private isHistory(m: ScrapedMessage, now: number): boolean {
    if (this.firstScan) return true;
    const sent = this.adapter.sentAt?.(m.element) ?? null;
    if (sent !== null && Number.isFinite(sent)) return sent < this.startedAt - (this.opts.skewMs ?? 2000);
    const settle = this.opts.settleMs ?? 1500;
    return this.listSeenAt !== null && now - this.listSeenAt < settle;
  }
}

/** An element OffRecord put in the page, or a node inside one. */
function isOwnNode(node: Node): boolean {
  const el = node.nodeType === 1 ? (node as Element) : node.parentElement;
  return !!el?.closest('[data-offrecord]');
}

/** A mutation made only by OffRecord's own decorations; the site's messages did not change. */
function isOwnMutation(r: MutationRecord): boolean {
  if (r.type === 'childList') {
    const nodes = [...Array.from(r.addedNodes), ...Array.from(r.removedNodes)];
    return nodes.length > 0 && nodes.every(isOwnNode);
  }
  return isOwnNode(r.target);
}
