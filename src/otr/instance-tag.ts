/**
 * Instance tags (spec: "Instance Tags"): 32-bit values naming one client of an account, so two
 * logins of the same account can each hold their own OTR session. Valid tags are >= 0x100;
 * 0 means "not known yet" and 1..0xff are reserved.
 */
import { fail } from './errors';
import type { RandomBytes } from './group';

export const MIN_INSTANCE_TAG = 0x100;
const MAX_INSTANCE_TAG = 0xffffffff;

/** A uniform 32-bit value, redrawn while below 0x100 (as libotr's otrl_instag_get_new does). */
export function generateInstanceTag(random: RandomBytes): number {
  for (;;) {
    const b = random(4);
    if (b.length !== 4) fail('invalid-argument', 'random', 'returned the wrong number of bytes');
    const tag = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (tag >= MIN_INSTANCE_TAG) return tag;
  }
}

export function isValidInstanceTag(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= MIN_INSTANCE_TAG && n <= MAX_INSTANCE_TAG;
}

/** Eight lowercase hex digits, the form libotr writes in otr.instance_tags. */
export function formatInstanceTag(n: number): string {
  if (!isValidInstanceTag(n)) fail('invalid-argument', 'instanceTag', `not a valid instance tag: ${String(n)}`);
  return n.toString(16).padStart(8, '0');
}

/** Eight hex digits, any case; values below 0x100 are rejected. */
export function parseInstanceTag(text: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(text)) fail('malformed', 'instanceTag', 'expected 8 hex digits');
  const n = parseInt(text, 16);
  if (n < MIN_INSTANCE_TAG) fail('out-of-range', 'instanceTag', 'below 0x100');
  return n;
}
