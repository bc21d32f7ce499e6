/**
 * History never talks back (issue 11). Messages the page shows from before this page load
 * ("history") are fed to the engine once, in page order, so keys and counters advance and
 * decrypted text can be shown; but what the engine wants to send in answer is dropped, with
 * one exception that lets two people who are never online together finish an AKE.
 *
 * The rule, in full:
 * 1. Query messages, whitespace-tagged or plain text, and OTR error messages from history are
 *    not fed at all: they start nothing (no AKE, no query back, no error back).
 * 2. Encoded messages and fragments are fed. Of the wire texts the step produced, only these
 *    go out:
 *    - a D-H Key message, when we had no private session before the step (the answer to a
 *      D-H Commit addressed to us) or an AKE was already under way (a retransmission);
 *    - a Reveal Signature or Signature message, when an AKE was under way before the step
 *      (the next message of an AKE we are in);
 *    - our own D-H Commit again, when we were awaiting a D-H Key (the spec's answer to two
 *      crossing commits: the higher hash resends its commit);
 *    - data messages carrying text the user typed and that waited for the conversation to
 *      become private, when this step completed the AKE.
 *    Everything else is dropped: error messages about unreadable data, a D-H Key answering a
 *    re-key while private, SMP answers, heartbeats, disconnect notices.
 * 3. A conversation whose saved record could not be read (ended 'corrupt') answers no history at
 *    all: the marks of what it had read went with the record (session-manager.ts).
 */
import type { ConversationState, StepResult } from '../otr/index';
import { classify, isEncodedWire, type EncodedMessage, type WireText } from '../otr/classify';

type OutKind = Exclude<EncodedMessage, 'unknown'> | 'other';

/** Rule 1: whether a history text is fed to the engine at all (encoded messages and fragments). */
export function feedsFromHistory(wire: WireText): boolean {
  return isEncodedWire(wire);
}

/** The message type of an encoded message, from the base64 of its version and type bytes. */
function kindOf(encoded: string): OutKind {
  const c = classify(encoded.trim());
  return c.kind === 'encoded' && c.message !== 'unknown' ? c.message : 'other';
}

/** Groups the step's wire texts into whole messages (pieces of one fragmented message together). */
function wireMessages(send: string[]): { kind: OutKind; texts: string[] }[] {
  const out: { kind: OutKind; texts: string[] }[] = [];
  let pieces: string[] = [];
  let joined = '';
  for (const text of send) {
    const c = classify(text);
    const m = c.kind === 'fragment' && c.text === text ? c.header : null;
    if (!m) {
      out.push({ kind: kindOf(text), texts: [text] });
      continue;
    }
    pieces.push(text);
    joined += m.piece;
    if (m.k >= m.n) {
      out.push({ kind: kindOf(joined), texts: pieces });
      pieces = [];
      joined = '';
    }
  }
  if (pieces.length > 0) out.push({ kind: 'other', texts: pieces });
  return out;
}

/** Rule 2: the wire texts a history message may answer with (a subset of `result.send`). */
export function historyReplies(before: ConversationState, result: StepResult): string[] {
  const instances = Object.values(before.instances);
  const akeUnderWay = instances.some((i) => i.ake.state !== 'NONE');
  const awaitingDhKey = instances.some((i) => i.ake.state === 'AWAITING_DHKEY');
  const wasPrivate = instances.some((i) => i.msgstate === 'ENCRYPTED');
  const completed = result.events.some((e) => e.type === 'gone_secure' || e.type === 'still_secure');
  const flushed = new Set(completed ? result.sent.flatMap((m) => m.wire) : []);
  const allowed = (m: { kind: OutKind; texts: string[] }): boolean => {
    switch (m.kind) {
      case 'dh-key':
        return !wasPrivate || akeUnderWay;
      case 'reveal-signature':
      case 'signature':
        return akeUnderWay;
      case 'dh-commit':
        return awaitingDhKey;
      case 'data':
        return m.texts.every((t) => flushed.has(t));
      default:
        return false;
    }
  };
  return wireMessages(result.send).filter(allowed).flatMap((m) => m.texts);
}
