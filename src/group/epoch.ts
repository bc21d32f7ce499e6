/**
 * Our own sending chain across epochs: starting one, handing it to the members who should
 * hold it (and withholding it from those whose pairwise key changed, or who are unverified in
 * a room that requires verification), and publishing the signing secret of the epoch that
 * ended. Also the receiving side of a published secret.
 */
import { fromHex } from '../otr/bytes';
import type { ReceivingChain, SendingChain } from './chain';
import { secretMatches } from './crypto';
import { armorGroup, revealBytes } from './post';
import { MAX_EPOCHS_KEPT, newSendingChain, REKEY_MS, REKEY_POSTS, type RoomStep, type TrustMap } from './room';
import type { GroupOp } from './tlv';

function chainOp(chain: SendingChain): GroupOp {
  return { op: 'chain', epoch: chain.epoch, chainKey: fromHex(chain.chainKey), iteration: chain.iteration, signingPublic: fromHex(chain.signingPublic) };
}

/** Sends our current chain to every member who should hold it and does not yet. */
export function distribute(step: RoomStep, trust: TrustMap): void {
  const s = step.state;
  if (!s.sending) return;
  for (const m of step.others()) {
    if (s.sentTo.includes(m)) continue;
    const t = trust[m] ?? 'unverified';
    if (t === 'changed') step.events.push({ type: 'withheld', member: m, reason: 'key-changed' });
    else if (s.requireVerified && t !== 'verified') step.events.push({ type: 'withheld', member: m, reason: 'unverified' });
    else {
      step.record(m, [chainOp(s.sending)]);
      s.sentTo.push(m);
      s.handover = { ...s.handover, [m]: { epoch: s.sending.epoch, chainKey: s.sending.chainKey, iteration: s.sending.iteration } };
    }
  }
}

/**
 * Starts our next epoch: a fresh chain key and signing key, sent to the current members only,
 * and the ended epoch's signing secret published in the channel. Only in the channel: there it
 * follows our last posts of that epoch, whereas a pairwise record could overtake them and make
 * them read as unverifiable.
 */
export function startEpoch(step: RoomStep, trust: TrustMap, reason: 'start' | 'membership' | 'rekey'): void {
  const s = step.state;
  const old = s.sending;
  s.sending = newSendingChain(step.env, old ? old.epoch + 1 : 0);
  s.sentTo = [];
  s.handover = {};
  step.events.push({ type: 'epoch', epoch: s.sending.epoch, reason });
  if (old) publish(step, old);
  distribute(step, trust);
}

/**
 * Our current epoch's hand-over to `member` once more, exactly as first sent (same key, same
 * iteration): a member who got it the first time ignores the copy (addChain keeps the first key
 * of an epoch), one who could not read it can now read every post made since.
 */
export function resendHandover(step: RoomStep, member: string): void {
  const s = step.state;
  const h = s.handover?.[member];
  if (s.status !== 'active' || !s.sending || !h || h.epoch !== s.sending.epoch || !s.members.includes(member)) return;
  step.record(member, [{ op: 'chain', epoch: h.epoch, chainKey: fromHex(h.chainKey), iteration: h.iteration, signingPublic: fromHex(s.sending.signingPublic) }]);
}

/** Posts the ended epoch's signing secret where everyone in the channel sees it. */
export function publish(step: RoomStep, old: SendingChain): void {
  const s = step.state;
  step.channel(armorGroup(revealBytes({ roomId: fromHex(s.roomId), sender: s.me, epoch: old.epoch, signingSecret: fromHex(old.signingSecret) })));
}

export function rekeyDue(step: RoomStep): boolean {
  const c = step.state.sending;
  return !!c && (c.posts >= REKEY_POSTS || step.env.now() - c.startedAt >= REKEY_MS);
}

/** Marks a sender's epoch as published once the secret proves itself; anything else is dropped. */
export function applyReveal(step: RoomStep, sender: string, epoch: number, secret: Uint8Array): void {
  const chain = step.state.chains[sender]?.find((c) => c.epoch === epoch);
  if (!chain) return; // an epoch we never held (e.g. before we joined): nothing to mark
  if (!secretMatches(secret, fromHex(chain.signingPublic))) return step.drop('forged', sender, 'published key does not match');
  chain.published = true;
}

/** Keeps a chain a member handed us; the first key for an epoch wins, later copies are ignored. */
export function addChain(step: RoomStep, sender: string, chain: ReceivingChain): boolean {
  const list = step.state.chains[sender] ?? [];
  if (list.some((c) => c.epoch === chain.epoch)) return false;
  list.push(chain);
  list.sort((a, b) => a.epoch - b.epoch);
  while (list.length > MAX_EPOCHS_KEPT) list.shift();
  step.state.chains[sender] = list;
  return true;
}
