/**
 * What kind of OTR traffic a scraped text is, from its public header only (spec "Data types",
 * "Fragmentation", "Query messages"), so the overlay can pick a status line or a reader frame
 * without asking the background. Never decrypts anything.
 */
const TAG_BASE = ' \t  \t\t\t\t \t \t \t  ';

export type WireKind = 'query' | 'tagged' | 'error' | 'fragment' | 'ake' | 'data' | 'other-otr' | 'plain';

export function looksLikeOtr(text: string): boolean {
  return text.includes('?OTR') || text.includes(TAG_BASE);
}

/** `text` is already normalised by the adapter (normalizeScrapedText). */
export function wireKind(text: string): WireKind {
  const t = text.trim();
  if (/^\?OTR[|,]/.test(t)) return 'fragment';
  if (t.startsWith('?OTR Error:')) return 'error';
  if (t.startsWith('?OTR:')) {
    // The base64 of the first 3 bytes (version 2 bytes, type 1 byte) is the first 4 characters.
    const head = t.slice(5, 9);
    if (head === 'AAMD' || head === 'AAID') return 'data';
    if (/^AA[MI][CKRS]$/.test(head)) return 'ake';
    return 'other-otr';
  }
  if (/^\?OTR(v\d*)?\??/.test(t)) return 'query';
  if (t.includes(TAG_BASE)) return 'tagged';
  return t.includes('?OTR') ? 'other-otr' : 'plain';
}

/** The compact status line shown instead of protocol traffic. */
export function statusText(kind: WireKind, own: boolean): string {
  switch (kind) {
    case 'query':
      return own ? 'You asked for a private conversation' : 'Asked for a private conversation';
    case 'ake':
      return 'Private conversation handshake';
    case 'fragment':
      return own ? 'Part of an encrypted message you sent' : 'Part of an encrypted message';
    case 'error':
      return 'OTR error reported by the other side';
    case 'data':
      return own ? 'Encrypted control message you sent (verification or keep-alive)' : 'Encrypted control message (verification or keep-alive)';
    default:
      return 'Private conversation protocol message';
  }
}
