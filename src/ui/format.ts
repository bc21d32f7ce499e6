/** Display helpers shared by the popup and options page. */

/**
 * libotr's human form of a fingerprint: 40 uppercase hex digits in 5 groups of 8
 * (otrl_privkey_hash_to_human). Accepts the grouped or the plain form.
 */
export function fingerprintGroups(fingerprint: string): string[] {
  const hex = fingerprint.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  const groups: string[] = [];
  for (let i = 0; i < hex.length; i += 8) groups.push(hex.slice(i, i + 8));
  return groups;
}

export function formatFingerprint(fingerprint: string): string {
  return fingerprintGroups(fingerprint).join(' ');
}

/** Same fingerprint whatever its spacing or case. */
export function sameFingerprint(a: string, b: string): boolean {
  return formatFingerprint(a) === formatFingerprint(b);
}

export function formatDate(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "bob" or "bob (as alice)" for a peer seen from one of our accounts. */
export function accountLabel(site: string, account: string): string {
  return account ? `${account} · ${site}` : site;
}
