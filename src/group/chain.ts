/**
 * Sender-key chains. A member's sending chain is a chain key and an iteration; each post takes
 * the next message key. A receiving chain follows one sender's epoch forward and keeps the keys
 * of posts it skipped, at most MAX_SKIPPED_KEYS, deleting each key once used, so a replay finds
 * no key and a flood of far-ahead iterations cannot grow the state.
 */
import { fromHex, toHex } from '../otr/bytes';
import { ratchet } from './crypto';

/** Signal's and Megolm's order of magnitude: enough for posts lost in a busy channel. */
export const MAX_SKIPPED_KEYS = 2000;
/** How far ahead of a chain a post may claim to be; further is refused without deriving. */
export const MAX_FORWARD_STEPS = 2000;

/** Our own chain for the current epoch (hex, so the room state stays plain JSON). */
export interface SendingChain {
  epoch: number;
  chainKey: string;
  iteration: number;
  signingSecret: string;
  signingPublic: string;
  startedAt: number;
  posts: number;
}

/** Another member's chain for one of their epochs, as far as we have followed it. */
export interface ReceivingChain {
  epoch: number;
  chainKey: string;
  /** The iteration we were handed the chain at: earlier posts were never ours to read. */
  start: number;
  /** The iteration whose message key `chainKey` yields next. */
  next: number;
  /** Message keys of iterations we passed without a post, by iteration in decimal. */
  skipped: Record<string, string>;
  signingPublic: string;
  /** Set once the member published this epoch's signing secret: its posts prove nothing now. */
  published: boolean;
}

/** Takes the next message key of our own chain. */
export function nextSendingKey(chain: SendingChain): { chain: SendingChain; iteration: number; messageKey: Uint8Array } {
  const { messageKey, nextChainKey } = ratchet(fromHex(chain.chainKey));
  return {
    chain: { ...chain, chainKey: toHex(nextChainKey), iteration: chain.iteration + 1, posts: chain.posts + 1 },
    iteration: chain.iteration,
    messageKey,
  };
}

export type KeyLookup =
  | { ok: true; chain: ReceivingChain; messageKey: Uint8Array }
  | { ok: false; reason: 'before-key' | 'replay' | 'too-far' };

/**
 * The message key for `iteration`, and the chain as it will be once that key is used. The
 * caller keeps the returned chain only if the post then decrypts, so a post that fails costs
 * nothing. Refuses an iteration from before we were handed the chain, one already used (its
 * key is gone) and one beyond MAX_FORWARD_STEPS.
 */
export function receivingKey(chain: ReceivingChain, iteration: number): KeyLookup {
  if (iteration < chain.start) return { ok: false, reason: 'before-key' };
  if (iteration < chain.next) {
    const key = chain.skipped[String(iteration)];
    if (key === undefined) return { ok: false, reason: 'replay' };
    const skipped = { ...chain.skipped };
    delete skipped[String(iteration)];
    return { ok: true, chain: { ...chain, skipped }, messageKey: fromHex(key) };
  }
  if (iteration - chain.next > MAX_FORWARD_STEPS) return { ok: false, reason: 'too-far' };
  const skipped = { ...chain.skipped };
  let chainKey = fromHex(chain.chainKey);
  for (let i = chain.next; i < iteration; i++) {
    const step = ratchet(chainKey);
    skipped[String(i)] = toHex(step.messageKey);
    chainKey = step.nextChainKey;
  }
  const step = ratchet(chainKey);
  return {
    ok: true,
    chain: { ...chain, chainKey: toHex(step.nextChainKey), next: iteration + 1, skipped: capSkipped(skipped) },
    messageKey: step.messageKey,
  };
}

/** Drops the oldest skipped keys past the cap: a post that old is the least likely to come. */
function capSkipped(skipped: Record<string, string>): Record<string, string> {
  const keys = Object.keys(skipped);
  if (keys.length <= MAX_SKIPPED_KEYS) return skipped;
  const keep = keys.map(Number).sort((a, b) => a - b).slice(keys.length - MAX_SKIPPED_KEYS);
  const out: Record<string, string> = {};
  for (const i of keep) out[String(i)] = skipped[String(i)]!;
  return out;
}
