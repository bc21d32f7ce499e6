/**
 * A room's trust map comes from the pairwise trust (issue 13): a member whose key changed and is
 * not acknowledged is 'changed' (they get no new chain keys), a fingerprint verified by hand or
 * by SMP is 'verified', anyone else (no private conversation yet included) 'unverified'.
 */
import type { TrustMap } from '../../group/index';
import type { SessionManager } from '../session-manager';
import type { TrustStore } from '../trust-store';

export async function roomTrust(trust: TrustStore, sessions: SessionManager, site: string, account: string, names: readonly string[]): Promise<TrustMap> {
  const out: Record<string, 'verified' | 'unverified' | 'changed'> = {};
  for (const name of names) {
    if (name === account) continue;
    if (await trust.pendingChange(site, account, name)) {
      out[name] = 'changed';
      continue;
    }
    const id = sessions.contactConversation(site, account, name);
    const fingerprint = id !== undefined ? sessions.refOf(id).fingerprint : undefined;
    out[name] = fingerprint && (await trust.trustOf(fingerprint)) !== 'unverified' ? 'verified' : 'unverified';
  }
  return out;
}
