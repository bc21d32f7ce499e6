/**
 * Shared set-up for UI component tests: the real en catalogue behind browser.i18n, and
 * builders for the view shapes of src/messaging/types.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ConversationView, KeyView, AccountView, PeerView, SiteView } from '../../src/messaging/schema';

// A string, not a URL object: happy-dom replaces the global URL.
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CATALOGUE_PATH = join(ROOT, 'public/_locales/en/messages.json');

type Entry = { message: string; placeholders?: Record<string, { content: string }> };
export const catalogue = JSON.parse(readFileSync(CATALOGUE_PATH, 'utf8')) as Record<string, Entry>;

/** Chrome's substitution rules: $NAME$ → placeholder content, whose $n → the n-th substitution. */
export function getMessage(key: string, subs?: string | string[]): string {
  const entry = catalogue[key];
  if (!entry) return '';
  const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
  const withSubs = (s: string) => s.replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
  return entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (_, name: string) => {
    const ph = entry.placeholders?.[name.toLowerCase()];
    return ph ? withSubs(ph.content) : '';
  });
}

export function installI18n(): void {
  (fakeBrowser.i18n as { getMessage: typeof getMessage }).getMessage = getMessage;
}

/** The real English text of a key, for assertions. */
export const en = getMessage;

export const FP_ALICE = '3A1F0C9B 77D2E4A0 5B6C8D9E 0F1A2B3C 4D5E6F70';
export const FP_BOB = 'B0B0B0B0 11112222 33334444 55556666 77778888';
export const FP_BOB_NEW = 'DEADBEEF 01234567 89ABCDEF FEDCBA98 76543210';
export const FP_ACCOUNT = 'ACC0ACC0 12121212 34343434 56565656 78787878';

export function conversation(over: Partial<ConversationView> = {}): ConversationView {
  return {
    id: 'thelounge|alice|bob|0',
    site: 'thelounge',
    account: 'alice',
    peer: 'bob',
    title: 'bob',
    state: 'plaintext',
    version: 0,
    smp: { status: 'idle', progress: 0 },
    policy: 'opportunistic',
    queued: 0,
    ...over,
  };
}

export function key(over: Partial<KeyView> = {}): KeyView {
  return { keyId: 'k-identity', fingerprint: FP_ALICE, isIdentity: true, accounts: [], createdAt: Date.UTC(2025, 0, 2), ...over };
}

export function account(over: Partial<AccountView> = {}): AccountView {
  return { site: 'thelounge', account: 'alice', keyId: 'k-identity', fingerprint: FP_ALICE, usesIdentity: true, ...over };
}

export function peer(over: Partial<PeerView> = {}): PeerView {
  const t = Date.UTC(2025, 4, 1, 12, 0);
  return {
    fingerprint: FP_BOB,
    trust: 'unverified',
    firstSeen: t,
    lastSeen: t + 86_400_000,
    seen: [{ site: 'thelounge', account: 'alice', peer: 'bob', firstSeen: t, lastSeen: t + 86_400_000 }],
    changedWarning: false,
    ...over,
  };
}

export function site(over: Partial<SiteView> = {}): SiteView {
  return { id: 'thelounge', name: 'The Lounge', builtIn: true, origins: [], policy: 'opportunistic', fragmentSize: 400, ...over };
}

/** A runtime.Port double for `subscribe()`: the test pushes events through `push`. */
export function fakePort(name: string) {
  const onMessage: ((m: unknown) => void)[] = [];
  const onDisconnect: (() => void)[] = [];
  return {
    name,
    onMessage: { addListener: (f: (m: unknown) => void) => onMessage.push(f) },
    onDisconnect: { addListener: (f: () => void) => onDisconnect.push(f) },
    postMessage: () => {},
    disconnect: () => {},
    push: (m: unknown) => onMessage.forEach((f) => f(m)),
  };
}
