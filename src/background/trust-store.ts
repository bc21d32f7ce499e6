/**
 * Peers' fingerprints and trust (DESIGN.md §4, issue 8). Trust belongs to a fingerprint: a key
 * verified on one site is verified wherever it appears. Each (site, account, peer) remembers the
 * fingerprint last accepted for it; a different one is a blocking warning until acknowledged.
 */
import { fromHex } from '../otr/bytes';
import { formatFingerprint, parseFingerprint } from '../otr/dsa';
import { toHex } from '../otr/bytes';
import type { PeerSighting, PeerView, Trust } from '../messaging/types';
import { storeFail } from './errors';
import { getAll, getRecord, write } from './idb';

interface PeerRecord {
  fingerprint: string; // 40 lowercase hex
  trust: Trust;
  firstSeen: number;
  lastSeen: number;
  seen: PeerSighting[];
}

interface ContactRecord {
  id: string; // JSON [site, account, peer]
  site: string;
  account: string;
  peer: string;
  fingerprint: string; // last accepted
  /** Set while an unacknowledged different fingerprint is in use. */
  changedTo?: string;
}

export interface Observation {
  /** Non-null when this contact showed a different fingerprint before: the blocking warning. */
  changed: { previous: string; current: string } | null;
  trust: Trust;
}

/** Any accepted fingerprint form to 40 lowercase hex. */
export function normalizeFingerprint(fp: string): string {
  return toHex(parseFingerprint(fp));
}

export function humanFingerprint(hex: string): string {
  return formatFingerprint(fromHex(hex));
}

const contactId = (site: string, account: string, peer: string) => JSON.stringify([site, account, peer]);

/**
 * Sightings kept per fingerprint (issue 17): a page that rotates account or peer names cannot
 * grow one record without bound; the least recently seen goes first.
 */
export const MAX_SIGHTINGS = 32;

function capSightings(record: PeerRecord): void {
  if (record.seen.length <= MAX_SIGHTINGS) return;
  // Most recent first; equal times (no contact log keeps none) by order of arrival, newest first.
  const order = record.seen.map((s, i) => ({ s, i })).sort((a, b) => b.s.lastSeen - a.s.lastSeen || b.i - a.i);
  record.seen = order.slice(0, MAX_SIGHTINGS).map((o) => o.s);
}

export class TrustStore {
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * Each fingerprint's trust as last read or written here, the one writer of the peers store:
   * every step of a conversation builds its view with its trust, and a read of IndexedDB per
   * message waited behind the conversation's own write (~10–30 ms on a loaded machine).
   */
  private trusts = new Map<string, Trust>();
  /** Counts writes, so that a read which began before one never caches what it replaced. */
  private writes = 0;

  /**
   * `contactLog` false (Settings › Privacy): no first/last-seen times are kept, only which
   * fingerprint each contact uses (the changed-key warning needs that much).
   */
  contactLog = true;

  constructor(
    private readonly db: IDBDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** The time to record: 0 when the user keeps no contact log. */
  private stamp(): number {
    return this.contactLog ? this.now() : 0;
  }

  /** Drops every first/last-seen time already kept (the user turned the contact log off). */
  forgetTimes(): Promise<void> {
    return this.serial(async () => {
      const records = (await getAll(this.db, 'peers')) as PeerRecord[];
      await write(this.db, ['peers'], (tx) => {
        for (const r of records) {
          tx.objectStore('peers').put({ ...r, firstSeen: 0, lastSeen: 0, seen: r.seen.map((x) => ({ ...x, firstSeen: 0, lastSeen: 0 })) });
        }
      });
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async peer(fp: string): Promise<PeerRecord | undefined> {
    const r = (await getRecord(this.db, 'peers', fp)) as PeerRecord | undefined;
    if (r !== undefined && (typeof r !== 'object' || !Array.isArray(r.seen))) storeFail('corrupt', `peer record ${fp} has bad fields`);
    return r;
  }

  /** Records that `peer` on (site, account) presented `fingerprint` in an AKE. */
  observe(site: string, account: string, peer: string, fingerprint: string): Promise<Observation> {
    return this.serial(async () => {
      const fp = normalizeFingerprint(fingerprint);
      const t = this.stamp();
      const record: PeerRecord = (await this.peer(fp)) ?? { fingerprint: fp, trust: 'unverified', firstSeen: t, lastSeen: t, seen: [] };
      record.lastSeen = t;
      const sighting = record.seen.find((s) => s.site === site && s.account === account && s.peer === peer);
      if (sighting) sighting.lastSeen = t;
      else record.seen.push({ site, account, peer, firstSeen: t, lastSeen: t });
      capSightings(record);
      const id = contactId(site, account, peer);
      const contact = (await getRecord(this.db, 'contacts', id)) as ContactRecord | undefined;
      let changed: Observation['changed'] = null;
      let next: ContactRecord;
      if (!contact) next = { id, site, account, peer, fingerprint: fp };
      else if (contact.fingerprint === fp) next = { ...contact, changedTo: undefined };
      else {
        changed = { previous: humanFingerprint(contact.fingerprint), current: humanFingerprint(fp) };
        next = { ...contact, changedTo: fp };
      }
      await write(this.db, ['peers', 'contacts'], (tx) => {
        tx.objectStore('peers').put(record);
        tx.objectStore('contacts').put(next);
      });
      this.wrote(fp, record.trust);
      return { changed, trust: record.trust };
    });
  }

  async trustOf(fingerprint: string): Promise<Trust> {
    const fp = normalizeFingerprint(fingerprint);
    const known = this.trusts.get(fp);
    if (known) return known;
    const before = this.writes;
    const trust = (await this.peer(fp))?.trust ?? 'unverified';
    if (this.writes === before) this.trusts.set(fp, trust);
    return trust;
  }

  /** A write of `fp`'s record, done: the cache follows it (a missing record is 'unverified'). */
  private wrote(fp: string, trust: Trust | undefined): void {
    this.writes++;
    if (trust) this.trusts.set(fp, trust);
    else this.trusts.delete(fp);
  }

  setTrust(fingerprint: string, trust: Trust): Promise<PeerView> {
    return this.serial(async () => {
      const fp = normalizeFingerprint(fingerprint);
      const t = this.stamp();
      const record = (await this.peer(fp)) ?? { fingerprint: fp, trust, firstSeen: t, lastSeen: t, seen: [] };
      record.trust = trust;
      await write(this.db, ['peers'], (tx) => tx.objectStore('peers').put(record));
      this.wrote(fp, record.trust);
      return this.view(record, await this.contacts());
    });
  }

  /** Accepts the new fingerprint for this contact; the warning clears. */
  acknowledgeChange(site: string, account: string, peer: string, fingerprint: string): Promise<PeerView> {
    return this.serial(async () => {
      const fp = normalizeFingerprint(fingerprint);
      const id = contactId(site, account, peer);
      const contact = (await getRecord(this.db, 'contacts', id)) as ContactRecord | undefined;
      if (!contact) storeFail('not-found', `no fingerprint is known for ${peer}`);
      await write(this.db, ['contacts'], (tx) => tx.objectStore('contacts').put({ id, site, account, peer, fingerprint: fp }));
      const record = await this.peer(fp);
      if (!record) storeFail('not-found', 'that fingerprint has not been seen');
      return this.view(record, await this.contacts());
    });
  }

  /** Forgets a fingerprint: its trust and every contact that had it accepted. */
  forget(fingerprint: string): Promise<void> {
    return this.serial(async () => {
      const fp = normalizeFingerprint(fingerprint);
      const contacts = await this.contacts();
      await write(this.db, ['peers', 'contacts'], (tx) => {
        tx.objectStore('peers').delete(fp);
        for (const c of contacts) {
          if (c.fingerprint === fp) tx.objectStore('contacts').delete(c.id);
          else if (c.changedTo === fp) tx.objectStore('contacts').put({ ...c, changedTo: undefined });
        }
      });
      this.wrote(fp, undefined);
    });
  }

  /** The unacknowledged change for a contact, if any. */
  async pendingChange(site: string, account: string, peer: string): Promise<Observation['changed']> {
    const c = (await getRecord(this.db, 'contacts', contactId(site, account, peer))) as ContactRecord | undefined;
    return c?.changedTo ? { previous: humanFingerprint(c.fingerprint), current: humanFingerprint(c.changedTo) } : null;
  }

  private async contacts(): Promise<ContactRecord[]> {
    return (await getAll(this.db, 'contacts')) as ContactRecord[];
  }

  private view(r: PeerRecord, contacts: ContactRecord[]): PeerView {
    return {
      fingerprint: humanFingerprint(r.fingerprint),
      trust: r.trust,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      seen: r.seen.map((s) => ({ ...s })),
      changedWarning: contacts.some((c) => c.changedTo === r.fingerprint),
    };
  }

  async list(): Promise<PeerView[]> {
    const contacts = await this.contacts();
    return ((await getAll(this.db, 'peers')) as PeerRecord[]).map((r) => this.view(r, contacts));
  }

  /** For otr.fingerprints export: one line per (fingerprint, contact where seen). */
  async entries(): Promise<{ site: string; account: string; peer: string; fingerprint: string; trust: Trust }[]> {
    const out = [];
    for (const r of (await getAll(this.db, 'peers')) as PeerRecord[]) {
      for (const s of r.seen) out.push({ site: s.site, account: s.account, peer: s.peer, fingerprint: r.fingerprint, trust: r.trust });
    }
    return out;
  }

  /** From otr.fingerprints: sightings and trust, contacts accepted as they were in libotr. */
  importEntries(entries: { site: string; account: string; peer: string; fingerprint: string; trust: Trust }[]): Promise<number> {
    return this.serial(async () => {
      const t = this.stamp();
      for (const e of entries) {
        const fp = normalizeFingerprint(e.fingerprint);
        const record = (await this.peer(fp)) ?? { fingerprint: fp, trust: e.trust, firstSeen: t, lastSeen: t, seen: [] };
        if (e.trust !== 'unverified') record.trust = e.trust;
        if (!record.seen.some((s) => s.site === e.site && s.account === e.account && s.peer === e.peer)) {
          record.seen.push({ site: e.site, account: e.account, peer: e.peer, firstSeen: t, lastSeen: t });
          capSightings(record);
        }
        const id = contactId(e.site, e.account, e.peer);
        const existing = (await getRecord(this.db, 'contacts', id)) as ContactRecord | undefined;
        await write(this.db, ['peers', 'contacts'], (tx) => {
          tx.objectStore('peers').put(record);
          if (!existing) tx.objectStore('contacts').put({ id, site: e.site, account: e.account, peer: e.peer, fingerprint: fp });
        });
        this.wrote(fp, record.trust);
      }
      return entries.length;
    });
  }
}
