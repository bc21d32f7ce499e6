/**
 * One-time frame tokens (DESIGN.md §1): the content script asks for one before placing a
 * compose or reader frame; the frame presents it once on its port. Bound to the tab, the
 * conversation and the role (and, for a reader, the message); short-lived; used up on first
 * presentation. Kept in memory only: after a worker restart frames get new tokens.
 */
import { toHex } from '../otr/bytes';
import type { FrameRole } from '../messaging/frames';

export interface TokenGrant {
  tabId: number;
  /** The content script's frame, where a compose frame's ciphertext goes. */
  frameId: number;
  conversationId: string;
  role: FrameRole;
  messageId?: string;
  /** A reader placed as its message arrived: the plaintext may still be on its way. */
  pending?: boolean;
  expires: number;
}

const LIFETIME_MS = 60_000;
/** Far above what one screen of readers, a compose and a verify frame need across all tabs. */
export const MAX_LIVE = 2000;
/** Spare readers are held by the content script until a message arrives. */
const SPARE_LIFETIME_MS = 10 * 60_000;

/** A warm reader: loaded ahead on a spare token, waiting to be told its message. */
interface Parked {
  grant: TokenGrant;
  deliver(messageId: string): void;
}

export class FrameTokens {
  private grants = new Map<string, TokenGrant>();
  private parked = new Map<string, Parked>();

  constructor(
    private readonly random: (n: number) => Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: Omit<TokenGrant, 'expires'>): string {
    this.prune();
    const token = toHex(this.random(16));
    const spare = grant.role === 'reader' && !grant.messageId;
    this.grants.set(token, { ...grant, expires: this.now() + (spare ? SPARE_LIFETIME_MS : LIFETIME_MS) });
    return token;
  }

  /**
   * The grant if the token is live and was issued for this tab, presented by a frame other than
   * the content script's own (the token names its parent frame: a frame is never its own
   * parent). It is spent either way.
   */
  redeem(token: string, tabId: number | undefined, frameId?: number): TokenGrant | null {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    if (!grant || grant.tabId !== tabId || grant.expires < this.now()) return null;
    if (frameId !== undefined && frameId === grant.frameId) return null;
    return grant;
  }

  /**
   * A reader frame that presented a spare token without naming a message (it loaded before
   * any message arrived) waits under that token until its content script names the message.
   */
  park(token: string, grant: TokenGrant, deliver: (messageId: string) => void): () => void {
    this.parked.set(token, { grant, deliver });
    return () => this.parked.delete(token);
  }

  /**
   * The content script names the message a warm reader now shows (with the feed of that
   * message, content.incoming): only the tab and frame the spare was issued to, for its own
   * conversation, and once. A page script cannot send it: it has no way into runtime messaging.
   */
  bind(token: string, tabId: number | undefined, frameId: number | undefined, conversationId: string, messageId: string): boolean {
    const parked = this.parked.get(token);
    const g = parked?.grant ?? this.grants.get(token);
    if (!g || g.role !== 'reader' || !g.pending || g.messageId || g.tabId !== tabId || g.frameId !== frameId || g.conversationId !== conversationId) return false;
    if (!parked) {
      // Moved into the row before its page had loaded (the message came just after the spare
      // was made): the frame is told its message with its grant when it presents the token.
      g.messageId = messageId;
      return true;
    }
    this.parked.delete(token);
    parked.deliver(messageId);
    return true;
  }

  /** Live, unredeemed grants (for tests and the cap). */
  get size(): number {
    return this.grants.size;
  }

  /**
   * Unredeemed tokens go when they expire, and at most MAX_LIVE are kept (oldest dropped), so a
   * page asking for tokens it never presents cannot grow the worker's memory (item 8).
   */
  private prune(): void {
    const now = this.now();
    for (const [token, grant] of this.grants) if (grant.expires < now) this.grants.delete(token);
    for (const token of [...this.grants.keys()].slice(0, Math.max(0, this.grants.size - MAX_LIVE + 1))) this.grants.delete(token);
  }
}
