// A query that carries OffRecord's invitation (one line: tag, then readable text with store
// links, as the extension sends it) must still start the AKE in libotr, the library inside
// Pidgin, Adium, ChatSecure and irssi-otr, and in potr. The text is the English catalogue's,
// shortened as a 140- or 400-character site, or an unlimited one, would send it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invitationQuery, type Invitation } from '../../src/otr/invitation';
import { POLICY_MANUAL } from '../../src/otr/policy';
import { DEFAULT_STORE_LINKS } from '../../src/background/config-store';
import { POLICY, ROOT, buildCPeer, chat, closeAll, connect, esc, spawnPeer, type PeerKind } from './harness';

type Catalogue = Record<string, { message: string }>;
const catalogue = JSON.parse(readFileSync(join(ROOT, 'public/_locales/en/messages.json'), 'utf8')) as Catalogue;
const say = (key: string, sub = ''): string => catalogue[key]!.message.replace('$P1$', sub);

const invitation: Invitation = {
  request: say('invite_request', 'alice'),
  shortRequest: say('invite_request_short', 'alice'),
  about: say('invite_about'),
  linksIntro: say('invite_links_intro'),
  links: [
    { label: say('invite_store_chrome'), url: DEFAULT_STORE_LINKS.chrome },
    { label: say('invite_store_firefox'), url: DEFAULT_STORE_LINKS.firefox },
  ],
};

beforeAll(() => buildCPeer());
afterEach(() => closeAll());

const PEERS: { kind: PeerKind; version: number }[] = [
  { kind: 'libotr', version: 3 },
  { kind: 'potr', version: 2 },
];

describe('a query carrying the invitation', () => {
  for (const { kind, version } of PEERS) {
    for (const limit of [140, 400, 0]) {
      it(`starts the AKE in ${kind} (limit ${limit || 'none'}), which reaches a private conversation with OffRecord`, async () => {
        const query = invitationQuery(POLICY_MANUAL, invitation, limit);
        expect(query.startsWith('?OTRv23? alice ')).toBe(true);
        if (limit) expect(query.length).toBeLessThanOrEqual(limit);
        const alice = await spawnPeer('offrecord', { account: 'alice', peer: 'bob', policy: POLICY.DEFAULT });
        const bob = await spawnPeer(kind, { account: 'bob', peer: 'alice', policy: POLICY.DEFAULT });
        connect(alice, bob);
        const [sa, sb] = [alice.mark(), bob.mark()];
        // As a chat server would deliver alice's line to bob.
        bob.send('RECV ' + esc(query));
        await Promise.all([alice.waitFor(new RegExp(`^EVENT gone_secure v${version}`), 30_000, sa), bob.waitFor(/^EVENT gone_secure v\d/, 30_000, sb)]);
        // The invitation is a query, not a chat message: neither side shows it as one.
        expect(bob.grep(/^SHOW /, sb)).toEqual([]);
        await chat(alice, bob, 3);
      });
    }
  }
});
