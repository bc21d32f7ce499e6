import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { openDatabase } from '../../src/background/idb';
import { MAX_SIGHTINGS, TrustStore } from '../../src/background/trust-store';
import { fingerprint, formatFingerprint, generateDsaKey } from '../../src/otr/dsa';
import { toHex } from '../../src/otr/bytes';
import { cryptoRandom } from '../../src/background/keygen';
import { freshDbName } from './helpers';

const bobKey = generateDsaKey(cryptoRandom);
const malloryKey = generateDsaKey(cryptoRandom);
const BOB = toHex(fingerprint(bobKey));
const MALLORY = toHex(fingerprint(malloryKey));

beforeEach(() => fakeBrowser.reset());

async function store(): Promise<TrustStore> {
  let t = 1000;
  return new TrustStore(await openDatabase(freshDbName()), () => t++);
}

describe('TrustStore', () => {
  it('trust belongs to the fingerprint: verified on one site shows verified on another', async () => {
    const trust = await store();
    await trust.observe('thelounge', 'alice', 'bob', BOB);
    await trust.setTrust(BOB, 'smp');
    const other = await trust.observe('converse', 'alice@localhost', 'bob@localhost', BOB);
    expect(other).toEqual({ changed: null, trust: 'smp' });
    const [peer] = await trust.list();
    expect(peer?.fingerprint).toBe(formatFingerprint(fingerprint(bobKey)));
    expect(peer?.seen.map((s) => `${s.site}/${s.account}/${s.peer}`)).toEqual(['thelounge/alice/bob', 'converse/alice@localhost/bob@localhost']);
    expect(peer?.firstSeen).toBeLessThan(peer!.lastSeen);
  });

  it('a changed fingerprint for a known contact raises the warning until acknowledged', async () => {
    const trust = await store();
    await trust.observe('thelounge', 'alice', 'bob', BOB);
    const seen = await trust.observe('thelounge', 'alice', 'bob', MALLORY);
    expect(seen.changed).toEqual({ previous: formatFingerprint(fingerprint(bobKey)), current: formatFingerprint(fingerprint(malloryKey)) });
    expect(await trust.pendingChange('thelounge', 'alice', 'bob')).toEqual(seen.changed);
    expect((await trust.list()).find((p) => p.fingerprint === seen.changed?.current)?.changedWarning).toBe(true);
    // The same key on another contact is no change there.
    expect((await trust.observe('thelounge', 'alice', 'carol', MALLORY)).changed).toBeNull();

    const view = await trust.acknowledgeChange('thelounge', 'alice', 'bob', MALLORY);
    expect(view.changedWarning).toBe(false);
    expect(await trust.pendingChange('thelounge', 'alice', 'bob')).toBeNull();
    expect((await trust.observe('thelounge', 'alice', 'bob', MALLORY)).changed).toBeNull();
  });

  it('forget removes the trust and the contact, so the key is new again', async () => {
    const trust = await store();
    await trust.observe('thelounge', 'alice', 'bob', BOB);
    await trust.setTrust(BOB, 'manual');
    await trust.forget(formatFingerprint(fingerprint(bobKey)));
    expect(await trust.list()).toEqual([]);
    expect(await trust.trustOf(BOB)).toBe('unverified');
    expect((await trust.observe('thelounge', 'alice', 'bob', MALLORY)).changed).toBeNull();
  });

  it('trust as read for every view follows each change, and a restarted worker reads the same from disk', async () => {
    const name = freshDbName();
    const trust = new TrustStore(await openDatabase(name));
    expect(await trust.trustOf(BOB)).toBe('unverified');
    await trust.observe('thelounge', 'alice', 'bob', BOB);
    const before = trust.trustOf(BOB);
    await trust.setTrust(BOB, 'smp');
    expect(['unverified', 'smp']).toContain(await before);
    expect(await trust.trustOf(formatFingerprint(fingerprint(bobKey)))).toBe('smp');
    expect(await new TrustStore(await openDatabase(name)).trustOf(BOB)).toBe('smp');
    await trust.importEntries([{ site: 'converse', account: 'alice', peer: 'bob', fingerprint: BOB, trust: 'manual' }]);
    expect(await trust.trustOf(BOB)).toBe('manual');
    await trust.forget(BOB);
    expect(await trust.trustOf(BOB)).toBe('unverified');
    expect(await new TrustStore(await openDatabase(name)).trustOf(BOB)).toBe('unverified');
  });

  it('keeps at most MAX_SIGHTINGS names per key, dropping the least recently seen', async () => {
    const trust = await store();
    for (let i = 0; i < MAX_SIGHTINGS + 10; i++) await trust.observe('converse', 'alice', `bob${i}`, BOB);
    const [peer] = await trust.list();
    expect(peer?.seen).toHaveLength(MAX_SIGHTINGS);
    expect(peer?.seen.map((s) => s.peer)).not.toContain('bob0');
    expect(peer?.seen.map((s) => s.peer)).toContain(`bob${MAX_SIGHTINGS + 9}`);
  });

  it('without a contact log keeps no times, still warns on a changed key, and clears the times kept', async () => {
    const trust = await store();
    await trust.observe('thelounge', 'alice', 'bob', BOB);
    expect((await trust.list())[0]?.lastSeen).toBeGreaterThan(0);
    trust.contactLog = false;
    await trust.forgetTimes();
    await trust.observe('thelounge', 'alice', 'carol', BOB);
    const [peer] = await trust.list();
    expect([peer?.firstSeen, peer?.lastSeen, ...peer!.seen.flatMap((s) => [s.firstSeen, s.lastSeen])].every((t) => t === 0)).toBe(true);
    const seen = await trust.observe('thelounge', 'alice', 'bob', MALLORY);
    expect(seen.changed?.previous).toBe(formatFingerprint(fingerprint(bobKey)));
  });
});
