/**
 * Webmail's outbox for wire texts (issue 14). On a mail view there is no composer: what the
 * engine answers there (the next AKE message, a text that waited for the AKE) can only leave in
 * the user's reply. It is kept here until a compose screen for the same conversation opens, and
 * goes out as that screen's mail. Only ciphertext and protocol messages are kept (never
 * plaintext); the extension's own storage, which the page cannot read.
 */
import browser from 'webextension-polyfill';

const key = (conversationId: string) => `mailOutbox:${conversationId}`;

export async function holdForReply(conversationId: string, text: string): Promise<void> {
  const k = key(conversationId);
  const stored = (await browser.storage.local.get(k))[k];
  const held = Array.isArray(stored) ? (stored as string[]) : [];
  await browser.storage.local.set({ [k]: [...held, text] });
}

/** Takes what waits for this conversation (at most once: it is removed as it is read). */
export async function takeHeld(conversationId: string): Promise<string[]> {
  const k = key(conversationId);
  const stored = (await browser.storage.local.get(k))[k];
  if (!Array.isArray(stored) || stored.length === 0) return [];
  await browser.storage.local.remove(k);
  return stored.filter((t): t is string => typeof t === 'string');
}
