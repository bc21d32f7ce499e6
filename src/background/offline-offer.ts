/**
 * Starting a private conversation with someone who is offline (issue 11, scenario 2). A query
 * found in history starts nothing (history-replies.ts), so under "always" (require
 * encryption) our query is followed by our own D-H Commit: the peer's OffRecord answers that
 * from its history whenever its browser next opens, and a peer online now simply sees two
 * crossing AKE starts, which the spec resolves (the higher commit hash wins).
 * Only while no AKE is under way: a second commit would orphan the first, which the peer may
 * already be answering. For the same reason the query the engine repeats with every text typed
 * while waiting is dropped then (`typed`): a peer that answers each query with a fresh commit
 * restarts its side of the exchange and the crossing commits never meet. Start from the lock
 * still sends its query, so the user can always ask again.
 */
import { POLICY_REQUIRE_ENCRYPTION, receiveMessage, type Identity, type OtrEnv, type StepResult } from '../otr/index';

const QUERY = /^\?OTRv\d*\?/;

export function withOfflineOffer(env: OtrEnv, me: Identity, result: StepResult, typed = false): StepResult {
  const state = result.state;
  if (!(state.policy & POLICY_REQUIRE_ENCRYPTION)) return result;
  const query = result.send.find((t) => QUERY.test(t));
  if (!query) return result;
  if (Object.values(state.instances).some((i) => i.msgstate === 'ENCRYPTED')) return result;
  if (Object.values(state.instances).some((i) => i.ake.state !== 'NONE')) {
    return typed ? { ...result, send: result.send.filter((t) => t !== query) } : result;
  }
  // The engine answers a query with a D-H Commit; handing it our own query makes exactly that
  // commit (best version both sides' policy allows, receiver instance 0).
  const offer = receiveMessage(env, me, state, query);
  return { ...result, state: offer.state, send: [...result.send, ...offer.send] };
}
