/**
 * Issue 17: what a hostile page can ask of the background through its content script. Policy
 * comes from the origin the browser reports, and a content script acts only on conversations
 * its own tab and frame registered.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { resolvePolicy } from '../../src/background/config-store';
import { LOOPBACK_ORIGINS, SITE_RECORDS } from '../../src/adapters/sites/records';
import { allAdapters } from '../../src/adapters/core/registry';
import { siteAdapters } from '../../src/adapters/sites/index';
import type { SenderInfo } from '../../src/background/router';
import { makeBackground, RUNTIME_ID, senders, type Background } from './harness';
import { freshDbName } from './helpers';

const page = (url: string, tabId = 1, frameId = 0): SenderInfo => ({ id: RUNTIME_ID, url, origin: new URL(url).origin, tab: { id: tabId }, frameId });

let bg: Background;
beforeEach(async () => {
  fakeBrowser.reset();
  bg = await makeBackground(freshDbName(), 'h:');
});

describe('policy by origin (item 3)', () => {
  it('lists every site an adapter exists for with a policy row in Settings, as the adapters match them (one site table)', async () => {
    const sites = await bg.ask(senders.options, 'sites.list', {});
    for (const a of allAdapters) {
      const row = sites.find((s) => s.id === a.id);
      expect(row, a.id).toBeDefined();
      // Fixed-address sites by their patterns; self-hosted clients (no patterns) on loopback.
      expect(row!.origins).toEqual(a.matches.length > 0 ? a.matches : LOOPBACK_ORIGINS);
      expect(row!.name).toBe(a.name);
      expect(row!.policy).toBe('manual');
    }
    // One record per adapter, in the order the content script tries them.
    expect(SITE_RECORDS.map((s) => s.id)).toEqual(allAdapters.map((a) => a.id));
    expect(sites.filter((s) => s.builtIn).map((s) => s.id)).toEqual(SITE_RECORDS.map((s) => s.id));
    expect(sites.find((s) => s.id === 'thelounge')!.fragmentSize).toBe(400);
    expect(siteAdapters.every((a) => a.matches.length > 0)).toBe(true);
    for (const r of SITE_RECORDS) expect(r.selfHosted, r.id).toBe(r.matches.length === 0);
  });

  it('a user-added site set to Always is Always for pages on its origin, whatever adapter id the page claims', async () => {
    await bg.ask(senders.options, 'sites.add', { name: 'Work chat', origins: ['https://chat.example.org'], policy: 'always' });
    const view = await bg.ask(page('https://chat.example.org/room/1'), 'content.register', { site: 'thelounge', account: 'me', peer: 'bob' });
    expect(view.policy).toBe('always');
    const other = await bg.ask(page('https://elsewhere.example.net/'), 'content.register', { site: 'thelounge', account: 'me', peer: 'bob' });
    expect(other.policy).toBe('manual');
  });

  it('a fixed-address site set to Always reaches live conversations at once, and a path change cannot escape it', async () => {
    const sender = page('https://mail.google.com/chat/u/0');
    const before = await bg.ask(sender, 'content.register', { site: 'generic', account: 'me', peer: 'bob' });
    expect(before.policy).toBe('manual');
    await bg.ask(senders.options, 'sites.update', { id: 'gmail', policy: 'always' });
    expect((await bg.ask(senders.popup, 'conversations.list', { tabId: 1 }))[0]!.policy).toBe('always');
    // Gmail and Google Chat share the origin: the strictest row for the origin wins.
    const again = await bg.ask(page('https://mail.google.com/somewhere-else'), 'content.register', { site: 'google-chat', account: 'me', peer: 'carol' });
    expect(again.policy).toBe('always');
  });

  it('the strictest row covering an origin wins; an origin no row covers is manual', () => {
    const rows = [
      { id: 'a', name: 'a', builtIn: true, origins: ['http://localhost/*'], policy: 'opportunistic' as const, fragmentSize: 400 },
      { id: 'b', name: 'b', builtIn: false, origins: ['http://localhost:9000'], policy: 'always' as const, fragmentSize: 0 },
    ];
    expect(resolvePolicy(rows, 'http://localhost:9000')).toEqual({ policy: 'always', fragmentSize: 400, sites: ['a', 'b'] });
    // Fragment size follows the adapter's own row on that origin (none: no fragmenting).
    expect(resolvePolicy(rows, 'http://localhost:9000', 'b')).toEqual({ policy: 'always', fragmentSize: 0, sites: ['a', 'b'] });
    expect(resolvePolicy(rows, 'http://localhost:9000', 'a').fragmentSize).toBe(400);
    expect(resolvePolicy(rows, 'http://localhost:9000', 'unknown').fragmentSize).toBe(0);
    expect(resolvePolicy(rows, 'https://localhost')).toEqual({ policy: 'manual', fragmentSize: 0, sites: [] });
    expect(resolvePolicy(rows, 'not a url')).toEqual({ policy: 'manual', fragmentSize: 0, sites: [] });
  });
});

describe('conversations belong to the tab and frame that registered them (item 5)', () => {
  it('ids include the origin: a look-alike page on another origin gets its own conversation', async () => {
    const real = await bg.ask(page('http://127.0.0.1:9000/', 1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const fake = await bg.ask(page('http://localhost:4444/', 2), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    expect(fake.id).not.toBe(real.id);
    expect(real.id.startsWith(encodeURIComponent('http://127.0.0.1:9000'))).toBe(true);
  });

  it('another tab cannot start, end, feed or take frame tokens for a conversation it did not register', async () => {
    const real = await bg.ask(page('http://localhost:9000/', 1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const attacker = page('http://localhost:9000/', 2);
    await expect(bg.ask(attacker, 'conversation.start', { conversationId: real.id })).rejects.toMatchObject({ code: 'not-found' });
    await expect(bg.ask(attacker, 'conversation.end', { conversationId: real.id })).rejects.toMatchObject({ code: 'not-found' });
    await expect(bg.ask(attacker, 'content.incoming', { conversationId: real.id, text: '?OTRv3?' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(bg.ask(attacker, 'content.frameToken', { conversationId: real.id, role: 'compose' })).rejects.toMatchObject({ code: 'not-found' });
    // Another frame of the same tab is another context too.
    await expect(bg.ask(page('http://localhost:9000/', 1, 7), 'conversation.start', { conversationId: real.id })).rejects.toMatchObject({ code: 'not-found' });
    // The popup still may.
    expect((await bg.ask(senders.popup, 'conversation.start', { conversationId: real.id })).id).toBe(real.id);
    // And the owner may.
    expect((await bg.ask(page('http://localhost:9000/', 1), 'content.frameToken', { conversationId: real.id, role: 'compose' })).token).toMatch(/^[0-9a-f]+$/);
  });
});

describe('the changed-key warning opens the popup (first-time users)', () => {
  it("opens OffRecord's popup page about the tab that asked, for its own conversation only", async () => {
    const real = await bg.ask(page('http://localhost:9000/', 1), 'content.register', { site: 'thelounge', account: 'alice', peer: 'bob' });
    const before = (await fakeBrowser.tabs.query({})).length;
    await expect(bg.ask(page('http://localhost:9000/', 2), 'content.openPopup', { conversationId: real.id })).rejects.toMatchObject({ code: 'not-found' });
    expect(await fakeBrowser.tabs.query({})).toHaveLength(before);
    // The test browser has no popup to open: the popup page opens in a tab, naming tab 1.
    expect(await bg.ask(page('http://localhost:9000/', 1), 'content.openPopup', { conversationId: real.id })).toEqual({ opened: 'page' });
    const tabs = await fakeBrowser.tabs.query({});
    expect(tabs).toHaveLength(before + 1);
    expect(tabs.at(-1)!.url).toMatch(/\/popup\.html\?tab=1$/);
  });
});

describe('bounded storage (item 7)', () => {
  it('account names a page makes up are capped, oldest first; accounts with their own key stay', async () => {
    const { KEYLESS_ACCOUNT_CAP } = await import('../../src/background/key-store');
    await bg.keys.noteAccount('thelounge', 'keeper');
    await bg.keys.generateForAccount('thelounge', 'keeper');
    for (let i = 0; i < KEYLESS_ACCOUNT_CAP + 40; i++) await bg.keys.noteAccount('thelounge', `rotating-${i}`);
    const accounts = await bg.ask(senders.options, 'keys.accounts', {});
    const names = accounts.map((a) => a.account);
    expect(names).toContain('keeper');
    expect(names.filter((n) => n.startsWith('rotating-')).length).toBe(KEYLESS_ACCOUNT_CAP);
    expect(names).not.toContain('rotating-0');
    expect(names).toContain(`rotating-${KEYLESS_ACCOUNT_CAP + 39}`);
  });

  it('so are their instance tags; those of own-key accounts and of conversations that rely on them stay', async () => {
    const { INSTANCE_TAG_CAP, accountKey } = await import('../../src/background/key-records');
    await bg.keys.noteAccount('thelounge', 'keeper');
    await bg.keys.generateForAccount('thelounge', 'keeper');
    const keeper = (await bg.keys.identityFor('thelounge', 'keeper')).instanceTag;
    const busy = (await bg.keys.identityFor('thelounge', 'busy')).instanceTag;
    bg.keys.tagsInUse = () => [accountKey('thelounge', 'busy')];
    for (let i = 0; i < INSTANCE_TAG_CAP + 40; i++) await bg.keys.identityFor('thelounge', `rotating-${i}`);
    const tags = await bg.keys.exportInstanceTags();
    const tagOf = (account: string) => tags.find((t) => t.account === account)?.instanceTag;
    // The cap, plus the kept: the newest tag, keeper's and busy's.
    expect(tags.filter((t) => t.account.startsWith('rotating-')).length).toBe(INSTANCE_TAG_CAP + 1);
    expect(tags.length).toBe(INSTANCE_TAG_CAP + 3);
    expect(tagOf('keeper')).toBe(keeper);
    expect(tagOf('busy')).toBe(busy);
    expect(tagOf('rotating-0')).toBeUndefined();
    expect(tagOf(`rotating-${INSTANCE_TAG_CAP + 39}`)).toBeDefined();
    // A dropped tag is made anew at the account's next use.
    expect((await bg.keys.identityFor('thelounge', 'rotating-0')).instanceTag).toBeGreaterThanOrEqual(0x100);
  });
});
