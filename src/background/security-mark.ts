/**
 * The security mark (issue 17 item 1, as Mailvelope's security background): drawn once with
 * crypto.getRandomValues, kept in the background's config store, and handed only to the options
 * page and to frames their content script claimed (port-hub.ts). A page-made frame at the same
 * address is never claimed, so it never gets the mark; nor does any content script.
 */
import type { SecurityMark } from '../messaging/types';

/**
 * 16 colours far enough apart to tell at a glance, each dark enough for white symbols (contrast
 * 4.5:1 or more); a power of two, so draws carry no bias.
 */
export const MARK_COLOURS = [
  '#c62828', '#ad1457', '#6a1b9a', '#4527a0', '#283593', '#1565c0', '#006064', '#00695c',
  '#2e7d32', '#33691e', '#6d6a00', '#8a5a00', '#b34700', '#212121', '#4e342e', '#37474f',
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
