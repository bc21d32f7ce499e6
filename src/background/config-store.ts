/**
 * Sites (built-in and user-added) with their policy and fragment size, and settings. Lives in
 * the database's 'config' store (migration 002). Built-in sites are data; the user may change
 * their policy and fragment size but not remove them.
 */
import type { SecurityMark, Settings, SitePolicy, SiteView } from '../messaging/types';
import { drawSecurityMark, isSecurityMark } from './security-mark';
import { POLICY_ALWAYS, POLICY_MANUAL, POLICY_OPPORTUNISTIC } from '../otr/policy';
import { toHex } from '../otr/bytes';
import { patternCoversOrigin } from '../messaging/sites';
import { originsOf, SITE_RECORDS } from '../adapters/sites/records';
import { toMatchPattern } from './content-scripts';
import { storeFail } from './errors';
import { getRecord, write } from './idb';

/**
 * Every site OffRecord has an adapter for, from the adapters' own records (the one site table):
 * each gets a policy row and is listed in Settings with its fragment size (issue 17).
 */
export const BUILT_IN_SITES: readonly Omit<SiteView, 'policy'>[] = SITE_RECORDS.map((s) => ({
  id: s.id,
  name: s.name,
  builtIn: true,
  origins: originsOf(s),
  fragmentSize: s.fragmentSize,
}));

const STRICTNESS: Record<SitePolicy, number> = { manual: 0, opportunistic: 1, always: 2 };

/** What applies to a page: its policy and fragment size, and the site rows that decided them. */
export interface OriginPolicy {
  policy: SitePolicy;
  fragmentSize: number;
  sites: string[];
}

/**
 * Policy by the page's origin (issue 17 item 3), never by the adapter id a content script names:
 * every site row (built-in, fixed-address or user-added) whose addresses cover the origin
 * counts, and the strictest policy wins, so "Always" on any row for that origin is never
 * silently manual. Fragment size is no security matter: that of the row the content script's
 * adapter names, if it covers the origin (The Lounge and Converse share loopback but not their
 * limits), else the smallest non-zero one. An origin no row covers (nothing the user chose) is
 * manual with no fragmenting; an unknown adapter on a covered origin gets no fragmenting either.
 */
export function resolvePolicy(sites: readonly SiteView[], origin: string, adapterId?: string): OriginPolicy {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { policy: 'manual', fragmentSize: 0, sites: [] };
  }
  const rows = sites.filter((s) => s.origins.some((o) => {
    const pattern = toMatchPattern(o);
    return pattern !== null && patternCoversOrigin(pattern, url);
  }));
  let policy: SitePolicy = 'manual';
  let fragmentSize = 0;
  for (const r of rows) {
    if (STRICTNESS[r.policy] > STRICTNESS[policy]) policy = r.policy;
    if (r.fragmentSize > 0) fragmentSize = fragmentSize > 0 ? Math.min(fragmentSize, r.fragmentSize) : r.fragmentSize;
  }
  if (adapterId !== undefined) fragmentSize = rows.find((r) => r.id === adapterId)?.fragmentSize ?? 0;
  return { policy, fragmentSize, sites: rows.map((r) => r.id) };
}


/**
 * Public store addresses for an extension named OffRecord. The Chrome Web Store's detail address
 * needs the id the store assigns on publication, so the default is the store's search for the
 * name; addons.mozilla.org addresses by the slug chosen on submission. Both are settings.
 */
export const DEFAULT_STORE_LINKS = {
  chrome: 'https://chromewebstore.google.com/search/OffRecord',
  firefox: 'https://addons.mozilla.org/firefox/addon/offrecord/',
} as const;

export const DEFAULT_SETTINGS: Settings = { historyRetention: 'off', idleDays: 7, contactLog: true, storeLinks: { ...DEFAULT_STORE_LINKS } };

type Override = { policy?: SitePolicy; fragmentSize?: number };
interface ConfigRecords {
  sites: SiteView[]; // user-added
  overrides: Record<string, Override>; // built-in id -> changes
  settings: Settings;
  securityMark: SecurityMark;
}

export function policyBits(policy: SitePolicy): number {
  return policy === 'always' ? POLICY_ALWAYS : policy === 'opportunistic' ? POLICY_OPPORTUNISTIC : POLICY_MANUAL;
}

export class ConfigStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly random: (n: number) => Uint8Array,
  ) {}

  private async read<K extends keyof ConfigRecords>(key: K, fallback: ConfigRecords[K]): Promise<ConfigRecords[K]> {
    const v = await getRecord(this.db, 'config', key);
    if (v === undefined) return fallback;
    if (typeof v !== 'object' || v === null) storeFail('corrupt', `config record ${key} is not an object`);
    return v as ConfigRecords[K];
  }

  private put<K extends keyof ConfigRecords>(key: K, value: ConfigRecords[K]): Promise<void> {
    return write(this.db, ['config'], (tx) => tx.objectStore('config').put(value, key));
  }

  async sites(): Promise<SiteView[]> {
    const overrides = await this.read('overrides', {});
    const builtIn = BUILT_IN_SITES.map((s) => ({ ...s, policy: 'manual' as SitePolicy, ...overrides[s.id] }));
    return [...builtIn, ...(await this.read('sites', []))];
  }

  /** The site's settings; unknown sites (e.g. a generic adapter) get manual and no fragmenting. */
  async site(id: string): Promise<SiteView> {
    return (await this.sites()).find((s) => s.id === id) ?? { id, name: id, builtIn: false, origins: [], policy: 'manual', fragmentSize: 0 };
  }

  async policyFor(origin: string, adapterId?: string): Promise<OriginPolicy> {
    return resolvePolicy(await this.sites(), origin, adapterId);
  }

  async addSite(input: { name: string; origins: string[]; policy?: SitePolicy; fragmentSize?: number }): Promise<SiteView> {
    const site: SiteView = {
      id: `user-${toHex(this.random(6))}`,
      name: input.name,
      builtIn: false,
      origins: input.origins,
      policy: input.policy ?? 'manual',
      fragmentSize: input.fragmentSize ?? 0,
    };
    await this.put('sites', [...(await this.read('sites', [])), site]);
    return site;
  }

  async updateSite(id: string, change: Override): Promise<SiteView> {
    const clean: Override = {};
    if (change.policy !== undefined) clean.policy = change.policy;
    if (change.fragmentSize !== undefined) clean.fragmentSize = change.fragmentSize;
    if (BUILT_IN_SITES.some((s) => s.id === id)) {
      const overrides = await this.read('overrides', {});
      overrides[id] = { ...overrides[id], ...clean };
      await this.put('overrides', overrides);
    } else {
      const sites = await this.read('sites', []);
      const i = sites.findIndex((s) => s.id === id);
      if (i < 0) storeFail('not-found', `no site ${id}`);
      sites[i] = { ...sites[i]!, ...clean };
      await this.put('sites', sites);
    }
    return this.site(id);
  }

  async removeSite(id: string): Promise<void> {
    if (BUILT_IN_SITES.some((s) => s.id === id)) storeFail('invalid', 'built-in sites cannot be removed');
    const sites = await this.read('sites', []);
    if (!sites.some((s) => s.id === id)) storeFail('not-found', `no site ${id}`);
    await this.put('sites', sites.filter((s) => s.id !== id));
  }

  async settings(): Promise<Settings> {
    return { ...DEFAULT_SETTINGS, ...(await this.read('settings', DEFAULT_SETTINGS)) };
  }

  async setSettings(change: Partial<Settings>): Promise<Settings> {
    const next = { ...(await this.settings()), ...change };
    await this.put('settings', next);
    return next;
  }

  /** The security mark, drawn on first use (and again if the stored one is not a valid mark). */
  async securityMark(): Promise<SecurityMark> {
    const stored = await getRecord(this.db, 'config', 'securityMark');
    if (isSecurityMark(stored)) return stored;
    return this.newSecurityMark();
  }

  /** The user asked for another mark (options page). */
  async newSecurityMark(): Promise<SecurityMark> {
    const mark = drawSecurityMark(this.random);
    await this.put('securityMark', mark);
    return mark;
  }
}
