/**
 * Splitting a group text to a site's length limit and putting it back together. A piece is
 * `?OTR-G|<id>|<k>|<n>|<slice>`: the id (8 hex digits, random per text) keeps apart the pieces
 * of posts that several members send at once, which a channel interleaves. Reassembly is
 * bounded like OTR's (src/otr/fragment.ts): a cap on pieces, on text length and on texts
 * collected at once, so a flood of pieces cannot grow the state.
 */
import type { RandomBytes } from '../otr/group';
import { toHex } from '../otr/bytes';
import { fail } from '../otr/errors';
import { GROUP_FRAGMENT_PREFIX } from './post';

export const MAX_PIECES = 999;
/** A reassembled text longer than this is dropped (a post's plaintext is capped far below it). */
export const MAX_GROUP_TEXT_LENGTH = 1 << 17;
/** Texts being collected at once, from every sender together; the oldest is dropped past it. */
export const MAX_PENDING_TEXTS = 32;
/** `?OTR-G|` + id + three bars + two 3-digit counters. */
const MAX_OVERHEAD = GROUP_FRAGMENT_PREFIX.length + 8 + 3 + 3 + 3;

export function fragmentGroupText(text: string, maxSize: number, random: RandomBytes): string[] {
  if (maxSize <= 0 || text.length <= maxSize) return [text];
  const pieceLength = maxSize - MAX_OVERHEAD;
  if (pieceLength < 1) fail('invalid-argument', 'fragment.maxSize', `must exceed ${MAX_OVERHEAD}`);
  const count = Math.ceil(text.length / pieceLength);
  if (count > MAX_PIECES) fail('invalid-argument', 'fragment.maxSize', `text needs more than ${MAX_PIECES} pieces`);
  const id = toHex(random(4));
  const out: string[] = [];
  for (let k = 1; k <= count; k++) out.push(`${GROUP_FRAGMENT_PREFIX}${id}|${k}|${count}|${text.slice((k - 1) * pieceLength, k * pieceLength)}`);
  return out;
}

export interface GroupFragment {
  id: string;
  k: number;
  n: number;
  piece: string;
}

const PIECE = /^\?OTR-G\|([0-9a-f]{8})\|(\d{1,3})\|(\d{1,3})\|([^|\s]*)$/;

export function parseGroupFragment(text: string): GroupFragment {
  const m = PIECE.exec(text.trim());
  if (!m) return fail('fragment', 'group-fragment', 'not a group fragment');
  const f = { id: m[1]!, k: +m[2]!, n: +m[3]!, piece: m[4]! };
  if (f.k < 1 || f.n < 2 || f.k > f.n) fail('fragment', 'group-fragment.k', `piece ${f.k} of ${f.n}`);
  return f;
}

/** Texts being collected, keyed by who posted them on the site and the text's id; plain JSON. */
export interface GroupReassembly {
  pending: { key: string; n: number; pieces: (string | null)[]; length: number }[];
}

export const emptyGroupReassembly = (): GroupReassembly => ({ pending: [] });

/**
 * Adds one piece; returns the whole text when its last missing piece arrives. Pieces may come
 * in any order; a piece that disagrees with the count already seen restarts that text.
 */
export function addGroupFragment(
  state: GroupReassembly,
  from: string,
  f: GroupFragment,
): { state: GroupReassembly; complete?: string } {
  const key = `${from}\u0000${f.id}`;
  const pending = state.pending.filter((p) => p.key !== key);
  let entry = state.pending.find((p) => p.key === key);
  if (!entry || entry.n !== f.n) entry = { key, n: f.n, pieces: Array<string | null>(f.n).fill(null), length: 0 };
  else entry = { ...entry, pieces: [...entry.pieces] };
  const before = entry.pieces[f.k - 1];
  entry.length += f.piece.length - (before?.length ?? 0);
  entry.pieces[f.k - 1] = f.piece;
  if (entry.length > MAX_GROUP_TEXT_LENGTH) return { state: { pending } };
  if (entry.pieces.every((p) => p !== null)) return { state: { pending }, complete: entry.pieces.join('') };
  pending.push(entry);
  while (pending.length > MAX_PENDING_TEXTS) pending.shift();
  return { state: { pending } };
}
