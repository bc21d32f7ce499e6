/**
 * History never talks back (background/history-replies.ts): what a page shows from before
 * its load is fed once, but only answered to continue an AKE. Two real backgrounds and the
 * real engine; "history" is what the other side sent while this browser was closed.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { policyBits } from '../../src/background/config-store';
import { whitespaceTag } from '../../src/otr/query';
import { senders } from './harness';
import { freshDbName } from './helpers';
import { boot, bootPair, closeBrowser, typed, goPrivate, incoming, readPlaintext, type Side, pushed, viewOf } from './sides';

/** The start of each whole message, fragments joined (The Lounge's limit splits signatures). */
function kinds(texts: string[]): string[] {
  const out: string[] = [];
  let joined = '';
  for (const t of texts) {
    const m = /^\?OTR\|[0-9a-f]+\|[0-9a-f]+,0*(\d+),0*(\d+),([^,]*),$/.exec(t);
    if (!m) {
      out.push(t.slice(0, 9));
      continue;
    }
    joined += m[3];
    if (m[1] === m[2]) {
      out.push(joined.slice(0, 9));
      joined = '';
    }
  }
  return out;
}

let alice: Side;
let bob: Side;
beforeEach(async () => {
  ({ alice, bob } = await bootPair());
});

async function always(side: Side): Promise<Side> {
  await side.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'always' });
  return closeBrowser(side);
}

/** Feeds `texts` as history to `side`; returns what it answered. */
async function fromHistory(side: Side, texts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of texts) out.push(...(await incoming(side, t, true)).send);
  return out;
}

describe('history never talks back', () => {
  it('an old query starts nothing', async () => {
    // Bob answers live queries at once (as libotr does), so the contrast below is plain.
    await bob.bg.ask(senders.popup, 'sites.update', { id: 'thelounge', policy: 'opportunistic' });
    await alice.bg.ask(senders.popup, 'conversation.start', { conversationId: alice.conv.id });
    const query = pushed(alice);
    expect(query[0]).toMatch(/^\?OTRv/);
    expect(await fromHistory(bob, query)).toEqual([]);
    const live = await incoming(bob, query[0]!);
    expect(kinds(live.send)).toEqual(['?OTR:AAMC']); // the same text live starts the AKE
  });

  it('an old whitespace-tagged message starts nothing', async () => {
    // What an OTR client under 'opportunistic' sends in the clear (OffRecord's compose frame
    // sends only in a private conversation; the page's own input box sends plaintext).
    const tagged = [`hello in the clear${whitespaceTag(policyBits('opportunistic'))}`];
    expect(tagged[0]).toContain(' \t  \t\t\t\t \t \t \t  ');
    const result = await incoming(bob, tagged[0]!, true);
    expect(result.send).toEqual([]);
    expect(result.display).toBe('plain');
  });

  it('an old error message and an unreadable data message get no error back', async () => {
    await goPrivate(alice, bob);
    const old = await typed(alice, 'sent before bob ended');
    const later = await typed(alice, 'sent after bob ended');
    await bob.bg.ask(senders.popup, 'conversation.end', { conversationId: bob.conv.id });
    // Live, a data message for a conversation that is not private is answered with an error.
    const live = await incoming(bob, later[0]!);
    expect(live.send[0]).toMatch(/^\?OTR Error:/);
    const fromOld = await incoming(bob, old[0]!, true);
    expect(fromOld.send).toEqual([]);
    expect(fromOld.display).toBe('gone'); // "encrypted earlier", and no text kept for it
    expect(await fromHistory(alice, [live.send[0]!])).toEqual([]);
  });

  it('a re-key D-H Commit found in history while private is not answered', async () => {
    await goPrivate(alice, bob);
    // Bob, from another browser, asks again while Alice is away: query and commit wait in history.
    let other = await boot('bob', freshDbName(), {}, 2);
    other = await always(other);
    const offer = await typed(other, 'from my other browser');
    expect(kinds(offer.slice(1))).toEqual(['?OTR:AAMC']);
    expect(await fromHistory(alice, offer)).toEqual([]);
    expect((await viewOf(alice)).state).toBe('unverified');
  });

  it('heartbeats and SMP answers to old data messages are dropped, the text is still read', async () => {
    await goPrivate(alice, bob);
    const data = await typed(bob, 'while you were away');
    const r = await incoming(alice, data[0]!, true);
    expect(r.display).toBe('encrypted');
    expect(r.send).toEqual([]);
    expect(await readPlaintext(alice, r.messageId)).toEqual([{ type: 'plaintext', messageId: r.messageId, text: 'while you were away' }]);
  });
});

describe('an AKE continues across browser openings (never online together)', () => {
  it('D-H Commit, D-H Key, Reveal Signature and Signature are each answered from history; queued text follows', async () => {
    alice = await always(alice);
    bob = await always(bob);
    // Opening 1: Alice types while Bob is offline; only a query and her D-H Commit leave.
    const first = await typed(alice, 'waited for you');
    expect(first[0]).toMatch(/^\?OTRv\d+\?/);
    expect(kinds(first.slice(1))).toEqual(['?OTR:AAMC']);
    expect(first.join('')).not.toContain('waited for you');
    expect((await viewOf(alice)).queued).toBe(1);
    alice = await closeBrowser(alice);
    expect((await viewOf(alice)).queued).toBe(1);

    // Opening 2: Bob reads it from history and answers the commit (the query starts nothing).
    const dhKey = await fromHistory(bob, first);
    expect(kinds(dhKey)).toEqual(['?OTR:AAMK']);
    bob = await closeBrowser(bob);

    // Opening 3: Alice reads the D-H Key from history: her Reveal Signature goes out.
    const reveal = await fromHistory(alice, dhKey);
    expect(kinds(reveal)).toEqual(['?OTR:AAMR']);
    alice = await closeBrowser(alice);

    // Opening 4: Bob reads it, answers with his Signature and is private.
    const sig = await fromHistory(bob, reveal);
    expect(kinds(sig)).toEqual(['?OTR:AAMS']);
    expect((await viewOf(bob)).state).toBe('unverified');
    bob = await closeBrowser(bob);

    // Opening 5: Alice reads the Signature: private, and her waiting text leaves encrypted.
    const data = await fromHistory(alice, sig);
    expect(kinds(data)).toEqual(['?OTR:AAMD']);
    expect((await viewOf(alice)).state).toBe('unverified');
    expect((await viewOf(alice)).queued).toBe(0);

    // Opening 6: Bob reads it.
    bob = await closeBrowser(bob);
    const shown = await incoming(bob, data[0]!, true);
    expect(shown.display).toBe('encrypted');
    expect(await readPlaintext(bob, shown.messageId)).toEqual([{ type: 'plaintext', messageId: shown.messageId, text: 'waited for you' }]);
  });
});

describe('the offline offer with a peer who is online', () => {
  it("crossing D-H Commits (our offer and the peer's answer to our query) converge whichever hash is higher", async () => {
    // Eight runs: each crossing is decided by random hashes, so both orders occur.
    for (let run = 0; run < 8; run++) {
      fakeBrowser.reset();
      let a = await boot('alice', freshDbName());
      const b = await boot('bob', freshDbName());
      a = await always(a);
      let toBob = [...(await typed(a, 'one')), ...(await typed(a, 'two'))];
      const read: string[] = [];
      for (let round = 0; round < 10 && toBob.length > 0; round++) {
        const toAlice: string[] = [];
        for (const t of toBob) {
          const r = await incoming(b, t);
          toAlice.push(...r.send);
          if (r.display === 'encrypted') read.push(...(await readPlaintext(b, r.messageId)).map((m) => (m as { text: string }).text));
        }
        toBob = [];
        for (const t of toAlice) toBob.push(...(await incoming(a, t)).send);
      }
      expect(read).toEqual(['one', 'two']);
    }
  }, 60_000);
});
