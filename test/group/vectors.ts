/**
 * Known-answer vectors for the group engine, computed from fixed random sources and a fixed
 * clock. vectors.test.ts recomputes them and compares with test/fixtures/group-vectors.json;
 * `WRITE_GROUP_VECTORS=1 npx vitest run --project group vectors` rewrites the file after a
 * deliberate format change.
 */
import { acceptInvite, createRoom, inviteMember, postToRoom, readInvite, receiveRecord, removeMember } from '../../src/group';
import { memberListHash, ratchet, sign, signingPublicKey } from '../../src/group/crypto';
import { fragmentGroupText } from '../../src/group/fragment';
import { fromHex, toHex, utf8 } from '../../src/otr/bytes';
import { drbg } from './helpers';

export interface GroupVectors {
  about: string;
  ratchet: { chainKey: string; steps: { messageKey: string; nextChainKey: string }[] };
  memberListHash: { roomId: string; members: string[]; hash: string };
  ed25519: { secret: string; public: string; message: string; signature: string };
  room: {
    seeds: { alice: string; bob: string; carol: string };
    clockMs: number;
    roomId: string;
    /**
     * Every record Alice sent Bob, in order, as TLV values in hex: the invitation; the list
     * and her chain once he accepted; the list with Carol; the list without her and the chain
     * of Alice's epoch 1.
     */
    aliceToBob: string[];
    post: { text: string; wire: string };
    fragments: { maxSize: number; seed: string; pieces: string[] };
    /** After Alice removes Carol: the channel texts (her reveal of epoch 0) and her first post of epoch 1. */
    afterRemoval: { reveal: string; post: string };
  };
}

export function computeVectors(): GroupVectors {
  const ck = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
  const steps: { messageKey: string; nextChainKey: string }[] = [];
  let key = fromHex(ck);
  for (let i = 0; i < 3; i++) {
    const r = ratchet(key);
    steps.push({ messageKey: toHex(r.messageKey), nextChainKey: toHex(r.nextChainKey) });
    key = r.nextChainKey;
  }
  const roomIdHex = 'f0'.repeat(16);
  const members = ['carol', 'alice', 'bob'];
  const secret = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'); // RFC 8032 test 1
  const message = utf8('OffRecord group vector');

  const clockMs = 1_700_000_000_000;
  const seeds = { alice: 'vectors/alice', bob: 'vectors/bob', carol: 'vectors/carol' };
  const env = (seed: string) => ({ random: drbg(seed), now: () => clockMs });
  const aliceEnv = env(seeds.alice);
  const bobEnv = env(seeds.bob);
  const carolEnv = env(seeds.carol);
  let alice = createRoom(aliceEnv, { me: 'alice', title: 'vectors' }).state;
  const aliceToBob: string[] = [];
  const inviteBob = inviteMember(aliceEnv, alice, 'bob', {});
  alice = inviteBob.state;
  aliceToBob.push(toHex(inviteBob.direct[0]!.tlv.value));
  const bob = readInvite(bobEnv, 'bob', 'alice', inviteBob.direct[0]!.tlv.value, {}).state;
  const bobAccepts = acceptInvite(bobEnv, bob);
  const admitted = receiveRecord(aliceEnv, alice, 'bob', bobAccepts.direct[0]!.tlv.value, {});
  alice = admitted.state;
  aliceToBob.push(...admitted.direct.filter((d) => d.to === 'bob').map((d) => toHex(d.tlv.value)));
  const text = 'Hello, room! Grüße 🙂';
  const posted = postToRoom(aliceEnv, alice, text, {});
  alice = posted.state;
  const wire = posted.send[0]!;
  const fragmentSeed = 'vectors/fragments';

  // Carol joins (her side is not needed for Alice's texts), then is removed.
  const inviteCarol = inviteMember(aliceEnv, alice, 'carol', {});
  const carol = acceptInvite(carolEnv, readInvite(carolEnv, 'carol', 'alice', inviteCarol.direct[0]!.tlv.value, {}).state);
  const admittedCarol = receiveRecord(aliceEnv, inviteCarol.state, 'carol', carol.direct[0]!.tlv.value, {});
  alice = admittedCarol.state;
  const removal = removeMember(aliceEnv, alice, 'carol', {});
  for (const step of [admittedCarol, removal]) aliceToBob.push(...step.direct.filter((d) => d.to === 'bob').map((d) => toHex(d.tlv.value)));
  const afterPost = postToRoom(aliceEnv, removal.state, 'after carol', {});

  return {
    about: 'Computed by test/group/vectors.ts from fixed random sources (SHA-256 counter DRBG over the seeds) and a fixed clock.',
    ratchet: { chainKey: ck, steps },
    memberListHash: { roomId: roomIdHex, members, hash: toHex(memberListHash(fromHex(roomIdHex), members)) },
    ed25519: { secret: toHex(secret), public: toHex(signingPublicKey(secret)), message: toHex(message), signature: toHex(sign(secret, message)) },
    room: {
      seeds,
      clockMs,
      roomId: alice.roomId,
      aliceToBob,
      post: { text, wire },
      fragments: { maxSize: 120, seed: fragmentSeed, pieces: fragmentGroupText(wire, 120, drbg(fragmentSeed)) },
      afterRemoval: { reveal: removal.send[0]!, post: afterPost.send[0]! },
    },
  };
}
