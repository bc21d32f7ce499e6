/**
 * Shapes the background returns and pushes (see schema.ts for requests). Plain JSON only, so
 * they cross runtime.sendMessage and ports unchanged.
 */

import { FRAME_ROLES, FRAMES, type FrameContext } from './frames';

/** Who may talk to the background, decided from `sender`, never from the message itself. */
export type Context = 'popup' | 'options' | 'content' | FrameContext;

/** Extension pages by path; the router maps `sender.url` to a context with this table. */
export const PAGE_CONTEXTS: Readonly<Record<string, Context>> = {
  '/popup.html': 'popup',
  '/options.html': 'options',
  /** The first-contact guide reads the identity's fingerprint, as the popup does. */
  '/first-contact.html': 'popup',
  ...Object.fromEntries(FRAME_ROLES.map((r) => [`/${FRAMES[r].page}`, FRAMES[r].context])),
};

/** Fingerprint in libotr's human form: 5 groups of 8 uppercase hex digits. */
export type Fingerprint = string;

export type IdentityStatus =
  | { state: 'generating'; progress: number /* 0..1 */ }
  | { state: 'ready'; fingerprint: Fingerprint; passphraseSet: boolean }
  | { state: 'locked' }
  | { state: 'error'; code: StoreErrorCode; message: string };

/** Errors of the background's stores; the UI shows `message` and may branch on `code`. */
export type StoreErrorCode =
  | 'locked' // a passphrase is needed first
  | 'wrong-passphrase'
  | 'corrupt' // a stored record does not parse or fails its integrity check
  | 'version' // storage written by a newer OffRecord, or an older one without a migration
  | 'not-found'
  | 'busy' // e.g. key generation already running
  | 'invalid' // a request the store cannot honour (e.g. bad import file)
  | 'fingerprint-changed' // sending is blocked until the user acknowledges a changed peer key
  | 'quota'; // the disk is full: the change lives in memory only

export interface AccountRef {
  /** Site id (an adapter id such as 'thelounge', or a libotr protocol such as 'prpl-irc'). */
  site: string;
  /** Local account on that site ('' when the site cannot tell). */
  account: string;
}

export interface KeyView {
  keyId: string;
  fingerprint: Fingerprint;
  isIdentity: boolean;
  /** Accounts that have this key as their own (identity key: accounts without their own key). */
  accounts: AccountRef[];
  createdAt: number;
}

export interface AccountView extends AccountRef {
  keyId: string;
  fingerprint: Fingerprint;
  /** True when the account has no key of its own and uses the identity key. */
  usesIdentity: boolean;
}

export type Trust = 'unverified' | 'smp' | 'manual';

export interface PeerSighting {
  site: string;
  account: string;
  peer: string;
  firstSeen: number;
  lastSeen: number;
}

export interface PeerView {
  fingerprint: Fingerprint;
  trust: Trust;
  firstSeen: number;
  lastSeen: number;
  seen: PeerSighting[];
  /** A known (site, account, peer) showed a different fingerprint; cleared by acknowledge. */
  changedWarning: boolean;
}

export type ConversationStateName = 'plaintext' | 'unverified' | 'private' | 'finished';
export type SitePolicy = 'manual' | 'opportunistic' | 'always';

export interface SmpView {
  status: 'idle' | 'in-progress' | 'awaiting-answer' | 'succeeded' | 'failed' | 'aborted';
  progress: number; // 0..1
  question?: string;
}

export interface ConversationView {
  id: string;
  site: string;
  account: string;
  peer: string;
  title: string;
  state: ConversationStateName;
  version: 0 | 2 | 3;
  fingerprint?: Fingerprint;
  trust?: Trust;
  /** The peer's fingerprint differs from the one seen before for this (site, account, peer). */
  fingerprintChanged?: { previous: Fingerprint; current: Fingerprint };
  smp: SmpView;
  policy: SitePolicy;
  /** Typed texts waiting for the session to become private (policy 'always'). */
  queued: number;
  /** The peer asked for a private conversation that has not started (e.g. a query in history). */
  peerAsked?: boolean;
  /** We asked (at, ms since the epoch) and the peer's client has not answered in OTR yet. */
  asked?: AskedView;
  /** One id per waiting text, oldest first, for conversation.cancelQueued (never the text). */
  queuedIds?: string[];
  /** OffRecord is locked: the conversation cannot load until the passphrase is entered. */
  locked?: boolean;
  /** Ended without the user: idle too long, pushed out by the cap, or its record was unreadable. */
  ended?: EndReason;
  /** The disk is full: this conversation lives in memory only and ends when the browser closes. */
  unsaved?: boolean;
  /** A channel's private room (issue 13), the one we are in or were last in; public state only. */
  room?: RoomSummary;
  /**
   * When the background built it (ms, always increasing): views come in pushes and in replies,
   * which may cross on the way, and a view is pushed only when it changed; the newer one wins.
   */
  revision?: number;
}

/** A private room as the lock and the popup show it: members and trust, never a key or a post. */
export interface RoomSummary {
  roomId: string;
  title: string;
  status: 'invited' | 'active' | 'left' | 'removed';
  /** The lock's state in a 1:1 conversation's terms. */
  lock: 'private' | 'unverified' | 'finished';
  epoch: number | null;
  members: { name: string; me: boolean; owner: boolean; badge: 'verified' | 'unverified' | 'changed' | null; holdsOurKey: boolean; theirEpoch: number | null }[];
  invited: string[];
}

/** What the page does with a group text (`?OTR-G:`): see RoomDisplay in background/rooms. */
export type RoomIncomingDisplay = 'encrypted' | 'unverifiable' | 'own' | 'hidden' | 'partial' | 'waiting' | 'not-a-member' | 'not-yet-member' | 'dropped';

export interface RoomIncomingResult {
  messageId: string;
  display: RoomIncomingDisplay;
  sender?: string;
}

export type EndReason = 'expired' | 'evicted' | 'corrupt';

/** The query we sent, as sent: it is public (the site carried it), so the lock may copy it. */
export interface AskedView {
  at: number;
  invitation: string;
}

/** A storage fault the popup lists (This tab). */
export interface ProblemView {
  at: number;
  code: 'corrupt' | 'version' | 'quota' | 'evicted' | 'expired';
  conversationId?: string;
  title?: string;
  message: string;
}

export interface SiteView {
  id: string;
  name: string;
  builtIn: boolean;
  /** Match patterns or origins where the site runs. */
  origins: string[];
  policy: SitePolicy;
  /** OTR fragment size in characters; 0 = never fragment. */
  fragmentSize: number;
}

export type HistoryRetention = 'off' | 'session';
/** Where the invitation sends people who have no OTR yet; '' leaves a store out. */
export interface StoreLinks {
  chrome: string;
  firefox: string;
}
export interface Settings {
  historyRetention: HistoryRetention;
  storeLinks: StoreLinks;
  /** Private conversations with no message for this many days end on their own (1–30). */
  idleDays: number;
  /** Keep first/last-seen times of peers' keys (the contact log); false keeps none. */
  contactLog: boolean;
}

export interface LibotrFiles {
  privateKeys: string; // otr.private_key
  fingerprints: string; // otr.fingerprints
  instanceTags: string; // otr.instance_tags
}

/** What a fed wire text amounted to, without its plaintext (content scripts never get it). */
export type IncomingDisplay =
  | 'hidden' // protocol traffic (AKE, SMP, fragments still incomplete): hide or leave as is
  | 'encrypted' // a decrypted message: place a reader frame for `messageId`
  | 'plain' // not OTR, or unencrypted: the page already shows it
  | 'error' // unreadable / malformed; the background also pushes a notice
  | 'duplicate' // already processed (same text, same conversation): show as before or "encrypted earlier"
  | 'earlier' // history whose keys are gone: "encrypted earlier"
  | 'gone' // an earlier or duplicate data message with no text kept for it: "encrypted earlier" as a status line, no frame
  | 'locked' // OffRecord is locked: "locked — unlock OffRecord"; feed it again after unlock
  | 'expired' // the conversation ended after its idle days; its keys were wiped
  | 'replayed'; // a data message seen before (replayed or reordered): rejected by the counters

export interface IncomingResult {
  messageId: string;
  display: IncomingDisplay;
  /** Wire texts the content script must send to the peer, in order. */
  send: string[];
  /**
   * History only: a one-time token for this message's reader frame (display 'encrypted'), so a
   * page of history placed on screen needs no round trip per frame (tokens.ts binds it).
   */
  readerToken?: string;
}

/**
 * At most this many history messages in one content.history request (issue 11): one page cannot
 * make the background process an unbounded request on a conversation's chain.
 */
export const HISTORY_BATCH_MAX = 100;

/** One history message's outcome in a batch, at its position: its result, or why it was refused. */
export type HistoryEntryResult = IncomingResult | { error: { code: string; message: string } };

/** A received encrypted file's key (hex): derived for the one file its use-data (SHA-256) names. */
export interface FileKeyView {
  useData: string;
  fileKey: string;
}

/** Response envelope of every request. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/**
 * The user's security mark (issue 17 item 1): a colour and a few symbols, drawn at random on
 * first run, that every genuine OffRecord frame shows. The page never learns it, so a page's
 * imitation of a frame cannot show it.
 */
export interface SecurityMark {
  /** A colour from the mark palette, '#rrggbb'. */
  colour: string;
  /** Three symbols (emoji) from the mark set. */
  symbols: string;
}
