// irssi with irssi-plugin-otr (libotr inside), on a real IRC server, receives OffRecord's query
// with its invitation from a plain IRC client, as one PRIVMSG line: irssi-otr must answer the
// tag and start the AKE (its D-H Commit comes back to the sender). What irssi showed of the
// line is written to test-results/invitation-irssi.txt for the issue's closing note: nothing,
// since libotr treats a query as protocol, not as a message to show.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STORE_LINKS } from '../../src/background/config-store';
import { invitationQuery, type Invitation } from '../../src/otr/invitation';
import { POLICY_MANUAL } from '../../src/otr/policy';
import { startIrcObserver, startIrcStack, startIrssi, type IrcObserver, type IrcStack, type IrssiPeer } from '../stacks/index';
import { ROOT } from './harness';

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

describe.sequential('irssi-otr and a query carrying the invitation', () => {
  let stack: IrcStack;
  let bob: IrssiPeer;
  let alice: IrcObserver;
  const seen: string[] = [];

  beforeAll(async () => {
    stack = await startIrcStack();
    bob = await startIrssi({ ircPort: stack.ircPort, nick: 'bob' });
    alice = await startIrcObserver(stack.ircPort, { nick: 'alice' });
  });
  afterAll(async () => {
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results', 'invitation-irssi.txt'), seen.join('\n') + '\n');
    alice?.close();
    await bob?.stop();
    await stack?.stop();
  });

  for (const limit of [400, 140]) {
    it(`answers the tag and starts the AKE (invitation shortened to ${limit} characters)`, async () => {
      const query = invitationQuery(POLICY_MANUAL, invitation, limit);
      expect(query.length).toBeLessThanOrEqual(limit);
      const since = bob.mark();
      const sent = alice.lines.length;
      alice.send(`PRIVMSG bob :${query}`);
      // libotr answers a v3 query with a D-H Commit: "?OTR:AAMC" (protocol 3, message type 0x02).
      const commit = await alice.waitFor((l) => alice.lines.indexOf(l) >= sent && /^:bob!\S* PRIVMSG alice :\?OTR:AAMC/.test(l), 30_000);
      expect(commit).toContain('?OTR:AAMC');
      await new Promise((r) => setTimeout(r, 1000)); // irssi writes its logs a moment later
      // libotr takes a query as protocol, not as a message: an OTR reader sees no invitation,
      // only the conversation becoming private, so the text never misleads someone who has OTR.
      expect(bob.query('alice')).not.toContain('?OTRv23?');
      seen.push(`--- sent by a plain IRC client (limit ${limit}):`, `PRIVMSG bob :${query}`, '--- irssi showed:', bob.all().slice(since).trim(), '--- in its window with alice:', bob.query('alice').trim());
    });
  }
});
