/**
 * The one message map between OffRecord's contexts (DESIGN.md §1). Every request crosses
 * `runtime.sendMessage` as `{ kind, payload }` and is answered with a `Reply<T>` (types.ts).
 * The background validates each payload with the checker below and refuses senders whose
 * context (decided from `sender`, see router) is not listed in `from`.
 *
 * Kinds:
 *  identity:      identity.status, identity.unlock, identity.lock, identity.setPassphrase
 *  keys:          keys.list, keys.accounts, keys.generateForAccount, keys.useIdentityForAccount,
 *                 keys.makeIdentity, keys.replaceIdentity, libotr.export, libotr.import
 *  peers:         peers.list, peers.setTrust, peers.forget, peers.acknowledgeChange
 *  conversations: conversations.list, conversations.problems, conversation.start,
 *                 conversation.end, conversation.cancelQueued, smp.start, smp.answer, smp.abort,
 *                 conversation.verifyManual
 *  sites:         sites.list, sites.add, sites.update, sites.remove
 *  settings:      settings.get, settings.set, security.mark, security.newMark
 *  content:       content.register, content.incoming, content.history, content.frameToken,
 *                 content.frameClaim, content.openPopup
 *  files:         file.announce (an attach frame announces a file over TLV 8 and gets its key)
 *  picker:        picker.start, picker.status, picker.forget (generic adapter, per origin)
 *  rooms:         room.create, room.incoming, room.invite, room.remove, room.leave,
 *                 room.invitations, room.accept (issue 13; a room is named by its channel's
 *                 conversation, and a content script may only create, feed and leave)
 *
 * Ports (see ports.ts): 'offrecord:events' (popup/options: pushed updates),
 * 'offrecord:content' (content script: wire texts to send, state changes), and
 * 'offrecord:frame' (compose/reader frame, bound by a one-time token).
 */
import { arr, bool, int, literal, nullable, obj, opt, pattern, str, MAX_TEXT, type Check, type Infer } from './check';
import { FRAME_ROLES, type FrameRole } from './frames';
import { TOKEN } from './ports';
import { HISTORY_BATCH_MAX } from './types';
import type {
  AccountView,
  Context,
  ConversationView,
  IdentityStatus,
  HistoryEntryResult,
  IncomingResult,
  KeyView,
  RoomIncomingResult,
  RoomSummary,
  LibotrFiles,
  ProblemView,
  PeerView,
  SecurityMark,
  Settings,
  SiteView,
} from './types';

export * from './types';

const ID = str(512, 1);
const NAME = str(512); // account names may be '' when the site cannot tell
const SECRET = str(4096, 1);
const FINGERPRINT = pattern(/^[0-9A-Fa-f]{8}( ?[0-9A-Fa-f]{8}){4}$/, 44);
const MESSAGE_ID = pattern(/^[0-9a-f]{64}$/, 64);
const ROOM_ID = pattern(/^[0-9a-f]{32}$/, 32);
const TRUST = literal('unverified', 'smp', 'manual');
const POLICY = literal('manual', 'opportunistic', 'always');
/** A store link in the invitation: https only, one token (it travels inside a chat line). */
const STORE_URL = pattern(/^(https:\/\/[^\s]+)?$/, 512);
const ACCOUNT = { site: ID, account: NAME };
const CONVERSATION = obj({ conversationId: ID });
const EMPTY = obj({});
const PAGES: Context[] = ['popup', 'options'];
const OPTIONS: Context[] = ['options'];
/** The lock's menu (content script) may start and end; verifying happens in extension UI only. */
const CONTROLS: Context[] = [...PAGES, 'content'];
/** The verify frame sends its actions over its token-bound port instead (ports.ts), for its own conversation only. */
const VERIFY: Context[] = PAGES;

/** `response` is type-only: a one-element tuple so that `null` responses survive NonNullable. */
function kind<P, R>(from: Context[], payload: Check<P>): { from: Context[]; payload: Check<P>; response?: [R] } {
  return { from, payload };
}

export const REQUESTS = {
  'identity.status': kind<{}, IdentityStatus>([...PAGES, 'compose-frame', 'reader-frame', 'verify-frame'], EMPTY),
  'identity.unlock': kind<{ passphrase: string }, IdentityStatus>(PAGES, obj({ passphrase: SECRET })),
  'identity.lock': kind<{}, IdentityStatus>(PAGES, EMPTY),
  /** Set (current null), change, or remove (next null) the passphrase over all stored keys. */
  'identity.setPassphrase': kind<{ current: string | null; next: string | null }, IdentityStatus>(
    OPTIONS,
    obj({ current: nullable(SECRET), next: nullable(SECRET) }),
  ),

  'keys.list': kind<{}, KeyView[]>(PAGES, EMPTY),
  'keys.accounts': kind<{}, AccountView[]>(PAGES, EMPTY),
  'keys.generateForAccount': kind<{ site: string; account: string }, KeyView>(OPTIONS, obj(ACCOUNT)),
  'keys.useIdentityForAccount': kind<{ site: string; account: string }, AccountView>(OPTIONS, obj(ACCOUNT)),
  'keys.makeIdentity': kind<{ keyId: string }, KeyView>(OPTIONS, obj({ keyId: ID })),
  /** A fresh identity key; peers will see a new fingerprint for every account that used it. */
  'keys.replaceIdentity': kind<{}, KeyView>(OPTIONS, EMPTY),
  'libotr.export': kind<{}, LibotrFiles>(OPTIONS, EMPTY),
  /** Each file optional; every key imported becomes its account's key. */
  'libotr.import': kind<
    { privateKeys?: string; fingerprints?: string; instanceTags?: string },
    { keys: KeyView[]; peers: number; instanceTags: number }
  >(OPTIONS, obj({ privateKeys: opt(str(MAX_TEXT)), fingerprints: opt(str(MAX_TEXT)), instanceTags: opt(str(MAX_TEXT)) })),

  'peers.list': kind<{}, PeerView[]>(PAGES, EMPTY),
  'peers.setTrust': kind<{ fingerprint: string; trust: 'unverified' | 'smp' | 'manual' }, PeerView>(
    PAGES,
    obj({ fingerprint: FINGERPRINT, trust: TRUST }),
  ),
  'peers.forget': kind<{ fingerprint: string }, null>(PAGES, obj({ fingerprint: FINGERPRINT })),
  'peers.acknowledgeChange': kind<{ site: string; account: string; peer: string; fingerprint: string }, PeerView>(
    PAGES,
    obj({ ...ACCOUNT, peer: ID, fingerprint: FINGERPRINT }),
  ),

  /** Conversations registered by content scripts of one tab (the popup passes the active tab). */
  'conversations.list': kind<{ tabId: number }, ConversationView[]>(PAGES, obj({ tabId: int(0) })),
  /** Storage faults since the background started (unreadable records, full disk, the cap). */
  'conversations.problems': kind<{}, ProblemView[]>(PAGES, EMPTY),
  /**
   * Drops one text waiting for the conversation to become private (it is never sent). A compose
   * frame may name only the conversation it is claimed for (tokens.ts frameGrant).
   */
  'conversation.cancelQueued': kind<{ conversationId: string; queuedId: string }, ConversationView>(
    [...PAGES, 'compose-frame'],
    obj({ conversationId: ID, queuedId: pattern(/^[0-9a-f]{16}$/, 16) }),
  ),
  'conversation.start': kind<{ conversationId: string }, ConversationView>(CONTROLS, CONVERSATION),
  'conversation.end': kind<{ conversationId: string }, ConversationView>(CONTROLS, CONVERSATION),
  'smp.start': kind<{ conversationId: string; secret: string; question?: string }, ConversationView>(
    VERIFY,
    obj({ conversationId: ID, secret: SECRET, question: opt(str(1024)) }),
  ),
  'smp.answer': kind<{ conversationId: string; secret: string }, ConversationView>(
    VERIFY,
    obj({ conversationId: ID, secret: SECRET }),
  ),
  'smp.abort': kind<{ conversationId: string }, ConversationView>(VERIFY, CONVERSATION),
  /** The user compared fingerprints out of band: trust 'manual' for the peer's fingerprint. */
  'conversation.verifyManual': kind<{ conversationId: string }, ConversationView>(VERIFY, CONVERSATION),

  'sites.list': kind<{}, SiteView[]>(PAGES, EMPTY),
  'sites.add': kind<{ name: string; origins: string[]; policy?: 'manual' | 'opportunistic' | 'always'; fragmentSize?: number }, SiteView>(
    PAGES,
    obj({ name: str(128, 1), origins: arr(str(512, 1), 32), policy: opt(POLICY), fragmentSize: opt(int(0, 1 << 20)) }),
  ),
  'sites.update': kind<{ id: string; policy?: 'manual' | 'opportunistic' | 'always'; fragmentSize?: number }, SiteView>(
    PAGES,
    obj({ id: ID, policy: opt(POLICY), fragmentSize: opt(int(0, 1 << 20)) }),
  ),
  'sites.remove': kind<{ id: string }, null>(PAGES, obj({ id: ID })),

  'settings.get': kind<{}, Settings>(PAGES, EMPTY),
  'settings.set': kind<Partial<Settings>, Settings>(
    PAGES,
    obj({ historyRetention: opt(literal('off', 'session')), idleDays: opt(int(1, 30)), contactLog: opt(bool), storeLinks: opt(obj({ chrome: STORE_URL, firefox: STORE_URL })) }),
  ),
  /** The security mark every genuine frame shows (issue 17 item 1): extension pages only, never content. */
  'security.mark': kind<{}, SecurityMark>(PAGES, EMPTY),
  'security.newMark': kind<{}, SecurityMark>(OPTIONS, EMPTY),

  /** A content script found a conversation; the sender's tab and frame are remembered. */
  'content.register': kind<
    { site: string; account: string; peer: string; title?: string; fragmentSize?: number; kind?: 'channel' | 'direct' },
    ConversationView
  >(['content'], obj({ ...ACCOUNT, peer: ID, title: opt(str(256)), fragmentSize: opt(int(0, 1 << 20)), kind: opt(literal('channel', 'direct')) })),
  /**
   * A wire text seen in the page (incoming, or our own echoed). Never answered with plaintext.
   * `history`: shown from before this page load; it is fed once but never answered (except
   * to continue an AKE, see background/history-replies.ts).
   */
  /**
   * `reader`: the spare token of a warm reader frame now placed for this message (port-hub).
   * `mail`: a mail body, read whenever its reader opens it: a query in it is held for the
   * user's Start even from history (under 'manual' only; see background/held-query.ts).
   */
  'content.incoming': kind<{ conversationId: string; text: string; history?: boolean; mine?: boolean; reader?: string; mail?: boolean }, IncomingResult>(
    ['content'],
    obj({ conversationId: ID, text: str(MAX_TEXT), history: opt(bool), mine: opt(bool), reader: opt(str(64)), mail: opt(bool) }),
  ),
  /**
   * History of one scan (issue 11), in page order, at most HISTORY_BATCH_MAX: fed to the engine
   * in that order and committed in one write before any of it may show. Each entry is checked on
   * its own, so a malformed one gets its typed error at its position and the others go on.
   * Never answered with plaintext; the replies are filtered as for `history` above.
   */
  'content.history': kind<{ conversationId: string; texts: unknown[] }, { results: HistoryEntryResult[] }>(
    ['content'],
    obj({ conversationId: ID, texts: arr((v: unknown) => v, HISTORY_BATCH_MAX) }),
  ),
  /**
   * One-time token for a frame the content script is about to place in this tab. `pending`: a
   * reader placed as its message arrives, which waits for the plaintext instead of "unavailable";
   * without a message id it is a spare, held ahead so a frame can be placed without a round trip.
   */
  'content.frameToken': kind<
    { conversationId: string; role: FrameRole; messageId?: string; pending?: boolean },
    { token: string }
  >(['content'], obj({ conversationId: ID, role: literal(...FRAME_ROLES), messageId: opt(MESSAGE_ID), pending: opt(bool) })),
  /**
   * The frame that posted `nonce` (also said in its port's hello) is the iframe this content script
   * placed for `token` (checked by `event.source` and `event.origin`): that frame, and only it, gets the grant.
   */
  'content.frameClaim': kind<{ token: string; nonce: string }, { claimed: boolean }>(['content'], obj({ token: TOKEN, nonce: TOKEN })),
  /**
   * The changed-key warning was clicked (a trusted click, checked in the lock): the popup opens
   * over this tab, or the popup page in a tab where the browser will not open the popup.
   */
  'content.openPopup': kind<{ conversationId: string }, { opened: 'popup' | 'page' }>(['content'], CONVERSATION),

  /** A private room in the channel this conversation shows, with us as owner (issue 13). */
  'room.create': kind<{ conversationId: string; fragmentSize?: number }, RoomSummary>(
    CONTROLS,
    obj({ conversationId: ID, fragmentSize: opt(int(0, 1 << 20)) }),
  ),
  /** A group text (`?OTR-G:`) seen in the channel; `from` is its poster's name. Never plaintext. */
  'room.incoming': kind<{ conversationId: string; from: string; text: string; fragmentSize?: number }, RoomIncomingResult>(
    ['content'],
    obj({ conversationId: ID, from: NAME, text: str(MAX_TEXT), fragmentSize: opt(int(0, 1 << 20)) }),
  ),
  /** The owner invites someone present in the channel; their OffRecord accepts over pairwise OTR. */
  'room.invite': kind<{ conversationId: string; member: string }, RoomSummary>(PAGES, obj({ conversationId: ID, member: ID })),
  /** The owner removes a member: everyone left starts a new epoch the removed member never gets. */
  'room.remove': kind<{ conversationId: string; member: string }, RoomSummary>(PAGES, obj({ conversationId: ID, member: ID })),
  'room.leave': kind<{ conversationId: string }, RoomSummary>(CONTROLS, CONVERSATION),
  /** Invitations waiting for this conversation's account (those not accepted on their own). */
  'room.invitations': kind<{ conversationId: string }, RoomSummary[]>(PAGES, CONVERSATION),
  'room.accept': kind<{ conversationId: string; roomId: string }, RoomSummary>(PAGES, obj({ conversationId: ID, roomId: ROOM_ID })),

  /**
   * The attach frame announces a file (use-data = its SHA-256, files/encrypted-file.ts) in a TLV 8
   * data message. It gets back that file's key (derived from the extra symmetric key, good for
   * this file only) and the wire text, which goes out with the next mail (never plaintext).
   */
  'file.announce': kind<{ conversationId: string; useData: string }, { fileKey: string; wire: string[] }>(
    ['attach-frame'],
    obj({ conversationId: ID, useData: MESSAGE_ID }),
  ),

  /** Runs the element picker in that tab's page (generic adapter); answers once it is showing. */
  'picker.start': kind<{ tabId: number }, null>(PAGES, obj({ tabId: int(0) })),
  /** Whether the tab's origin has picked elements saved; origin null for non-web pages. */
  'picker.status': kind<{ tabId: number }, { origin: string | null; configured: boolean }>(PAGES, obj({ tabId: int(0) })),
  /** Drops the tab's origin's picked elements; the page uses them until it is reloaded. */
  'picker.forget': kind<{ tabId: number }, null>(PAGES, obj({ tabId: int(0) })),
};

export type RequestKind = keyof typeof REQUESTS;
type Spec<K extends RequestKind> = (typeof REQUESTS)[K];
export type PayloadOf<K extends RequestKind> = Infer<Spec<K>['payload']>;
export type ResponseOf<K extends RequestKind> = NonNullable<Spec<K>['response']>[0];

export const REQUEST_KINDS = Object.keys(REQUESTS) as RequestKind[];
export function isRequestKind(kind: unknown): kind is RequestKind {
  return typeof kind === 'string' && Object.hasOwn(REQUESTS, kind);
}

/** The envelope on the wire; `payload` is checked per kind by the router. */
export const ENVELOPE = obj({ kind: str(64, 1), payload: (v: unknown) => v });
