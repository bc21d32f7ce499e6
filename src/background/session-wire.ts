/**
 * Small pure rules the session manager applies to wire texts and conversation records: which
 * texts are deduplicated, how queued texts get ids, when a conversation is idle, and what an
 * ended conversation keeps (no session keys).
 */
import { conversationStatus, createConversation, type ConversationState, type OtrEvent } from '../otr/index';
import { toHex } from '../otr/bytes';
import type { IncomingDisplay } from '../messaging/types';
import type { EndReason, StoredConversation } from './conversation-store';
import type { Random } from './sealing';

const SEEN_LIMIT = 1000;
const ERROR_NAMES = new Set(['RCVDMSG_UNREADABLE', 'RCVDMSG_MALFORMED', 'RCVDMSG_GENERAL_ERR']);
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The site's fragment size capped by what the adapter knows the site accepts (0 = never). */
export function effectiveFragmentSize(siteSize: number, adapterLimit: number | undefined): number {
  if (!adapterLimit) return siteSize;
  return siteSize > 0 ? Math.min(siteSize, adapterLimit) : adapterLimit;
}

export function conversationIdOf(origin: string, site: string, account: string, peer: string): string {
  return [origin, site, account, peer].map(encodeURIComponent).join('/');
}

/** The page origin a conversation id was made for (issue 17 item 5: ids include the origin). */
export function originOfConversation(id: string): string {
  return decodeURIComponent(id.split('/')[0] ?? '');
}

/**
 * A processed-message marker: the first 64 bits of the message id. Markers are written with the
 * conversation after every step; a quarter of the id's size keeps that write small, and a
 * chance collision within one conversation's last 1,000 messages is about 2^-44.
 */
export function markerOf(messageId: string): string {
  return messageId.slice(0, 16);
}

export function bounded(list: string[], id: string): string[] {
  const next = [...list, id];
  return next.length > SEEN_LIMIT ? next.slice(next.length - SEEN_LIMIT) : next;
}

/** What a fed text amounted to when it showed no plaintext. */
export function quietDisplay(events: OtrEvent[], shownPlain: boolean, history: boolean): IncomingDisplay {
  if (shownPlain) return 'plain';
  // Old history for a conversation that is no longer private: "encrypted earlier".
  if (history && events.some((e) => e.type === 'msg' && e.name === 'RCVDMSG_NOT_IN_PRIVATE')) return 'earlier';
  const errors = events.filter((e): e is Extract<OtrEvent, { type: 'msg' }> => e.type === 'msg' && ERROR_NAMES.has(e.name));
  if (errors.length === 0) return 'hidden';
  // The engine's counter check: a data message seen before (replayed or moved in the history).
  if (errors.some((e) => /counter did not increase/.test(e.text))) return 'replayed';
  // Old history whose keys are gone is "encrypted earlier", not a fault.
  return history ? 'earlier' : 'error';
}

/** A data message came while not private (e.g. after expiry wiped the keys it was sent under). */
export function notInPrivate(events: OtrEvent[]): boolean {
  return events.some((e) => e.type === 'msg' && e.name === 'RCVDMSG_NOT_IN_PRIVATE');
}

/**
 * The engine keeps queued texts as a list it only appends to or empties; each entry gets an
 * id the page may see (the text it may not), so the user can cancel one.
 */
export function syncQueuedIds(ids: string[], state: ConversationState, random: Random): string[] {
  const n = state.queued.length;
  if (n === 0) return [];
  const kept = ids.slice(0, n);
  while (kept.length < n) kept.push(toHex(random(8)));
  return kept;
}

/** Anything worth wiping: session keys, an AKE under way, or text waiting to be encrypted. */
export function holdsSecrets(state: ConversationState): boolean {
  return state.queued.length > 0 || Object.values(state.instances).some((i) => i.data !== null || i.ake.state !== 'NONE' || i.msgstate === 'ENCRYPTED');
}

export function isIdle(c: StoredConversation, now: number, idleDays: number): boolean {
  return !c.ended && holdsSecrets(c.state) && now - c.lastActivity >= idleDays * DAY_MS;
}

/**
 * An ended conversation keeps its markers (so old history is not fed again) and nothing else:
 * a fresh engine state with the lock at Finished until the user ends or restarts it.
 */
export function endedState(c: Pick<StoredConversation, 'account' | 'site' | 'peer' | 'state'>): ConversationState {
  const state = createConversation({ account: c.account, protocol: c.site, peer: c.peer, policy: c.state.policy, maxFragmentSize: c.state.maxFragmentSize });
  state.instances['0']!.msgstate = 'FINISHED';
  return state;
}

export function endConversation(c: StoredConversation, reason: EndReason): void {
  c.state = endedState(c);
  c.queuedIds = [];
  c.smp = { status: 'idle', progress: 0 };
  c.ended = reason;
}

/** Whether the engine still shows the conversation as ended by us (cleared once restarted). */
export function stillEnded(state: ConversationState): boolean {
  return conversationStatus(state).msgstate === 'FINISHED';
}

type Snapshot = Pick<StoredConversation, 'state' | 'seen' | 'sent' | 'queuedIds' | 'smp' | 'lastActivity' | 'ended' | 'fingerprintChanged'>;

/** What a step may change (steps replace these fields, never mutate them in place). */
export function snapshot(c: StoredConversation): Snapshot {
  return { state: c.state, seen: c.seen, sent: c.sent, queuedIds: c.queuedIds, smp: c.smp, lastActivity: c.lastActivity, ended: c.ended, fingerprintChanged: c.fingerprintChanged };
}

export function rollBack(c: StoredConversation, s: Snapshot): void {
  Object.assign(c, s);
  if (s.ended === undefined) delete c.ended;
  if (s.fingerprintChanged === undefined) delete c.fingerprintChanged;
}
