/**
 * One-time frame tokens (DESIGN.md §1): the content script asks for one before placing a
 * compose, reader or verify frame. Bound to the tab, the content script's frame (the parent),
 * the conversation and the role (and, for a reader, the message); short-lived; used up on first
 * claim. Kept in memory only: after a worker restart frames get new tokens.
 *
 * The token never enters the page: a frame draws a nonce, says it on its port and posts it to
 * its parent window, and the content script claims the frame with the token only when the
 * message comes from the very iframe element it placed (`event.source`, which page script cannot
 * fake) and from the extension's origin (`event.origin`: not a document the page put into that
 * element). The page sees the nonce, but no page can open a port to the background to say it.
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
interface Hello {
  role: FrameRole;
  tabId: number | undefined;
  frameId: number | undefined;
  expires: number;
  granted(grant: TokenGrant, token: string): void;
}

/** A claim that came before its frame's hello (the two travel apart): it waits for the hello. */
interface EarlyClaim {
  grant: TokenGrant;
  token: string;
  tabId: number | undefined;
  frameId: number | undefined;
  expires: number;
  answer(claimed: boolean): void;
  timer: ReturnType<typeof setTimeout>;
}

const LIFETIME_MS = 60_000;
/** Far above what one screen of readers, a compose and a verify frame need across all tabs. */
export const MAX_LIVE = 2000;
/** How long a claim waits for its frame's hello. */
const EARLY_CLAIM_MS = 10_000;
/** Spare readers are held by the content script until a message arrives. */
const SPARE_LIFETIME_MS = 10 * 60_000;

/** A warm reader: loaded ahead on a spare token, waiting to be told its message. */
interface Parked {
  grant: TokenGrant;
  deliver(messageId: string): void;
}

/** A claimed grant not yet served, which a warm reader's message may still be named on (bind). */
interface Claimed {
  grant: TokenGrant;
  expires: number;
}

const frameKey = (tabId: number | undefined, frameId: number | undefined) => `${tabId}:${frameId}`;

export class FrameTokens {
  private grants = new Map<string, TokenGrant>();
  private parked = new Map<string, Parked>();
  private hellos = new Map<string, Hello>();
  private early = new Map<string, EarlyClaim>();
  /**
   * Spare reader grants from their claim until their frame is served (the claim may wait for
   * the frame's hello, then the security mark is read): a message named meanwhile is kept on
   * the grant, which the frame reads once served (port-hub.ts serveReader).
   */
  private claimed = new Map<string, Claimed>();
  /**
   * Claimed frames other than readers, by the frame's own tab and frame: what such a frame asks
   * outside its port (file.announce, conversation.cancelQueued) is held to its grant.
   */
  private frames = new Map<string, TokenGrant>();

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
   * A frame port (role, tab, frame) said hello with the nonce it also posted to its parent
   * window. `granted` runs once its content script claims it with a live token issued for that
   * parent. False for a nonce already said (each frame draws its own, 128 bits).
   */
  hello(nonce: string, role: FrameRole, tabId: number | undefined, frameId: number | undefined, granted: Hello['granted']): boolean {
    this.prune(this.hellos);
    if (this.hellos.has(nonce)) return false;
    const hello = { role, tabId, frameId, granted, expires: this.now() + LIFETIME_MS };
    const early = this.early.get(nonce);
    this.early.delete(nonce);
    if (early) {
      clearTimeout(early.timer);
      early.answer(this.grant(early.grant, early.token, hello, early.tabId, early.frameId));
    } else this.hellos.set(nonce, hello);
    return true;
  }

  /** The frame's port closed before it was claimed. */
  forget(nonce: string): void {
    this.hellos.delete(nonce);
  }

  /**
   * The content script at (tabId, frameId) says the frame that posted `nonce` is the one it
   * placed for `token`. Granted only if the token was issued to that same content script for
   * this kind of frame, and the frame is in its tab and is not the content script's own frame (a
   * frame is never its own parent). The token is spent either way; the hello only on success.
   * The frame's hello may come after its claim: the claim waits for it a little.
   */
  claim(token: string, nonce: string, tabId: number | undefined, frameId: number | undefined): Promise<boolean> {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    if (!grant || grant.expires < this.now()) return Promise.resolve(false);
    if (this.early.has(nonce)) return Promise.resolve(false);
    const spare = grant.role === 'reader' && grant.pending && !grant.messageId;
    if (spare) {
      this.prune(this.claimed);
      this.claimed.set(token, { grant, expires: this.now() + EARLY_CLAIM_MS + LIFETIME_MS });
    }
    const answered = (granted: boolean) => {
      if (!granted) this.claimed.delete(token);
      return granted;
    };
    const hello = this.hellos.get(nonce);
    if (hello) {
      const granted = this.grant(grant, token, hello, tabId, frameId);
      if (granted) this.hellos.delete(nonce);
      return Promise.resolve(answered(granted));
    }
    this.prune(this.early);
    return new Promise<boolean>((answer) => {
      const timer = setTimeout(() => {
        if (this.early.get(nonce)?.timer === timer) this.drop(this.early, nonce);
      }, EARLY_CLAIM_MS);
      this.early.set(nonce, { grant, token, tabId, frameId, expires: this.now() + EARLY_CLAIM_MS, answer, timer });
    }).then(answered);
  }

  private grant(grant: TokenGrant, token: string, hello: Hello, tabId: number | undefined, frameId: number | undefined): boolean {
    if (hello.expires < this.now()) return false;
    if (grant.tabId !== tabId || grant.frameId !== frameId || grant.role !== hello.role) return false;
    if (hello.tabId !== grant.tabId || hello.frameId === undefined || hello.frameId === grant.frameId) return false;
    if (grant.role !== 'reader') {
      const key = frameKey(hello.tabId, hello.frameId);
      this.frames.delete(key);
      this.frames.set(key, grant);
      for (const old of [...this.frames.keys()].slice(0, Math.max(0, this.frames.size - MAX_LIVE))) this.frames.delete(old);
    }
    hello.granted(grant, token);
    return true;
  }

  /** The claimed frame is served (or went before it was): a message named for it now goes by park. */
  served(token: string): void {
    this.claimed.delete(token);
  }

  /** The claimed frame's port closed: its page is gone, and with it the frame's grant. */
  left(tabId: number | undefined, frameId: number | undefined, grant: TokenGrant, token: string): void {
    this.claimed.delete(token);
    const key = frameKey(tabId, frameId);
    if (this.frames.get(key) === grant) this.frames.delete(key);
  }

  /** The grant of the frame at (tabId, frameId) while its page is claimed and its port open (not readers). */
  frameGrant(tabId: number | undefined, frameId: number | undefined): TokenGrant | undefined {
    return this.frames.get(frameKey(tabId, frameId));
  }

  /**
   * A reader frame that presented a spare token without naming a message (it loaded before
   * any message arrived) waits under that token until its content script names the message.
   */
  park(token: string, grant: TokenGrant, deliver: (messageId: string) => void): () => void {
    this.claimed.delete(token);
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
    const g = parked?.grant ?? this.grants.get(token) ?? this.claimed.get(token)?.grant;
    if (!g || g.role !== 'reader' || !g.pending || g.messageId || g.tabId !== tabId || g.frameId !== frameId || g.conversationId !== conversationId) return false;
    if (!parked) {
      // Moved into the row before its page had loaded (the message came just after the spare
      // was made), or claimed but not yet served: the frame is told its message with its grant.
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
    return this.hellos.size;
  }

  /**
   * Unclaimed tokens, hellos and early claims go when they expire, and at most MAX_LIVE of each
   * are kept (oldest dropped), so a page asking for tokens it never uses, or framing OffRecord's
   * pages again and again, cannot grow the worker's memory (item 8). An early claim that goes
   * is answered: not claimed.
   */
  private prune(adding: Map<string, { expires: number }>): void {
    const now = this.now();
    for (const map of [this.grants, this.hellos, this.early, this.claimed] as Map<string, { expires: number }>[]) {
      for (const [key, entry] of map) if (entry.expires < now) this.drop(map, key);
    }
    for (const key of [...adding.keys()].slice(0, Math.max(0, adding.size - MAX_LIVE + 1))) this.drop(adding, key);
  }

  private drop(map: Map<string, { expires: number }>, key: string): void {
    if (map === this.early) {
      const early = this.early.get(key);
      if (early) clearTimeout(early.timer);
      early?.answer(false);
    }
    map.delete(key);
  }
}
