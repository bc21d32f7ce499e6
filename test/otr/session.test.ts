/**
 * Whole sessions (session.ts) wired together: starting OTR every way the spec allows, data in
 * both directions with key rotation, fragments, rejection of tampered, replayed and misrouted
 * messages, policies, ending, SMP, the extra symmetric key, heartbeats and multiple instances.
 * Every step's state goes through JSON and the next step continues from the parsed copy
 * (helpers.ts Party.apply). Kept in one file, past ~400 lines, because every suite builds on
 * the same wired pair of sessions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/otr/bytes';
import type { DsaPrivateKey } from '../../src/otr/dsa';
import { fingerprint, publicKeyOf } from '../../src/otr/dsa';
import { parseFragment } from '../../src/otr/fragment';
import { armor, decodeMessage, FLAG_IGNORE_UNREADABLE, MSG_DATA, MSG_DH_KEY } from '../../src/otr/messages';
import { POLICY_ALLOW_V2, POLICY_ALWAYS, POLICY_DEFAULT, POLICY_MANUAL } from '../../src/otr/policy';
import { conversationStatus } from '../../src/otr/session';
import { build, type Clock, flipByte, header, Network, Party, testKey } from './helpers';
import { encryptData } from '../../src/otr/data';
import { MAX_INSTANCES } from '../../src/otr/conversation';

let aliceKey: DsaPrivateKey;
let bobKey: DsaPrivateKey;
beforeAll(() => {
  aliceKey = testKey('session-alice');
  bobKey = testKey('session-bob');
});

const ALICE_TAG = 0x1000;
const BOB_TAG = 0x2000;

function parties(aliceOpts = {}, bobOpts = {}, clock: Clock = { ms: 1_000_000 }) {
  const alice = new Party('alice', aliceKey, ALICE_TAG, { policy: POLICY_MANUAL, ...aliceOpts }, clock);
  const bob = new Party('bob', bobKey, BOB_TAG, { policy: POLICY_MANUAL, ...bobOpts }, clock);
  return { alice, bob, net: Network.pair(alice, bob), clock };
}

/** Alice, and Bob on two clients (instance tags 0x2001 and 0x2002): both see what Alice sends. */
function aliceAndTwoBobs() {
  const clock = { ms: 1_000_000 };
  const alice = new Party('alice', aliceKey, ALICE_TAG, { policy: POLICY_MANUAL }, clock);
  const bob1 = new Party('bob1', bobKey, 0x2001, { policy: POLICY_MANUAL }, clock);
  const bob2 = new Party('bob2', bobKey, 0x2002, { policy: POLICY_MANUAL }, clock);
  const net = new Network(
    new Map([
      [alice, [bob1, bob2]],
      [bob1, [alice]],
      [bob2, [alice]],
    ]),
  );
  return { alice, bob1, bob2, net };
}

/** Alice asks, both go private; events so far are cleared. */
function privatePair(aliceOpts = {}, bobOpts = {}, clock?: Clock) {
  const p = parties(aliceOpts, bobOpts, clock);
  p.alice.query();
  p.net.pump();
  expect(conversationStatus(p.alice.state).msgstate).toBe('ENCRYPTED');
  expect(conversationStatus(p.bob.state).msgstate).toBe('ENCRYPTED');
  p.alice.drainEvents();
  p.bob.drainEvents();
  return p;
}

function expectSecure(a: Party, b: Party, version: 2 | 3): void {
  const sa = conversationStatus(a.state);
  const sb = conversationStatus(b.state);
  expect([sa.msgstate, sb.msgstate]).toEqual(['ENCRYPTED', 'ENCRYPTED']);
  expect([sa.version, sb.version]).toEqual([version, version]);
  expect(sa.ssid).toBe(sb.ssid);
  expect(sa.theirFingerprint).toBe(toHex(fingerprint(publicKeyOf(b.me.privateKey))));
  expect(sb.theirFingerprint).toBe(toHex(fingerprint(publicKeyOf(a.me.privateKey))));
  for (const p of [a, b]) {
    const secure = p.eventsOf('gone_secure');
    expect(secure).toHaveLength(1);
    expect(secure[0]).toMatchObject({ version });
  }
}

/** Takes what a party has queued to send, without delivering it. */
const take = (p: Party) => p.outbox.splice(0);
const unreadable = (p: Party) => p.msgEvents('RCVDMSG_UNREADABLE');

/** Changes one byte of an unfragmented encoded message. */
function tamper(wire: string, index: number): string {
  return armor(flipByte(fromBase64(wire.slice(5, wire.indexOf('.'))), index));
}

/** Offset from the end of a data message's last MAC byte (the old MAC keys follow it). */
function macEnd(wire: string): number {
  const d = decodeMessage(wire);
  if (d.kind !== 'data') throw new Error('not a data message');
  return -(4 + d.body.oldMacKeys.length) - 1;
}
const tamperMac = (wire: string) => tamper(wire, macEnd(wire));
/** The last byte of the ciphertext, just before the MAC. */
const tamperCiphertext = (wire: string) => tamper(wire, macEnd(wire) - 20);

describe('starting OTR', () => {
  it('query message → private in v3', () => {
    const { alice, bob, net } = parties();
    alice.query();
    expect(alice.outbox[0]).toMatch(/^\?OTRv23\?/);
    net.pump();
    expectSecure(alice, bob, 3);
    const akeWires = net.transcript.filter((r) => r.wire.startsWith('?OTR:'));
    expect(akeWires).toHaveLength(4);
    for (const r of akeWires) expect(decodeMessage(r.wire).header.version).toBe(3);
  });

  it('query message → private in v2 when a policy lacks V3', () => {
    const { alice, bob, net } = parties({}, { policy: POLICY_ALLOW_V2 });
    alice.query();
    net.pump();
    expectSecure(alice, bob, 2);
    for (const r of net.transcript.filter((x) => x.wire.startsWith('?OTR:'))) expect(decodeMessage(r.wire).header.version).toBe(2);
    alice.send('over v2');
    net.pump();
    expect(bob.shown).toEqual([{ text: 'over v2', encrypted: true }]);
  });

  it('whitespace tag → the receiver starts the AKE', () => {
    const { alice, bob, net } = parties({ policy: POLICY_DEFAULT }, { policy: POLICY_DEFAULT });
    alice.send('hello there');
    expect(alice.outbox[0]).toMatch(/^hello there \t {2}\t{4} \t \t \t {2}/);
    net.pump();
    expect(bob.shown).toEqual([{ text: 'hello there', encrypted: false }]);
    expectSecure(alice, bob, 3);
  });

  it('error message with ERROR_START_AKE → a query goes back and the AKE follows', () => {
    const { alice, bob, net } = parties({ policy: POLICY_DEFAULT }, { policy: POLICY_DEFAULT });
    bob.receive('?OTR Error: something went wrong');
    expect(bob.msgEvents('RCVDMSG_GENERAL_ERR')).toEqual([{ type: 'msg', name: 'RCVDMSG_GENERAL_ERR', text: 'something went wrong' }]);
    expect(bob.outbox[0]).toMatch(/^\?OTRv23\?/);
    net.pump();
    expectSecure(alice, bob, 3);
  });

  it('without ERROR_START_AKE an error message gets no reply', () => {
    const { bob } = parties();
    bob.receive('?OTR Error: nope');
    expect(bob.outbox).toEqual([]);
  });

  it('both sides starting at once end with one secure session', () => {
    const { alice, bob, net } = parties();
    alice.query();
    bob.query();
    // Both queries cross, then both DH-Commits cross.
    for (let i = 0; i < 2; i++) {
      const fromAlice = take(alice);
      const fromBob = take(bob);
      for (const w of fromAlice) bob.receive(w);
      for (const w of fromBob) alice.receive(w);
    }
    net.pump();
    expectSecure(alice, bob, 3);
    alice.send('after the race');
    net.pump();
    expect(bob.shown.at(-1)).toEqual({ text: 'after the race', encrypted: true });
  });

  it('both sides starting at once in v2', () => {
    const { alice, bob, net } = parties({ policy: POLICY_ALLOW_V2 }, { policy: POLICY_ALLOW_V2 });
    alice.query();
    bob.query();
    for (let i = 0; i < 2; i++) {
      const fromAlice = take(alice);
      const fromBob = take(bob);
      for (const w of fromAlice) bob.receive(w);
      for (const w of fromBob) alice.receive(w);
    }
    net.pump();
    expectSecure(alice, bob, 2);
  });

  it('a query while private refreshes the keys: still_secure, and messages keep flowing', () => {
    const { alice, bob, net } = privatePair();
    const ssid = conversationStatus(alice.state).ssid;
    bob.query();
    net.pump();
    expect(alice.eventsOf('still_secure')).toHaveLength(1);
    expect(bob.eventsOf('still_secure')).toHaveLength(1);
    expect(conversationStatus(alice.state).ssid).toBe(conversationStatus(bob.state).ssid);
    expect(conversationStatus(alice.state).ssid).not.toBe(ssid);
    alice.send('after refresh');
    net.pump();
    expect(bob.shown).toEqual([{ text: 'after refresh', encrypted: true }]);
  });

  it('plaintext received while private is shown with a warning', () => {
    const { bob } = privatePair();
    bob.receive('in the clear');
    expect(bob.shown).toEqual([{ text: 'in the clear', encrypted: false }]);
    expect(bob.msgEvents('RCVDMSG_UNENCRYPTED')).toHaveLength(1);
  });
});

describe('data messages', () => {
  it('200 messages each way, interleaved, with key rotation and revealed MAC keys', () => {
    const { alice, bob, net } = privatePair();
    const want = { alice: [] as string[], bob: [] as string[] };
    for (let i = 0; i < 200; i++) {
      alice.send(`a→b ${i}`);
      want.bob.push(`a→b ${i}`);
      if (i % 3 !== 0) net.pump();
      bob.send(`b→a ${i}`);
      want.alice.push(`b→a ${i}`);
      if (i % 5 !== 0) net.pump();
    }
    net.pump();
    expect(bob.shown.map((s) => s.text)).toEqual(want.bob);
    expect(alice.shown.map((s) => s.text)).toEqual(want.alice);
    expect([...alice.shown, ...bob.shown].every((s) => s.encrypted)).toBe(true);
    const data = net.transcript.filter((r) => r.wire.startsWith('?OTR:')).map((r) => decodeMessage(r.wire)).filter((d) => d.kind === 'data');
    const keyIds = data.map((d) => (d.kind === 'data' ? d.body.senderKeyId : 0));
    expect(Math.max(...keyIds)).toBeGreaterThan(50);
    const revealing = data.filter((d) => d.kind === 'data' && d.body.oldMacKeys.length > 0);
    expect(revealing.length).toBeGreaterThan(50);
    for (const d of revealing) if (d.kind === 'data') expect(d.body.oldMacKeys.length % 20).toBe(0);
    for (const p of [alice, bob]) {
      expect(p.events.filter((e) => e.type === 'msg')).toEqual([]);
      expect(p.outbox).toEqual([]);
    }
    // ~600 key rotations: allow for a machine shared with other work (timing lives in the bench).
  }, 60_000);

  it('UTF-8 text arrives intact; an empty message shows nothing and raises no error', () => {
    const { alice, bob, net } = privatePair();
    const text = 'héllo wörld — 你好 🎉 \u0000? no: \u00a0tab\tnewline\n';
    alice.send(text.replace('\u0000', ''));
    alice.send('');
    net.pump();
    expect(bob.shown).toEqual([{ text: text.replace('\u0000', ''), encrypted: true }]);
    expect(bob.events.filter((e) => e.type === 'msg' && e.name !== 'LOG_HEARTBEAT_RCVD')).toEqual([]);
  });

  for (const max of [140, 400]) {
    it(`fragments at ${max}: every piece within the limit, the AKE and messages reassemble`, () => {
      const { alice, bob, net } = parties({ maxFragmentSize: max }, { maxFragmentSize: max });
      alice.query();
      net.pump();
      expectSecure(alice, bob, 3);
      const long = 'x'.repeat(1000) + ' ünïcode';
      bob.send(long);
      alice.send('short');
      net.pump();
      expect(alice.shown).toEqual([{ text: long, encrypted: true }]);
      expect(bob.shown).toEqual([{ text: 'short', encrypted: true }]);
      const pieces = net.transcript.filter((r) => r.wire.startsWith('?OTR|'));
      expect(pieces.length).toBeGreaterThan(4);
      // Encoded messages are split; the plaintext query message is not (libotr neither).
      for (const r of net.transcript) if (r.wire.startsWith('?OTR|') || r.wire.startsWith('?OTR:')) expect(r.wire.length).toBeLessThanOrEqual(max);
    });
  }

  it('out-of-order and duplicated fragments are discarded; a resend in order arrives', () => {
    const { alice, bob } = privatePair({ maxFragmentSize: 140 });
    alice.send('y'.repeat(500));
    const pieces = take(alice);
    expect(pieces.length).toBeGreaterThan(3);
    for (const w of [pieces[0]!, pieces[2]!, pieces[1]!, ...pieces.slice(3)]) bob.receive(w);
    for (const w of [pieces[0]!, pieces[1]!, pieces[1]!, ...pieces.slice(2)]) bob.receive(w);
    expect(bob.shown).toEqual([]);
    for (const w of pieces) bob.receive(w);
    expect(bob.shown).toEqual([{ text: 'y'.repeat(500), encrypted: true }]);
    expect(parseFragment(pieces[0]!).receiverTag).toBe(BOB_TAG);
  });

  it('a tampered MAC → RCVDMSG_UNREADABLE, an error reply, nothing shown', () => {
    const { alice, bob } = privatePair();
    alice.send('genuine');
    const [wire] = take(alice);
    bob.receive(tamperMac(wire!));
    expect(bob.shown).toEqual([]);
    expect(unreadable(bob)).toHaveLength(1);
    expect(take(bob)).toEqual(['?OTR Error: The encrypted message received is unreadable.']);
    bob.receive(wire!);
    expect(bob.shown).toEqual([{ text: 'genuine', encrypted: true }]);
  });

  it('a tampered ciphertext is rejected the same way', () => {
    const { alice, bob } = privatePair();
    alice.send('genuine');
    const [wire] = take(alice);
    bob.receive(tamperCiphertext(wire!));
    expect(bob.shown).toEqual([]);
    expect(unreadable(bob)).toHaveLength(1);
  });

  it('a replayed data message is rejected and nothing is shown', () => {
    const { alice, bob } = privatePair();
    alice.send('once');
    alice.send('twice?');
    const wires = take(alice);
    for (const w of wires) bob.receive(w);
    bob.drainShown();
    for (const w of wires) bob.receive(w);
    expect(bob.shown).toEqual([]);
    expect(unreadable(bob)).toHaveLength(2);
  });

  it('a message for another instance tag → RCVDMSG_FOR_OTHER_INSTANCE, nothing shown', () => {
    const { alice, bob } = privatePair();
    alice.send('not for you');
    const [wire] = take(alice);
    const bytes = fromBase64(wire!.slice(5, -1));
    bytes.set([0, 0, 0x30, 0x00], 7); // receiver tag 0x3000
    bob.receive(armor(bytes));
    expect(bob.shown).toEqual([]);
    expect(bob.msgEvents('RCVDMSG_FOR_OTHER_INSTANCE')).toHaveLength(1);
    expect(bob.outbox).toEqual([]);
  });

  it('a data message while PLAINTEXT → not-in-private error, nothing shown', () => {
    const { alice, bob } = privatePair();
    alice.send('too late');
    const [wire] = take(alice);
    bob.end();
    take(bob);
    bob.drainEvents();
    bob.receive(wire!);
    expect(bob.shown).toEqual([]);
    expect(bob.msgEvents('RCVDMSG_NOT_IN_PRIVATE')).toHaveLength(1);
    expect(take(bob)[0]).toMatch(/^\?OTR Error: /);
  });

  it('with IGNORE_UNREADABLE set, an unreadable message raises nothing', () => {
    const { alice, bob } = privatePair();
    bob.receive(tamperMac((alice.send(''), take(alice)[0]!)));
    const smp1 = tamperMac((alice.smpStart('s'), take(alice)[0]!));
    const d = decodeMessage(smp1);
    expect(d.kind === 'data' && d.body.flags & FLAG_IGNORE_UNREADABLE).toBeTruthy();
    bob.receive(smp1);
    bob.receive(tamperMac((alice.smpAbort(), take(alice)[0]!)));
    expect(unreadable(bob)).toHaveLength(1); // only the plain (non-flagged) empty message
  });
});

describe('policies and ending', () => {
  it('REQUIRE_ENCRYPTION: the text is held, a query goes out, and it arrives encrypted only', () => {
    const { alice, bob, net } = parties({ policy: POLICY_ALWAYS }, { policy: POLICY_ALWAYS });
    alice.send('very secret words');
    expect(alice.msgEvents('ENCRYPTION_REQUIRED')).toHaveLength(1);
    expect(alice.outbox).toHaveLength(1);
    expect(alice.outbox[0]).toMatch(/^\?OTRv23\?/);
    expect(conversationStatus(alice.state).queued).toBe(1);
    net.pump();
    expectSecure(alice, bob, 3);
    expect(bob.shown).toEqual([{ text: 'very secret words', encrypted: true }]);
    expect(conversationStatus(alice.state).queued).toBe(0);
    for (const r of net.transcript) expect(r.wire).not.toContain('very secret');
  });

  it('REQUIRE_ENCRYPTION: several texts typed before the AKE all arrive once, in order', () => {
    const { alice, bob, net } = parties({ policy: POLICY_ALWAYS }, { policy: POLICY_MANUAL });
    for (const t of ['first', 'second', 'third']) alice.send(t);
    expect(alice.outbox.every((w) => w.startsWith('?OTRv23?'))).toBe(true);
    net.pump();
    expect(bob.shown).toEqual(['first', 'second', 'third'].map((text) => ({ text, encrypted: true })));
    expect(bob.eventsOf('gone_secure')).toHaveLength(1);
  });

  it('a fragment addressed to another instance is dropped with RCVDMSG_FOR_OTHER_INSTANCE', () => {
    const { alice, bob } = privatePair({ maxFragmentSize: 140 });
    alice.send('z'.repeat(300));
    const pieces = take(alice).map((w) => w.replace(`|${BOB_TAG.toString(16).padStart(8, '0')},`, '|00003000,'));
    for (const w of pieces) bob.receive(w);
    expect(bob.shown).toEqual([]);
    expect(bob.msgEvents('RCVDMSG_FOR_OTHER_INSTANCE')).toHaveLength(pieces.length);
  });

  it('plaintext received while FINISHED is shown with a warning', () => {
    const { alice, bob, net } = privatePair();
    alice.end();
    net.pump();
    bob.receive('plain again');
    expect(bob.shown).toEqual([{ text: 'plain again', encrypted: false }]);
    expect(bob.msgEvents('RCVDMSG_UNENCRYPTED')).toHaveLength(1);
  });

  it('END: the peer goes FINISHED with peer_ended, and sending there is refused', () => {
    const { alice, bob, net } = privatePair();
    alice.end();
    expect(conversationStatus(alice.state).msgstate).toBe('PLAINTEXT');
    expect(alice.eventsOf('gone_insecure')).toHaveLength(1);
    net.pump();
    expect(conversationStatus(bob.state).msgstate).toBe('FINISHED');
    expect(bob.eventsOf('peer_ended')).toHaveLength(1);
    expect(bob.shown).toEqual([]);
    bob.send('anyone there?');
    expect(bob.outbox).toEqual([]);
    expect(bob.msgEvents('CONNECTION_ENDED')).toHaveLength(1);
    bob.end();
    expect(conversationStatus(bob.state).msgstate).toBe('PLAINTEXT');
    expect(bob.outbox).toEqual([]);
  });

  it('a new AKE after END makes a fresh private session', () => {
    const { alice, bob, net } = privatePair();
    const ssid = conversationStatus(alice.state).ssid;
    alice.end();
    net.pump();
    bob.query();
    net.pump();
    expect(conversationStatus(alice.state).msgstate).toBe('ENCRYPTED');
    expect(conversationStatus(bob.state).msgstate).toBe('ENCRYPTED');
    expect(conversationStatus(alice.state).ssid).not.toBe(ssid);
  });
});

describe('SMP, extra symmetric key and heartbeats', () => {
  const lastSmp = (p: Party) => p.eventsOf('smp').at(-1);

  it('SMP with a question succeeds with the right answer', () => {
    const { alice, bob, net } = privatePair();
    alice.smpStart('blue', 'favourite colour?');
    net.pump();
    expect(lastSmp(bob)).toMatchObject({ status: 'ASK_FOR_ANSWER', question: 'favourite colour?' });
    expect(conversationStatus(bob.state)).toMatchObject({ smp: 'awaiting-answer', smpQuestion: 'favourite colour?' });
    bob.smpAnswer('blue');
    net.pump();
    expect(lastSmp(alice)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(lastSmp(bob)).toMatchObject({ status: 'SUCCESS', progress: 100 });
    expect(bob.shown).toEqual([]);
  });

  it('SMP without a question fails with different secrets', () => {
    const { alice, bob, net } = privatePair();
    alice.smpStart('one');
    net.pump();
    bob.smpAnswer('two');
    net.pump();
    expect(lastSmp(alice)).toMatchObject({ status: 'FAILURE' });
    expect(lastSmp(bob)).toMatchObject({ status: 'FAILURE' });
  });

  it('SMP abort reaches the peer', () => {
    const { alice, bob, net } = privatePair();
    alice.smpStart('one');
    net.pump();
    bob.smpAbort();
    net.pump();
    expect(lastSmp(alice)).toMatchObject({ status: 'ABORT' });
    expect(conversationStatus(alice.state).smp).toBe('idle');
  });

  it('the extra symmetric key agrees on both sides', () => {
    const { alice, bob, net } = privatePair();
    alice.send('rotate first');
    net.pump();
    bob.symkey(7, new Uint8Array([1, 2, 3]));
    const mine = bob.eventsOf('symkey')[0];
    net.pump();
    const theirs = alice.eventsOf('received_symkey')[0];
    expect(mine).toMatchObject({ use: 7 });
    expect(theirs).toEqual({ type: 'received_symkey', use: 7, key: (mine as { key: string }).key, useData: '010203' });
    expect((mine as { key: string }).key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a heartbeat goes out after 60 s without sending, and only then', () => {
    const { alice, bob, net, clock } = privatePair();
    alice.send('soon');
    net.pump();
    expect(bob.msgEvents('LOG_HEARTBEAT_SENT')).toHaveLength(0);
    clock.ms += 59_000;
    alice.send('still soon');
    net.pump();
    expect(bob.msgEvents('LOG_HEARTBEAT_SENT')).toHaveLength(0);
    clock.ms += 61_000;
    alice.send('later');
    bob.receive(take(alice)[0]!);
    expect(bob.msgEvents('LOG_HEARTBEAT_SENT')).toHaveLength(1);
    const [beat] = take(bob);
    const d = decodeMessage(beat!);
    expect(d.kind === 'data' && d.body.flags).toBe(FLAG_IGNORE_UNREADABLE);
    alice.receive(beat!);
    expect(alice.msgEvents('LOG_HEARTBEAT_RCVD')).toHaveLength(1);
    expect(alice.shown).toEqual([]);
  });
});

describe('v3 instances', () => {
  it('two clients of the same peer each get their own session, routed by tag', () => {
    const { alice, bob1, bob2, net } = aliceAndTwoBobs();
    alice.query();
    net.pump();
    expect(alice.state.instances['8193']?.msgstate).toBe('ENCRYPTED');
    expect(alice.state.instances['8194']?.msgstate).toBe('ENCRYPTED');
    expect(conversationStatus(bob1.state).msgstate).toBe('ENCRYPTED');
    expect(conversationStatus(bob2.state).msgstate).toBe('ENCRYPTED');
    expect(alice.state.instances['8193']?.ssid).toBe(conversationStatus(bob1.state).ssid);
    expect(alice.state.instances['8194']?.ssid).toBe(conversationStatus(bob2.state).ssid);

    bob1.send('from one');
    bob2.send('from two');
    net.pump();
    expect(alice.shown.map((s) => s.text)).toEqual(['from one', 'from two']);

    // Alice's messages go to the selected instance; the other client sees a message not for it.
    const selected = conversationStatus(alice.state).theirInstanceTag;
    const [target, other] = selected === 0x2001 ? [bob1, bob2] : [bob2, bob1];
    other.drainEvents();
    alice.send('to you only');
    net.pump();
    expect(target.shown.at(-1)).toEqual({ text: 'to you only', encrypted: true });
    expect(other.shown.map((s) => s.text)).not.toContain('to you only');
    expect(other.msgEvents('RCVDMSG_FOR_OTHER_INSTANCE').length).toBeGreaterThan(0);
  });
});

describe('replayed or rewritten key exchanges', () => {
  /** Bob asks, so Alice's D-H Commit goes out unaddressed (instance 0) and Bob's answers to it are kept. */
  function aliceCommits() {
    const p = parties();
    p.bob.query();
    p.net.pump();
    expect(conversationStatus(p.alice.state).msgstate).toBe('ENCRYPTED');
    const fromBob = p.net.transcript.filter((r) => r.from === 'bob' && r.wire.startsWith('?OTR:')).map((r) => r.wire);
    const dhKey = fromBob.find((w) => decodeMessage(w).kind === 'dh-key')!;
    const signature = fromBob.find((w) => decodeMessage(w).kind === 'signature')!;
    expect(dhKey && signature).toBeTruthy();
    p.alice.drainEvents();
    return { ...p, dhKey, signature };
  }
  const keysAndCounter = (wire: string) => {
    const d = decodeMessage(wire);
    if (d.kind !== 'data') throw new Error(`not a data message: ${d.kind}`);
    return `${d.body.senderKeyId}:${d.body.recipientKeyId}:${toHex(d.body.ctr)}`;
  };

  it("a replayed D-H Key and Signature do not restart the session's keys (no counter, so no keystream, is used twice)", () => {
    const { alice, bob, net, dhKey, signature } = aliceCommits();
    alice.send('attack at dawn');
    const first = take(alice)[0]!;
    bob.receive(first);
    bob.send('hello from bob');
    const fromBob = take(bob)[0]!;
    alice.receive(fromBob);
    expect(alice.drainShown().map((m) => m.text)).toEqual(['hello from bob']);

    // The network replays Bob's half of the exchange; nothing of it may reach Bob's session.
    alice.receive(dhKey);
    alice.receive(signature);
    take(alice);
    expect(alice.eventsOf('gone_secure')).toEqual([]);
    expect(alice.state.instances['0']?.ake.state ?? 'NONE').toBe('NONE');
    alice.send('retreat at ten');
    expect(keysAndCounter(take(alice)[0]!)).not.toBe(keysAndCounter(first));
    // Nor is Bob's message shown a second time.
    alice.receive(fromBob);
    expect(alice.drainShown()).toEqual([]);
    expect(net.transcript.length).toBeGreaterThan(0);
  });

  it('after End, the replayed exchange does not make the conversation private again', () => {
    const { alice, dhKey, signature } = aliceCommits();
    alice.end();
    take(alice);
    alice.drainEvents();
    alice.receive(dhKey);
    alice.receive(signature);
    expect(alice.eventsOf('gone_secure')).toEqual([]);
    expect(conversationStatus(alice.state).msgstate).not.toBe('ENCRYPTED');
  });

  it('a D-H Key whose header was rewritten to another version gets no answer (the version is not authenticated)', () => {
    const { alice, bob } = parties();
    bob.query();
    bob.outbox.splice(0).forEach((w) => alice.receive(w));
    const commit = take(alice).find((w) => decodeMessage(w).kind === 'dh-commit')!;
    bob.receive(commit);
    const answer = decodeMessage(take(bob).find((w) => decodeMessage(w).kind === 'dh-key')!);
    if (answer.kind !== 'dh-key') throw new Error('no D-H Key');
    alice.receive(build.dhKey(header(2, MSG_DH_KEY), answer.body.gy));
    expect(take(alice)).toEqual([]);
    // The genuine v3 answer still completes the exchange.
    alice.receive(build.dhKey({ senderTag: BOB_TAG, receiverTag: ALICE_TAG }, answer.body.gy));
    expect(take(alice).map((w) => decodeMessage(w).kind)).toEqual(['reveal-signature']);
  });

  it("two clients answering one unaddressed D-H Commit both go private (each takes the exchange before it is spent)", () => {
    const { alice, bob1, bob2, net } = aliceAndTwoBobs();
    bob1.query();
    net.pump();
    expect(alice.state.instances['8193']?.msgstate).toBe('ENCRYPTED');
    expect(alice.state.instances['8194']?.msgstate).toBe('ENCRYPTED');
    expect(alice.state.instances['0']?.ake.state ?? 'NONE').toBe('NONE');
  });
});

describe('limits a peer cannot push past', () => {
  it('a broken TLV after a valid MAC costs neither the text nor the TLVs before it (as libotr)', () => {
    const { alice, bob } = privatePair();
    const inst = alice.state.instances[String(BOB_TAG)]!;
    // "hi", NUL, a padding TLV, then a TLV header announcing 16 bytes with only 2 present.
    const plaintext = new Uint8Array([0x68, 0x69, 0, 0, 0, 0, 1, 0x7a, 0, 8, 0, 16, 0x61, 0x62]);
    const { wire } = encryptData(inst.data!, header(3, MSG_DATA, ALICE_TAG, BOB_TAG), plaintext, 0);
    bob.receive(wire);
    expect(bob.drainShown()).toEqual([{ text: 'hi', encrypted: true }]);
    expect(bob.msgEvents('RCVDMSG_MALFORMED')).toHaveLength(1);
    expect(conversationStatus(bob.state).msgstate).toBe('ENCRYPTED');
  });

  it('messages naming ever new sender instances do not grow the stored state without bound', () => {
    const { alice, bob } = privatePair();
    for (let i = 0; i < 200; i++) {
      bob.receive(`?OTR|${(0x5000 + i).toString(16).padStart(8, '0')}|${BOB_TAG.toString(16).padStart(8, '0')},00001,00002,AAAA,`);
    }
    expect(Object.keys(bob.state.instances).length).toBeLessThanOrEqual(MAX_INSTANCES);
    // The private instance survives the pruning and still reads Alice.
    alice.send('still here');
    for (const wire of alice.outbox.splice(0)) bob.receive(wire);
    expect(bob.drainShown().map((m) => m.text)).toContain('still here');
  });

  it('after ending, a whitespace tag is offered again even if the peer once ignored it', () => {
    const { alice, bob, net } = privatePair({ policy: POLICY_DEFAULT }, { policy: POLICY_DEFAULT });
    alice.state.offer = 'rejected';
    alice.end();
    net.pump();
    alice.send('plain again');
    expect(alice.outbox.at(-1)).toMatch(/^plain again \t  \t\t\t\t \t \t \t  /);
    void bob;
  });
});
