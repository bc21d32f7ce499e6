/**
 * The plaintext side of OTR (spec: "Unencoded messages"): query messages, whitespace tags and
 * error messages. Classifying an incoming text lives in classify.ts.
 */
import { ERROR_PREFIX, TAG_BASE, TAG_V2, TAG_V3 } from './classify';
import { allowsVersion } from './policy';

export { ERROR_PREFIX };

/** "?OTRv23?" for the versions the policy allows, or '' when it allows none. */
export function queryTag(policy: number): string {
  const versions = (allowsVersion(policy, 2) ? '2' : '') + (allowsVersion(policy, 3) ? '3' : '');
  return versions ? `?OTRv${versions}?` : '';
}

/** A query message with an explanation for people whose client has no OTR. */
export function queryMessage(policy: number, account: string): string {
  const tag = queryTag(policy);
  if (!tag) return '';
  const who = account || 'Your contact';
  return (
    `${tag}\n${who} is asking for an Off-the-Record private conversation, ` +
    'but your chat client does not support OTR. See https://otr.cypherpunks.ca/ for clients that do.'
  );
}

export function whitespaceTag(policy: number): string {
  let tag = TAG_BASE;
  if (allowsVersion(policy, 2)) tag += TAG_V2;
  if (allowsVersion(policy, 3)) tag += TAG_V3;
  return tag;
}

export function errorMessage(text: string): string {
  return `${ERROR_PREFIX} ${text}`;
}

/** Incoming texts are sorted by the one wire classifier (classify.ts), shared with the extension. */
export { classify, type WireText as Classified } from './classify';
