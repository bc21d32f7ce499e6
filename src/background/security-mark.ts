/**
 * The security mark (issue 17 item 1, as Mailvelope's security background): drawn once with
 * crypto.getRandomValues, kept in the background's config store, and handed only to the options
 * page and to frames their content script claimed (port-hub.ts). A page-made frame at the same
 * address is never claimed, so it never gets the mark; nor does any content script.
 */
import type { SecurityMark } from '../messaging/types';

/** 16 colours far enough apart to tell at a glance (a power of two: draws carry no bias). */
export const MARK_COLOURS = [
  '#c62828', '#ad1457', '#6a1b9a', '#4527a0', '#283593', '#1565c0', '#00838f', '#00695c',
  '#2e7d32', '#558b2f', '#9e9d24', '#f9a825', '#ef6c00', '#d84315', '#4e342e', '#37474f',
] as const;

/** 64 symbols that look unlike each other (again a power of two). */
export const MARK_SYMBOLS = [
  '🍎', '🍌', '🍇', '🍉', '🍒', '🍋', '🥕', '🌽', '🍄', '🌵', '🌻', '🌲', '🍁', '🌙', '⭐', '☀️',
  '⚡', '❄️', '🔥', '🌈', '☂️', '⚓', '🚲', '🚀', '⛵', '🚂', '🎈', '🎁', '🎲', '🎸', '🎺', '🥁',
  '🔑', '🔔', '💡', '📎', '✂️', '🧲', '🧭', '⌛', '🐱', '🐶', '🐭', '🐰', '🦊', '🐻', '🐼', '🐨',
  '🐯', '🦁', '🐮', '🐷', '🐸', '🐵', '🐔', '🐧', '🦉', '🦋', '🐢', '🐙', '🐳', '🐬', '🦀', '🐝',
] as const;

const SYMBOL_COUNT = 3;

export function drawSecurityMark(random: (n: number) => Uint8Array): SecurityMark {
  const bytes = random(1 + SYMBOL_COUNT);
  const symbols = Array.from(bytes.subarray(1), (b) => MARK_SYMBOLS[b & 63]!).join('');
  return { colour: MARK_COLOURS[bytes[0]! & 15]!, symbols };
}

/** A stored mark is used only if it is one we could have drawn. */
export function isSecurityMark(v: unknown): v is SecurityMark {
  if (!v || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  return typeof m.colour === 'string' && (MARK_COLOURS as readonly string[]).includes(m.colour) && typeof m.symbols === 'string' && m.symbols.length > 0 && m.symbols.length <= 24;
}
