/**
 * The carrier: a room record as a TLV of a pairwise OTR data message between two OffRecord
 * engines (src/otr/session.ts sendMessage's `tlvs`). The receiving engine decrypts it, shows
 * the text and skips the TLV it does not handle; the session goes on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRoom, inviteMember } from '../../src/group';
import type { DsaPrivateKey } from '../../src/otr/dsa';
import { decodeMessage, FLAG_IGNORE_UNREADABLE } from '../../src/otr/messages';
import { POLICY_MANUAL } from '../../src/otr/policy';
import { conversationStatus, sendMessage } from '../../src/otr/session';
import { Network, Party, testKey } from '../otr/helpers';
import { groupEnv } from './helpers';

let aliceKey: DsaPrivateKey;
let bobKey: DsaPrivateKey;
beforeAll(() => {
  aliceKey = testKey('group-alice');
  bobKey = testKey('group-bob');
});

function privatePair() {
  const alice = new Party('alice', aliceKey, 0x1000, { policy: POLICY_MANUAL });
  const bob = new Party('bob', bobKey, 0x2000, { policy: POLICY_MANUAL });
  const net = Network.pair(alice, bob);
  alice.query();
  net.pump();
  expect(conversationStatus(bob.state).msgstate).toBe('ENCRYPTED');
  return { alice, bob, net };
}

function inviteRecord() {
  const env = groupEnv('pairwise');
  return inviteMember(env, createRoom(env, { me: 'alice' }).state, 'bob', {}).direct[0]!.tlv;
}

describe('a room record inside a pairwise data message', () => {
  it('rides with text: the text shows, the record is skipped, nothing is reported as wrong', () => {
    const { alice, bob, net } = privatePair();
    alice.apply(sendMessage(alice.env, alice.me, alice.state, 'hello with a record', [inviteRecord()]));
    net.pump();
    expect(bob.shown.map((s) => s.text)).toEqual(['hello with a record']);
    expect(bob.events.filter((e) => e.type === 'msg' && e.name.startsWith('RCVDMSG'))).toEqual([]);
    bob.send('reply');
    net.pump();
    expect(alice.shown.map((s) => s.text)).toEqual(['reply']);
  });

  it('alone, it goes out flagged IGNORE_UNREADABLE like SMP messages, and shows nothing', () => {
    const { alice, bob, net } = privatePair();
    const r = alice.apply(sendMessage(alice.env, alice.me, alice.state, '', [inviteRecord()]));
    expect(r.sent).toEqual([]);
    const d = decodeMessage(r.send[0]!);
    expect(d.kind === 'data' && d.body.flags & FLAG_IGNORE_UNREADABLE).toBeTruthy();
    net.pump();
    expect(bob.shown).toEqual([]);
  });

  it('is refused outside a private conversation, with nothing sent', () => {
    const alice = new Party('alice', aliceKey, 0x1000, { policy: POLICY_MANUAL });
    expect(() => sendMessage(alice.env, alice.me, alice.state, 'x', [inviteRecord()])).toThrow(/bad-state at conversation/);
  });
});
