/**
 * Posting and reading. A post is encrypted once, whatever the number of members, under the
 * next message key of our chain, and signed with the epoch's signing key. A receiver checks,
 * in this order and before any decryption: the sender is a member, we hold their epoch, the
 * signature verifies; only then does it derive forward, and it keeps the chain's new state
 * only if the ciphertext opens.
 */
import { equalBytes, fromHex, fromUtf8, toHex, utf8 } from '../otr/bytes';
import { fail, isOtrError } from '../otr/errors';
import { nextSendingKey, receivingKey } from './chain';
import { NONCE_BYTES, open, seal, sign, verify } from './crypto';
import { applyReveal, rekeyDue, startEpoch } from './epoch';
import { armorGroup, decodeGroupText, type EncodedPost, postBytes, postHeaderBytes } from './post';
import { type GroupEnv, type GroupStepResult, listHashOf, MAX_WAITING_POSTS, requireActive, type RoomState, type RoomStep, runRoom, type TrustMap } from './room';

/** A post's plaintext cap: a chat message, well inside the reassembly cap once armoured. */
export const MAX_POST_BYTES = 16 * 1024;

/** Encrypts `text` once for the room; re-keys first when the chain is due. */
export function postToRoom(env: GroupEnv, state: RoomState, text: string, trust: TrustMap): GroupStepResult {
  return runRoom(env, state, (step) => {
    requireActive(step.state);
    const plaintext = utf8(text);
    if (plaintext.length > MAX_POST_BYTES) fail('invalid-argument', 'post.text', `longer than ${MAX_POST_BYTES} bytes`);
    if (rekeyDue(step)) startEpoch(step, trust, 'rekey');
    const s = step.state;
    const { chain, iteration, messageKey } = nextSendingKey(s.sending!);
    s.sending = chain;
    const associated = postHeaderBytes({ roomId: fromHex(s.roomId), sender: s.me, epoch: chain.epoch, iteration, listHash: listHashOf(s) });
    const nonce = env.random(NONCE_BYTES);
    const ciphertext = seal(messageKey, nonce, associated, plaintext);
    const signature = sign(fromHex(chain.signingSecret), postBytes(associated, nonce, ciphertext, new Uint8Array()));
    const wire = step.channel(armorGroup(postBytes(associated, nonce, ciphertext, signature)));
    step.sent.push({ text, wire });
  });
}

/** A whole group text from the channel (collectGroupText puts pieces together first). */
export function receiveGroupText(env: GroupEnv, state: RoomState, text: string): GroupStepResult {
  return runRoom(env, state, (step) => handleText(step, text, true));
}

function handleText(step: RoomStep, text: string, mayWait: boolean): void {
  let decoded;
  try {
    decoded = decodeGroupText(text);
  } catch (e) {
    if (!isOtrError(e)) throw e;
    return step.drop('malformed', undefined, e.message);
  }
  if (toHex(decoded.roomId) !== step.state.roomId) return step.drop('other-room', decoded.sender);
  if (decoded.kind === 'reveal') {
    if (decoded.sender !== step.state.me) applyReveal(step, decoded.sender, decoded.epoch, decoded.signingSecret);
    return;
  }
  handlePost(step, decoded, text, mayWait);
}

function handlePost(step: RoomStep, post: EncodedPost, text: string, mayWait: boolean): void {
  const s = step.state;
  if (post.sender === s.me) return void step.events.push({ type: 'own-post', epoch: post.epoch, iteration: post.iteration });
  if (s.status !== 'active') return void step.events.push({ type: s.status === 'invited' ? 'not-yet-member' : 'not-member' });
  if (!s.members.includes(post.sender)) return step.drop('non-member', post.sender);
  const chains = s.chains[post.sender] ?? [];
  const chain = chains.find((c) => c.epoch === post.epoch);
  if (!chain) {
    const newest = chains[chains.length - 1];
    if (newest && post.epoch < newest.epoch) return step.drop('unknown-epoch', post.sender);
    if (!mayWait) return void s.waiting.push(text);
    return wait(step, text);
  }
  if (!verify(fromHex(chain.signingPublic), post.signed, post.signature)) return step.drop('forged', post.sender);
  const found = receivingKey(chain, post.iteration);
  if (!found.ok) return step.drop(found.reason, post.sender);
  const plaintext = open(found.messageKey, post.nonce, post.associated, post.ciphertext);
  if (!plaintext) return step.drop('undecryptable', post.sender);
  Object.assign(chain, found.chain);
  step.show.push({
    sender: post.sender,
    text: fromUtf8(plaintext),
    epoch: post.epoch,
    iteration: post.iteration,
    verified: !chain.published,
    listMismatch: !equalBytes(post.listHash, listHashOf(s)),
    wire: text,
  });
}

/** Holds a post until its sender's chain key arrives; the oldest goes first past the cap. */
function wait(step: RoomStep, text: string): void {
  const s = step.state;
  if (s.waiting.includes(text)) return;
  s.waiting.push(text);
  while (s.waiting.length > MAX_WAITING_POSTS) {
    s.waiting.shift();
    step.drop('no-key');
  }
}

/** Tries the waiting posts again (after a chain key arrived); those still without a key stay. */
export function retryWaiting(step: RoomStep): void {
  const waiting = step.state.waiting;
  step.state.waiting = [];
  for (const text of waiting) handleText(step, text, false);
}
