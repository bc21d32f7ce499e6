/**
 * Watches one conversation's message list and reports each message once, tagged live or
 * history (DESIGN.md §3). What the page shows when a conversation first appears after load is
 * history: it may be replayed from the site's scrollback and must never feed the protocol
 * again. A message element re-rendered later (the site switched views and back) is recognised
 * by its text and reported as 'seen-before', again without feeding anything.
 */
import type { ScrapedMessage, SiteAdapter } from '../adapters/core/types';
import { normaliseScraped } from './wire-kind';

export type Origin = 'live' | 'history' | 'seen-before';
export const SEEN_ATTR = 'data-offrecord-seen';

export interface WatchedMessage extends ScrapedMessage {
  origin: Origin;
  /** Normalised text (what is fed to the background and hashed into the message id). */
  wire: string;
}

export interface ConversationMemory {
  known: Set<string>;
  settled: boolean;
}

/** Quiet time after which the first render of a conversation counts as complete. */
const SETTLE_MS = 800;

export class MessageWatcher {
  private observer: MutationObserver | null = null;
  private handled = new WeakSet<HTMLElement>();
  private settled: boolean;
  private settleTimer = 0;
  private scheduled = false;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    private readonly onMessage: (m: WatchedMessage) => void,
    /** Kept per conversation for the page's lifetime, so switching views and back replays nothing. */
    private readonly memory: ConversationMemory = { known: new Set(), settled: false },
  ) {
    this.settled = memory.settled;
  }

  start(): void {
    const win = this.doc.defaultView!;
    this.observer = new win.MutationObserver(() => this.schedule());
    this.observer.observe(this.doc.body, { childList: true, subtree: true, characterData: true });
    this.bumpSettle();
    this.scan();
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.doc.defaultView?.clearTimeout(this.settleTimer);
  }

  private bumpSettle(): void {
    if (this.settled) return;
    const win = this.doc.defaultView!;
    win.clearTimeout(this.settleTimer);
    this.settleTimer = win.setTimeout(() => {
      this.settled = true;
      this.memory.settled = true;
      this.scan();
    }, SETTLE_MS);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.scan();
    });
  }

  /** Each mutation batch costs one pass over the list; handled elements are skipped early. */
  scan(): void {
    const list = this.adapter.messageList(this.doc);
    if (!list) return;
    let fresh = false;
    for (const m of this.adapter.messages(list)) {
      if (this.handled.has(m.element)) continue;
      const wire = normaliseScraped(m.text);
      if (wire === '') continue;
      fresh = true;
      this.handled.add(m.element);
      let origin: Origin;
      if (this.memory.known.has(wire)) origin = 'seen-before';
      else if (!this.settled) origin = 'history';
      else origin = 'live';
      this.memory.known.add(wire);
      m.element.setAttribute(SEEN_ATTR, origin);
      this.onMessage({ ...m, origin, wire });
    }
    if (fresh) this.bumpSettle();
  }
}
