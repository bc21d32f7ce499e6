/**
 * One-time frame tokens (DESIGN.md §1): the content script asks for one before placing a
 * compose, reader or verify frame. Bound to the tab, the content script's frame (the parent),
 * the conversation and the role (and, for a reader, the message); short-lived; used up on first
 * claim. Kept in memory only: after a worker restart frames get new tokens.
 *
 * The token never enters the page: a frame's port gets a challenge, the frame posts it to its
 * parent window, and the content script claims the frame with the token only when the message
 * comes from the very iframe element it placed (`event.source`, which page script cannot fake).
 * So a grant goes to that frame alone, a child of the content script's frame, and a frame the
 * page makes at OffRecord's address (or one in another frame or tab) gets nothing.
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

/** A frame port that said hello and waits for its content script's claim. */
interface Challenge {
  role: FrameRole;
  tabId: number | undefined;
  frameId: number | undefined;
  expires: number;
  granted(grant: TokenGrant, token: string): void;
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
  private challenges = new Map<string, Challenge>();

  constructor(
    private readonly random: (n: number) => Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: Omit<TokenGrant, 'expires'>): string {
    this.prune(this.grants);
    const token = toHex(this.random(16));
    const spare = grant.role === 'reader' && !grant.messageId;
    this.grants.set(token, { ...grant, expires: this.now() + (spare ? SPARE_LIFETIME_MS : LIFETIME_MS) });
    return token;
  }

  /**
   * A frame port (role, tab, frame) said hello: the nonce it posts to its parent window. `granted`
   * runs once its content script claims it with a live token issued for that parent.
   */
  challenge(role: FrameRole, tabId: number | undefined, frameId: number | undefined, granted: Challenge['granted']): string {
    this.prune(this.challenges);
    const nonce = toHex(this.random(16));
    this.challenges.set(nonce, { role, tabId, frameId, granted, expires: this.now() + LIFETIME_MS });
    return nonce;
  }

  /** The frame's port closed before it was claimed. */
  forget(nonce: string): void {
    this.challenges.delete(nonce);
  }

  /**
   * The content script at (tabId, frameId) says the frame that posted `nonce` is the one it
   * placed for `token`. Granted only if the token was issued to that same content script for
   * this kind of frame, and the frame is in its tab and is not the content script's own frame (a
   * frame is never its own parent). The token is spent either way; the challenge only on success.
   */
  claim(token: string, nonce: string, tabId: number | undefined, frameId: number | undefined): boolean {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    const waiting = this.challenges.get(nonce);
    const now = this.now();
    if (!grant || !waiting || grant.expires < now || waiting.expires < now) return false;
    if (grant.tabId !== tabId || grant.frameId !== frameId || grant.role !== waiting.role) return false;
    if (waiting.tabId !== grant.tabId || waiting.frameId === undefined || waiting.frameId === grant.frameId) return false;
    this.challenges.delete(nonce);
    waiting.granted(grant, token);
    return true;
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

  /** Live, unclaimed grants (for tests and the cap). */
  get size(): number {
    return this.grants.size;
  }

  /** Frames waiting for their claim (for tests and the cap). */
  get waiting(): number {
    return this.challenges.size;
  }

  /**
   * Unclaimed tokens and challenges go when they expire, and at most MAX_LIVE of each are kept
   * (oldest dropped), so a page asking for tokens it never uses, or framing OffRecord's pages
   * again and again, cannot grow the worker's memory (item 8).
   */
  private prune(adding: Map<string, { expires: number }>): void {
    const now = this.now();
    for (const map of [this.grants, this.challenges] as Map<string, { expires: number }>[]) {
      for (const [key, entry] of map) if (entry.expires < now) map.delete(key);
    }
    for (const key of [...adding.keys()].slice(0, Math.max(0, adding.size - MAX_LIVE + 1))) adding.delete(key);
  }
}
