/**
 * The "Bad input" list, each as a test: forged, replayed and non-member posts are
 * dropped and counted, never decrypted or shown; an old epoch's post after its key was
 * published reads as unverifiable; records from outside the list or over untrusted sessions
 * are refused; floods of far-ahead iterations stay within the caps. Plus re-keying and the
 * trust rules for handing out chain keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SKIPPED_KEYS, receiveGroupText, receiveRecord, REKEY_POSTS } from '../../src/group';
import { armorGroup, revealBytes } from '../../src/group/post';
import { fromBase64, fromHex } from '../../src/otr/bytes';
import { craftPost, DAY_MS, roomOf } from './helpers';

function trio() {
  const { net, members } = roomOf(['alice', 'bob', 'carol']);
  const [alice, bob, carol] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
  return { net, alice, bob, carol };
}

describe('posts that must not be shown', () => {
  it('a replayed post is dropped and counted; the original was shown once', () => {
    const { net, alice, bob } = trio();
    alice.post('once');
    const wire = net.texts[0]!;
    net.flush();
    net.texts.push(wire, wire);
    net.flush();
    expect(bob.texts()).toEqual(['alice: once']);
    expect(bob.state.dropped).toEqual({ replay: 2 });
  });

  it('a post whose signature does not verify is dropped as forged before any decryption', () => {
    const { net, alice, bob } = trio();
    alice.post('genuine');
    const wire = net.texts.shift()!.text;
    // Flip one bit in each region: header, nonce, ciphertext, signature (base64 positions).
    for (const at of [12, 70, Math.floor(wire.length * 0.6), wire.length - 5]) {
      const c = wire[at] === 'A' ? 'B' : 'A';
      net.texts.push({ from: 'alice', text: wire.slice(0, at) + c + wire.slice(at + 1) });
    }
    net.flush();
    expect(bob.shown).toEqual([]);
    const d = bob.state.dropped;
    // The flipped room id makes it another room's post: it never reaches this room's state.
    expect(bob.foreign).toHaveLength(1);
    expect(d).toEqual({ forged: 3 });
    // The chain did not move: the genuine post still reads.
    net.texts.push({ from: 'alice', text: wire });
    net.flush();
    expect(bob.texts()).toEqual(['alice: genuine']);
  });

  it('a post in a member\'s name signed with another key is forged; one from a non-member is dropped', () => {
    const { net, alice, bob, carol } = trio();
    // Carol (a member) tries to pass a post off as Bob's, signing with her own key.
    net.texts.push({ from: 'carol', text: craftPost(carol.state, { iteration: 0, sender: 'bob', text: 'I am bob' }) });
    // Mallory is no member: a post in her name is dropped whatever it carries.
    net.texts.push({ from: 'mallory', text: craftPost(carol.state, { iteration: 1, sender: 'mallory' }) });
    net.flush();
    expect(alice.shown).toEqual([]);
    expect(alice.state.dropped).toEqual({ forged: 1, 'non-member': 1 });
    expect(bob.state.dropped).toEqual({ 'non-member': 1 });
  });

  it('a member\'s signed post that does not decrypt is dropped and leaves the chain as it was', () => {
    const { net, alice, bob } = trio();
    const before = bob.state.chains.alice![0]!;
    net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: 5, ciphertext: new Uint8Array(40) }) });
    net.flush();
    expect(bob.state.dropped).toEqual({ undecryptable: 1 });
    expect(bob.state.chains.alice![0]).toEqual(before);
  });
});

describe('tampering, as a property', () => {
  it('no single changed byte of a post is ever shown; the genuine post still reads after', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const { net, alice, bob } = trio();
        alice.post('genuine');
        const wire = net.texts.shift()!.text;
        const bytes = fromBase64(wire.slice(7, -1));
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ xor;
        net.texts.push({ from: 'alice', text: armorGroup(bytes) });
        net.flush();
        expect(bob.shown).toEqual([]);
        net.texts.push({ from: 'alice', text: wire });
        net.flush();
        expect(bob.texts()).toEqual(['alice: genuine']);
      }),
      { numRuns: 40 },
    );
  });
});

describe('untrusted input never throws', () => {
  it('any bytes as a record and any text as a post are dropped and counted, the state stays sound', () => {
    const { alice, bob } = trio();
    const roomIdBytes = fromHex(alice.state.roomId);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 }), fc.boolean(), (bytes, text, sameRoom) => {
        // Half the inputs start like a record or post of this room, to get past the first checks.
        const value = sameRoom ? Uint8Array.of(1, ...roomIdBytes, ...bytes) : bytes;
        const r1 = receiveRecord(bob.env, bob.state, 'alice', value, {});
        const r2 = receiveGroupText(bob.env, bob.state, '?OTR-G:' + text);
        const r3 = receiveGroupText(bob.env, bob.state, armorGroup(Uint8Array.of(1, 1, ...roomIdBytes, ...bytes)));
        for (const r of [r1, r2, r3]) {
          expect(r.show).toEqual([]);
          expect(JSON.parse(JSON.stringify(r.state)).members).toEqual(['alice', 'bob', 'carol']);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('caps', () => {
  it('an iteration more than 2,000 ahead is refused without deriving anything', () => {
    const { net, alice, bob } = trio();
    net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: 2001 }) });
    net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: 0xffffffff, messageKey: new Uint8Array(32) }) });
    net.flush();
    expect(bob.state.dropped).toEqual({ 'too-far': 2 });
    expect(bob.state.chains.alice![0]!.next).toBe(0);
    expect(bob.state.chains.alice![0]!.skipped).toEqual({});
  });

  it('a flood of signed far-ahead posts keeps at most 2,000 skipped keys per chain', () => {
    const { net, alice, bob } = trio();
    for (let i = 1; i <= 5; i++) net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: i * 1500, text: `jump ${i}` }) });
    net.flush();
    const chain = bob.state.chains.alice![0]!;
    expect(Object.keys(chain.skipped)).toHaveLength(MAX_SKIPPED_KEYS);
    expect(chain.next).toBe(7501);
    expect(bob.shown).toHaveLength(5);
    // The keys kept are the newest; a post from before them now counts as a replay.
    net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: 3, text: 'late' }) });
    net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: 7499, text: 'kept' }) });
    net.flush();
    expect(bob.texts().slice(-1)).toEqual(['alice: kept']);
    expect(bob.state.dropped).toEqual({ replay: 1 });
    expect(JSON.stringify(bob.state).length).toBeLessThan(200_000);
  });

  it('posts waiting for a chain key are capped; the oldest are dropped and counted', () => {
    const { net, alice, bob } = trio();
    for (let i = 0; i < 70; i++) net.texts.push({ from: 'alice', text: craftPost(alice.state, { iteration: i, epoch: 9 }) });
    net.flush();
    expect(bob.state.waiting).toHaveLength(64);
    expect(bob.state.dropped).toEqual({ 'no-key': 6 });
  });
});

describe('epochs and published keys', () => {
  it('posts that arrive before their chain key wait for it, then read', () => {
    const { net, alice, bob } = trio();
    alice.remove('carol');
    alice.post('new epoch');
    // The channel is faster than the pairwise sessions this time.
    const records = net.directs.splice(0);
    net.flush();
    expect(bob.state.waiting).toHaveLength(1);
    expect(bob.shown).toEqual([]);
    net.directs.push(...records);
    net.flush();
    expect(bob.texts()).toEqual(['alice: new epoch']);
    expect(bob.state.waiting).toEqual([]);
  });

  it('re-keys after 100 posts: a new epoch, readers follow it, the old signing key is published', () => {
    const { net, alice, bob } = trio();
    for (let i = 0; i <= REKEY_POSTS; i++) alice.post(`post ${i}`);
    net.flush();
    expect(alice.state.sending!.epoch).toBe(1);
    expect(alice.events).toContainEqual({ type: 'epoch', epoch: 1, reason: 'rekey' });
    expect(bob.texts()).toHaveLength(REKEY_POSTS + 1);
    expect(bob.shown.every((p) => p.verified)).toBe(true);
    expect(bob.state.chains.alice!.map((c) => [c.epoch, c.published])).toEqual([
      [0, true],
      [1, false],
    ]);
  });

  it('re-keys after 7 days of the injected clock', () => {
    const { net, alice, bob } = trio();
    alice.post('day 0');
    net.clock.ms += 7 * DAY_MS;
    alice.post('day 7');
    net.flush();
    expect(alice.state.sending!.epoch).toBe(1);
    expect(bob.shown.map((p) => [p.text, p.epoch])).toEqual([
      ['day 0', 0],
      ['day 7', 1],
    ]);
  });

  it('an old-epoch post that arrives after its signing key was published is shown as unverifiable', () => {
    const { net, alice, bob, carol } = trio();
    alice.post('slow post');
    const slow = net.texts.splice(0)[0]!;
    for (let i = 0; i < REKEY_POSTS; i++) alice.post(`post ${i}`);
    net.flush();
    net.texts.push(slow);
    net.flush();
    const late = bob.shown.find((p) => p.text === 'slow post')!;
    expect(late).toMatchObject({ epoch: 0, iteration: 0, verified: false });
    expect(carol.shown.filter((p) => !p.verified)).toHaveLength(1);
  });

  it('a published key that does not match the epoch\'s public key is ignored and counted', () => {
    const { net, alice, bob } = trio();
    alice.post('x');
    net.flush();
    net.texts.push({ from: 'carol', text: forgedReveal(alice.state.roomId) });
    net.flush();
    expect(bob.state.chains.alice![0]!.published).toBe(false);
    expect(bob.state.dropped).toEqual({ forged: 1 });
  });

  it('a post made under another member list is shown, flagged', () => {
    const { net, alice, bob } = trio();
    const [dave] = net.add('dave');
    alice.invite('dave');
    // Bob has not heard of Dave yet when he posts.
    net.flush({ direct: (d) => d.to !== 'bob' });
    bob.post('old list');
    net.flush();
    expect(alice.shown.at(-1)).toMatchObject({ text: 'old list', listMismatch: true });
    expect(dave!.shown).toEqual([]);
  });
});

describe('trust', () => {
  it('a member whose pairwise key changed gets no new chain key until the change is acknowledged', () => {
    const { net, alice, bob, carol } = trio();
    bob.trust.carol = 'changed';
    for (let i = 0; i <= REKEY_POSTS; i++) bob.post(`b${i}`);
    net.flush();
    expect(bob.events).toContainEqual({ type: 'withheld', member: 'carol', reason: 'key-changed' });
    expect(carol.texts()).toHaveLength(REKEY_POSTS);
    expect(carol.state.waiting).toHaveLength(1);
    bob.trust.carol = 'unverified'; // the user acknowledged the new key
    bob.redistribute();
    net.flush();
    // She gets the chain from where it stands: the post made while it was withheld stays unread.
    expect(carol.state.dropped).toEqual({ 'before-key': 1 });
    bob.post('after the acknowledgement');
    net.flush();
    expect(carol.texts().at(-1)).toBe('bob: after the acknowledgement');
    expect(alice.texts()).toHaveLength(REKEY_POSTS + 2);
  });

  it('records over a session whose key changed are refused', () => {
    const { net, alice, carol } = trio();
    carol.trust.alice = 'changed';
    alice.remove('bob');
    net.flush();
    expect(carol.state.dropped.refused).toBeGreaterThan(0);
    expect(carol.state.members).toContain('bob');
  });

  it('a room that requires verification refuses unverified sessions and invitees', () => {
    const { net, members } = roomOf(['alice', 'bob'], { requireVerified: true });
    const [alice, bob] = members;
    expect(bob!.state.requireVerified).toBe(true);
    const [carol] = net.add('carol');
    expect(() => alice!.invite('carol')).toThrow(/requires verified/);
    alice!.trust.carol = 'verified';
    carol!.trust = { alice: 'verified', bob: 'verified' };
    alice!.invite('carol');
    net.flush();
    // Bob has not verified Carol: he keeps his chain from her and refuses her records.
    expect(bob!.events).toContainEqual({ type: 'withheld', member: 'carol', reason: 'unverified' });
    expect(bob!.state.dropped.refused).toBe(1);
    carol!.post('hello');
    net.flush();
    expect(alice!.texts()).toEqual(['carol: hello']);
    expect(bob!.texts()).toEqual([]);
  });

  it('a record from someone outside the list is refused', () => {
    const { net, alice, bob } = trio();
    const [mallory] = net.add('mallory');
    mallory!.room = { ...alice.state, me: 'mallory', owner: 'mallory', members: ['alice', 'bob', 'carol', 'mallory'], sentTo: [] };
    mallory!.trust.bob = 'verified';
    mallory!.redistribute();
    net.flush();
    expect(bob.state.dropped['non-member']).toBe(1);
  });
});

/** A reveal of Alice's epoch 0 with a secret that is not hers. */
function forgedReveal(roomId: string): string {
  return armorGroup(revealBytes({ roomId: fromHex(roomId), sender: 'alice', epoch: 0, signingSecret: new Uint8Array(32).fill(9) }));
}
