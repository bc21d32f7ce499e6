/**
 * Fragmentation (spec: "Fragmentation"): splitting an encoded message to fit a network's
 * length limit, and the reassembly rules for incoming pieces.
 */
import { fail } from './errors';
import { isValidInstanceTag } from './instance-tag';

/**
 * Overhead of one fragment as libotr 4.1.1 counts it (proto.c): the header with five-digit
 * counters, the trailing comma and the C string's NUL. Counting the same way means a
 * `--max N` produces the same number of fragments here as in libotr.
 */
const OVERHEAD_V3 = 37;
const OVERHEAD_V2 = 19;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const dec5 = (n: number) => n.toString().padStart(5, '0');

export function fragmentMessage(
  message: string,
  maxSize: number,
  version: 2 | 3,
  senderTag = 0,
  receiverTag = 0,
): string[] {
  if (maxSize <= 0 || message.length <= maxSize) return [message];
  const overhead = version === 3 ? OVERHEAD_V3 : OVERHEAD_V2;
  const pieceLength = maxSize - overhead;
  if (pieceLength < 1) fail('invalid-argument', 'fragment.maxSize', `must exceed ${overhead}`);
  const count = Math.ceil(message.length / pieceLength);
  if (count > 65535) fail('invalid-argument', 'fragment.maxSize', 'message needs more than 65535 fragments');
  const out: string[] = [];
  for (let k = 1; k <= count; k++) {
    const piece = message.slice((k - 1) * pieceLength, k * pieceLength);
    const prefix = version === 3 ? `?OTR|${hex8(senderTag)}|${hex8(receiverTag)},` : '?OTR,';
    out.push(`${prefix}${dec5(k)},${dec5(count)},${piece},`);
  }
  return out;
}

export interface Fragment {
  version: 2 | 3;
  senderTag: number;
  receiverTag: number;
  k: number;
  n: number;
  piece: string;
}

// The spec: each piece is non-empty (libotr's parse needs a character there too).
const V3_FRAGMENT = /^\?OTR\|([0-9a-fA-F]{1,8})\|([0-9a-fA-F]{1,8}),(\d{1,5}),(\d{1,5}),([^,]+),/;
const V2_FRAGMENT = /^\?OTR,(\d{1,5}),(\d{1,5}),([^,]+),/;

export function parseFragment(text: string): Fragment {
  const v3 = V3_FRAGMENT.exec(text);
  if (v3) {
    const senderTag = parseInt(v3[1]!, 16);
    const receiverTag = parseInt(v3[2]!, 16);
    if (!isValidInstanceTag(senderTag)) fail('wrong-instance', 'fragment.senderTag', 'invalid sender instance tag');
    if (receiverTag !== 0 && !isValidInstanceTag(receiverTag)) fail('wrong-instance', 'fragment.receiverTag');
    return checkCounts({ version: 3, senderTag, receiverTag, k: +v3[3]!, n: +v3[4]!, piece: v3[5]! });
  }
  const v2 = V2_FRAGMENT.exec(text);
  if (v2) return checkCounts({ version: 2, senderTag: 0, receiverTag: 0, k: +v2[1]!, n: +v2[2]!, piece: v2[3]! });
  return fail('fragment', 'fragment', 'not a fragment');
}

function checkCounts(f: Fragment): Fragment {
  if (f.k === 0 || f.n === 0 || f.k > f.n || f.n > 65535) fail('fragment', 'fragment.k', `piece ${f.k} of ${f.n}`);
  return f;
}

/** Pieces collected so far from one sender; plain JSON. */
export interface Reassembly {
  k: number;
  n: number;
  text: string;
}

export const emptyReassembly = (): Reassembly => ({ k: 0, n: 0, text: '' });

/** Upper bound on a reassembled message, so a peer cannot make us hold unbounded text. */
export const MAX_REASSEMBLED_LENGTH = 1 << 20;

/**
 * The spec's rules: piece 1 starts over; piece k+1 of the same n continues; anything else
 * throws away what was collected. Returns the whole message when the last piece arrives.
 */
export function addFragment(state: Reassembly, f: Fragment): { state: Reassembly; complete?: string } {
  let next: Reassembly;
  if (f.k === 1) next = { k: 1, n: f.n, text: f.piece };
  else if (state.n === f.n && f.k === state.k + 1) next = { k: f.k, n: f.n, text: state.text + f.piece };
  else return { state: emptyReassembly() };
  if (next.text.length > MAX_REASSEMBLED_LENGTH) return { state: emptyReassembly() };
  if (next.k === next.n) return { state: emptyReassembly(), complete: next.text };
  return { state: next };
}
