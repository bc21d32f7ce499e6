/**
 * Webmail under the default policy ('manual', issue 14): a mail is read whenever its reader
 * opens it, so its query is held for the user's Start even when the page shows it from before
 * its load; a chat's old query still asks nothing. Start answers the held query at once.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { senders } from './harness';
import { bootPair, type Side, pushed, viewOf } from './sides';

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
});

async function aliceQuery(): Promise<string> {
  await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
  const [query] = pushed(alice);
  expect(query).toMatch(/^\?OTRv2?3\?/);
  return query!;
}

const feed = (side: Side, text: string, mail: boolean) =>
  side.bg.ask(senders.content(side.tab), 'content.incoming', { conversationId: side.conv.id, text, history: true, ...(mail ? { mail: true } : {}) });

describe('a query in a mail opened later', () => {
  it('is held under manual: the peer asks, nothing is sent, and Start answers with a D-H Commit', async () => {
    const result = await feed(bob, await aliceQuery(), true);
    expect(result.send).toEqual([]);
    expect((await viewOf(bob)).peerAsked).toBe(true);
    await bob.bg.ask(senders.content(bob.tab), 'conversation.start', { conversationId: bob.conv.id });
    const [commit] = pushed(bob);
    expect(commit).toMatch(/^\?OTR:AAMC/);
  });

  it('asks nothing in a chat’s history (no mail flag)', async () => {
    await feed(bob, await aliceQuery(), false);
    expect((await viewOf(bob)).peerAsked).toBeFalsy();
  });

  it('is not held when it is our own mail (the Sent folder)', async () => {
    const query = await aliceQuery();
    await alice.bg.ask(senders.content(alice.tab), 'content.incoming', { conversationId: alice.conv.id, text: query, history: true, mine: true, mail: true });
    expect((await viewOf(alice)).peerAsked).toBeFalsy();
  });
});
