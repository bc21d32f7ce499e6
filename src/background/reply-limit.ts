/**
 * Replies a page can provoke (issue 17 item 2). Any text the page shows is fed to the engine,
 * and some of it makes the engine answer at once: a query or whitespace tag (a new AKE), an
 * error message (a query back, under ERROR_START_AKE), an AKE message (the next AKE step).
 * Every answer is ciphertext the content script must insert into the site's composer, so a page
 * that could trigger them at will could keep taking the composer's focus. Three guards:
 *
 * - while private, a query restarts the AKE at most once per REFRESH_MS (a peer's "refresh",
 *   as Pidgin and OffRecord's own lock send it, keeps working; a flood gets one answer), and
 *   a whitespace tag is fed as plain text without its tag;
 * - the same query or tag again within DEDUP_MS is ignored, until the AKE it started completes;
 * - each conversation has a token bucket for these triggers: BUCKET_SIZE at once, then one
 *   every REFILL_MS. A full AKE takes 2 of them and an SMP none (SMP travels in data messages),
 *   so a person starting over a few times never notices; a flood gets one answer per 5 s.
 *
 * Kept in memory: a worker restart refills the buckets, which a page cannot cause.
 */
import { TAG_BASE, type WireText } from '../otr/classify';

export const BUCKET_SIZE = 6;
export const REFILL_MS = 5_000;
export const DEDUP_MS = 10_000;
export const REFRESH_MS = 5_000;

/** Inputs whose answer the page can provoke, as opposed to data messages of a live conversation. */
export function isTrigger(wire: WireText): boolean {
  if (wire.kind === 'query' || wire.kind === 'error') return true;
  if (wire.kind === 'plaintext') return wire.tagged;
  if (wire.kind === 'encoded') return wire.type !== 'data';
  return false;
}

/** Whitespace tags removed (the text itself stays visible as plain text). */
export function withoutTags(text: string): string {
  return text.replace(new RegExp(`${TAG_BASE}(?:[ \\t]{8})*`, 'g'), '');
}

interface Bucket {
  tokens: number;
  at: number;
  lastTrigger?: { key: string; at: number };
}

export class ReplyLimiter {
  private buckets = new Map<string, Bucket>();
  private refreshes = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /**
   * May this trigger be fed? `key` names it for deduplication (a query's or tag's versions).
   * Spends a token when it may.
   */
  allow(conversationId: string, key: string | null): boolean {
    const now = this.now();
    const b = this.buckets.get(conversationId) ?? { tokens: BUCKET_SIZE, at: now };
    b.tokens = Math.min(BUCKET_SIZE, b.tokens + Math.floor((now - b.at) / REFILL_MS));
    b.at = b.tokens === BUCKET_SIZE ? now : b.at + Math.floor((now - b.at) / REFILL_MS) * REFILL_MS;
    this.buckets.set(conversationId, b);
    if (key !== null && b.lastTrigger?.key === key && now - b.lastTrigger.at < DEDUP_MS) return false;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    if (key !== null) b.lastTrigger = { key, at: now };
    return true;
  }

  /** May a query re-key a private conversation now? At most once per REFRESH_MS each. */
  allowRefresh(conversationId: string): boolean {
    const now = this.now();
    const last = this.refreshes.get(conversationId);
    if (last !== undefined && now - last < REFRESH_MS) return false;
    this.refreshes.set(conversationId, now);
    return true;
  }

  /** The AKE a query started has completed: the same query later is a new request. */
  settled(conversationId: string): void {
    const b = this.buckets.get(conversationId);
    if (b) delete b.lastTrigger;
  }
}

/** The deduplication key of a query or tag; null for other triggers (each AKE message is unique). */
export function triggerKey(wire: WireText): string | null {
  if (wire.kind === 'query') return `query:${wire.versions.join(',')}`;
  if (wire.kind === 'plaintext' && wire.tagged) return `tag:${wire.taggedVersions.join(',')}`;
  return null;
}
