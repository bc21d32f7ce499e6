/** What the popup, the lock and the frames see of a conversation: public state only, never text. */
import { conversationStatus, type OtrEvent } from '../otr/index';
import type { ConversationView, SmpView } from '../messaging/types';
import type { LiveConversation } from './conversation-life';
import { humanFingerprint, type TrustStore } from './trust-store';

export async function conversationView(r: LiveConversation, trustStore: TrustStore): Promise<ConversationView> {
  const s = conversationStatus(r.state);
  const trust = s.theirFingerprint ? await trustStore.trustOf(s.theirFingerprint) : undefined;
  const state = s.msgstate === 'PLAINTEXT' ? 'plaintext' : s.msgstate === 'FINISHED' ? 'finished' : trust === 'unverified' ? 'unverified' : 'private';
  const view: ConversationView = {
    id: r.id, site: r.site, account: r.account, peer: r.peer, title: r.title, state, version: s.version,
    smp: r.smp, policy: r.policy, queued: s.queued, queuedIds: [...r.queuedIds],
  };
  if (s.theirFingerprint) view.fingerprint = humanFingerprint(s.theirFingerprint);
  if (trust) view.trust = trust;
  if (r.fingerprintChanged) view.fingerprintChanged = r.fingerprintChanged;
  if (r.locked) view.locked = true;
  if (r.ended) view.ended = r.ended;
  if (r.unsaved) view.unsaved = true;
  return view;
}

/** The engine's SMP event as the view's status and progress (0..1). */
export function smpViewOf(event: Extract<OtrEvent, { type: 'smp' }>): SmpView {
  const progress = Math.max(0, Math.min(1, event.progress / 100));
  const status: SmpView['status'] =
    event.status === 'ASK_FOR_SECRET' || event.status === 'ASK_FOR_ANSWER' ? 'awaiting-answer'
    : event.status === 'IN_PROGRESS' ? 'in-progress'
    : event.status === 'SUCCESS' ? 'succeeded'
    : event.status === 'ABORT' ? 'aborted'
    : 'failed';
  return event.question === undefined ? { status, progress } : { status, progress, question: event.question };
}
