/**
 * A peer's query under the 'manual' policy, the default (issue 16): it starts nothing by itself.
 * It is held on its conversation, the lock pulses once and the popup offers "Start private
 * conversation"; Start answers the held query, so the AKE begins at once with no second round
 * trip (with none held, Start sends our own query). 'opportunistic' and 'always' answer at once,
 * as libotr does. So does a conversation the user already asked for — our query is out, an AKE
 * is under way, or it is private (a peer's refresh) — or two people clicking Start at the same
 * moment would each hold the other's query and wait forever.
 *
 * One query per conversation, the latest, kept as a bare query tag for its versions: small
 * whatever the page sent, no page text, and the engine reads nothing else of a query. It is
 * saved with the conversation, so it outlives a worker restart.
 */
import { allowsVersion, conversationStatus, type ConversationState } from '../otr/index';
import { policyBits } from './config-store';
import type { WireText } from '../otr/classify';
import type { SitePolicy } from '../messaging/types';

/** The fields of a conversation this module reads and writes (LiveConversation has them all). */
export interface QueryHolder {
  policy: SitePolicy;
  state: ConversationState;
  asked?: unknown;
  peerAsked?: boolean;
  heldQuery?: string;
}

/** The versions we speak, of those the query offers (v1 is not supported). */
function usableVersions(policy: SitePolicy, versions: readonly number[]): number[] {
  return versions.filter((v) => (v === 2 || v === 3) && allowsVersion(policyBits(policy), v)).sort();
}

/** Whether this live (not history) text is a query to hold rather than feed to the engine. */
export function mustHold(r: QueryHolder, wire: WireText): wire is Extract<WireText, { kind: 'query' }> {
  if (wire.kind !== 'query' || r.policy !== 'manual' || r.asked) return false;
  if (usableVersions(r.policy, wire.versions).length === 0) return false;
  if (conversationStatus(r.state).msgstate === 'ENCRYPTED') return false;
  return Object.values(r.state.instances).every((inst) => inst.ake.state === 'NONE');
}

/**
 * Holds the query and marks the peer as asking. Returns whether anything changed (the same
 * query again is not saved or pushed again, so a flood costs no writes).
 */
export function holdQuery(r: QueryHolder, versions: readonly number[]): boolean {
  const query = `?OTRv${usableVersions(r.policy, versions).join('')}?`;
  if (r.heldQuery === query && r.peerAsked) return false;
  r.heldQuery = query;
  r.peerAsked = true;
  return true;
}

/** The held query, forgotten once taken: Start answers it once. */
export function takeHeldQuery(r: QueryHolder): string | undefined {
  const query = r.heldQuery;
  delete r.heldQuery;
  return query;
}
