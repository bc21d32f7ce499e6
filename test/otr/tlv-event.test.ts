/**
 * TLVs the engine does not handle itself reach the application as `tlv` events (the group rooms'
 * records ride on them); padding and the protocol's own TLVs do not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DsaPrivateKey } from '../../src/otr/dsa';
import { POLICY_MANUAL } from '../../src/otr/policy';
import { conversationStatus, sendMessage } from '../../src/otr/session';
import { TLV_PADDING, type Tlv } from '../../src/otr/tlv';
import { Network, Party, testKey } from './helpers';

let aliceKey: DsaPrivateKey;
let bobKey: DsaPrivateKey;
beforeAll(() => {
  aliceKey = testKey('tlv-event-alice');
  bobKey = testKey('tlv-event-bob');
});

function privatePair() {
  const alice = new Party('alice', aliceKey, 0x1000, { policy: POLICY_MANUAL });
  const bob = new Party('bob', bobKey, 0x2000, { policy: POLICY_MANUAL });
  const net = Network.pair(alice, bob);
  alice.query();
  net.pump();
  expect(conversationStatus(bob.state).msgstate).toBe('ENCRYPTED');
  alice.drainEvents();
  bob.drainEvents();
  return { alice, bob, net };
}

const sendWith = (p: Party, text: string, tlvs: Tlv[]) => p.apply(sendMessage(p.env, p.me, p.state, text, tlvs));

describe('unknown TLVs surface as events', () => {
  it('an unknown type arrives as a JSON-safe tlv event with its value in hex, after the text', () => {
    const { alice, bob, net } = privatePair();
    sendWith(alice, 'hello', [{ type: 0x4f52, value: new Uint8Array([0xde, 0xad, 0x00, 0x01]) }]);
    net.pump();
    expect(bob.drainShown().map((s) => s.text)).toEqual(['hello']);
    const events = bob.eventsOf('tlv');
    expect(events).toEqual([{ type: 'tlv', tlvType: 0x4f52, value: 'dead0001' }]);
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('several TLVs in one message arrive in order; padding is not reported; no text shows nothing', () => {
    const { alice, bob, net } = privatePair();
    sendWith(alice, '', [
      { type: TLV_PADDING, value: new Uint8Array(7) },
      { type: 0x4f52, value: new Uint8Array([1]) },
      { type: 0x1234, value: new Uint8Array() },
    ]);
    net.pump();
    expect(bob.eventsOf('tlv')).toEqual([
      { type: 'tlv', tlvType: 0x4f52, value: '01' },
      { type: 'tlv', tlvType: 0x1234, value: '' },
    ]);
    expect(bob.shown).toEqual([]);
    expect(bob.msgEvents('RCVDMSG_MALFORMED')).toEqual([]);
  });

  it("the engine's own TLVs (SMP, disconnect) raise no tlv event", () => {
    const { alice, bob, net } = privatePair();
    alice.smpStart('secret');
    net.pump();
    alice.end();
    net.pump();
    expect(bob.eventsOf('tlv')).toEqual([]);
    expect(bob.eventsOf('peer_ended')).toHaveLength(1);
  });
});
