/**
 * The stored forms of the key store (IndexedDB stores 'keys' and 'meta'), and strict readers
 * for them: anything unexpected is a StoreError ('corrupt' or 'version'), never a default.
 */
import { fingerprint, privateKeyFromJson, privateKeyToJson, type DsaPrivateKey, type DsaPrivateKeyJson } from '../otr/dsa';
import { toHex } from '../otr/bytes';
import { isValidInstanceTag } from '../otr/instance-tag';
import { storeFail } from './errors';
import { isSealed, type Sealed, type ScryptParams } from './sealing';

export const KEY_FORMAT = 1;

export interface KeyRecord {
  id: string;
  format: typeof KEY_FORMAT;
  createdAt: number;
  /** 40 lowercase hex; public, so keys can be listed while locked. */
  fingerprint: string;
  clear?: DsaPrivateKeyJson;
  sealed?: Sealed;
}

/** An account OffRecord has seen; keyId null = it uses the identity key. */
export interface AccountRecord {
  site: string;
  account: string;
  keyId: string | null;
}

export interface PassphraseRecord {
  salt: string;
  params: ScryptParams;
  verifier: Sealed;
}

export const VERIFIER_TEXT = 'offrecord-passphrase-check';

export function fingerprintHex(key: DsaPrivateKey): string {
  return toHex(fingerprint(key));
}

export function keyJson(key: DsaPrivateKey): string {
  return JSON.stringify(privateKeyToJson(key));
}

export function keyFromJsonText(text: string, id: string): DsaPrivateKey {
  try {
    return privateKeyFromJson(JSON.parse(text));
  } catch {
    return storeFail('corrupt', `stored key ${id} does not parse`);
  }
}

export function readKeyRecord(v: unknown, id: string): KeyRecord {
  if (typeof v !== 'object' || v === null) storeFail('corrupt', `key record ${id} is missing or not an object`);
  const r = v as Record<string, unknown>;
  if (r.format !== KEY_FORMAT) {
    storeFail('version', `key record ${id} has format ${String(r.format)}; this OffRecord reads format ${KEY_FORMAT}`);
  }
  if (r.id !== id || typeof r.createdAt !== 'number' || typeof r.fingerprint !== 'string' || !/^[0-9a-f]{40}$/.test(r.fingerprint)) {
    storeFail('corrupt', `key record ${id} has bad fields`);
  }
  if ((r.clear === undefined) === (r.sealed === undefined)) storeFail('corrupt', `key record ${id} must hold a clear or a sealed key`);
  if (r.sealed !== undefined && !isSealed(r.sealed)) storeFail('corrupt', `key record ${id} has a bad sealed key`);
  return v as KeyRecord;
}

/** Parses a clear record's key and checks it matches the stored fingerprint. */
export function clearKeyOf(record: KeyRecord): DsaPrivateKey {
  const key = keyFromJsonText(JSON.stringify(record.clear), record.id);
  if (fingerprintHex(key) !== record.fingerprint) storeFail('corrupt', `key record ${record.id} does not match its fingerprint`);
  return key;
}

export function readAccounts(v: unknown): AccountRecord[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) storeFail('corrupt', 'the account list is not a list');
  for (const a of v) {
    const ok =
      typeof a === 'object' && a !== null && typeof a.site === 'string' && typeof a.account === 'string' &&
      (a.keyId === null || typeof a.keyId === 'string');
    if (!ok) storeFail('corrupt', 'an account record has bad fields');
  }
  return v as AccountRecord[];
}

export function readInstanceTags(v: unknown): Record<string, number> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null) storeFail('corrupt', 'the instance tags are not a map');
  for (const tag of Object.values(v)) if (!isValidInstanceTag(tag)) storeFail('corrupt', 'a stored instance tag is invalid');
  return v as Record<string, number>;
}

export function readPassphrase(v: unknown): PassphraseRecord | null {
  if (v === undefined) return null;
  const r = v as PassphraseRecord;
  const ok =
    typeof r === 'object' && r !== null && typeof r.salt === 'string' && /^[0-9a-f]{32,}$/.test(r.salt) &&
    typeof r.params === 'object' && r.params !== null && Number.isInteger(r.params.N) && Number.isInteger(r.params.r) &&
    Number.isInteger(r.params.p) && isSealed(r.verifier);
  if (!ok) storeFail('corrupt', 'the passphrase record has bad fields');
  return r;
}

/**
 * Instance tags kept at most beyond those in `keep` (issue 17 item 7): account names come from
 * the page, and every account that receives an OTR message gets a tag, so a page naming new
 * accounts again and again would grow the record without bound. Equal to the account list's cap.
 */
export const INSTANCE_TAG_CAP = 256;

/**
 * Drops the oldest tags (insertion order) beyond INSTANCE_TAG_CAP, never one in `keep` (accounts
 * with a key of their own, the tag just made, those a private conversation or a key exchange
 * relies on). A dropped tag is made anew at the account's next use: its peers see a new instance
 * of us, as after a reinstall, and the next key exchange goes to it. Returns how many went.
 */
export function pruneInstanceTags(tags: Record<string, number>, keep: ReadonlySet<string>): number {
  let excess = Object.keys(tags).filter((k) => !keep.has(k)).length - INSTANCE_TAG_CAP;
  let dropped = 0;
  for (const key of Object.keys(tags)) {
    if (excess <= 0) break;
    if (keep.has(key)) continue;
    delete tags[key];
    excess--;
    dropped++;
  }
  return dropped;
}

export function accountKey(site: string, account: string): string {
  return JSON.stringify([site, account]);
}
