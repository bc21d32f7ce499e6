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
/** Spare readers are held by the content script until a message arrives. */
const SPARE_LIFETIME_MS = 10 * 60_000;

export class FrameTokens {
  private grants = new Map<string, TokenGrant>();

  constructor(
    private readonly random: (n: number) => Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: Omit<TokenGrant, 'expires'>): string {
    const token = toHex(this.random(16));
    const spare = grant.role === 'reader' && !grant.messageId;
    this.grants.set(token, { ...grant, expires: this.now() + (spare ? SPARE_LIFETIME_MS : LIFETIME_MS) });
    return token;
  }

  /** The grant if the token is live and was issued for this tab; it is spent either way. */
  redeem(token: string, tabId: number | undefined): TokenGrant | null {
    const grant = this.grants.get(token);
    this.grants.delete(token);
    if (!grant || grant.tabId !== tabId || grant.expires < this.now()) return null;
    return grant;
  }
}
