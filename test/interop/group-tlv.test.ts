// A group room's record travels as a TLV (type 0x4F52) inside a pairwise OTR data message.
// Here OffRecord's engine, in this process, sends such messages to the real reference peers:
// libotr and otr.js must show the message text, skip the unknown TLV and keep the session
// working both ways; python-potr is shown for what it does (it drops the message, see below).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvite, createRoom, inviteMember, readInvite, receiveRecord, TLV_GROUP } from '../../src/group';
import { decodeGroupRecord } from '../../src/group/tlv';
import type { OtrEnv, StepResult } from '../../src/otr/conversation';
import { type DsaPrivateKey, generateDsaKey } from '../../src/otr/dsa';
import { generateInstanceTag } from '../../src/otr/instance-tag';
import { type ConversationState, conversationStatus, createConversation, receiveMessage, sendMessage, startOtr } from '../../src/otr/session';
import type { Tlv } from '../../src/otr/tlv';
import { buildCPeer, closeAll, esc, type Peer, type PeerKind, shownAs, spawnPeer, unesc } from './harness';

const env: OtrEnv = { random: (n) => crypto.getRandomValues(new Uint8Array(n)), now: () => Date.now() };
let aliceKey: DsaPrivateKey;

beforeAll(() => {
  buildCPeer();
  aliceKey = generateDsaKey(env.random);
}, 120_000);
afterEach(() => closeAll());

/** OffRecord's engine in this process, wired to a reference peer's stdin and stdout. */
class LocalOffRecord {
  state: ConversationState;
  readonly shown: string[] = [];
  readonly events: string[] = [];
  readonly me = { privateKey: aliceKey, instanceTag: generateInstanceTag(env.random) };

  constructor(
    readonly peer: Peer,
    maxFragmentSize: number,
  ) {
    this.state = createConversation({ account: 'alice', protocol: 'prpl-interop', peer: 'bob', maxFragmentSize });
    peer.onLine((line) => {
      if (line.startsWith('WIRE ')) this.apply(receiveMessage(env, this.me, this.state, unesc(line.slice(5))));
    });
  }

  apply(r: StepResult): void {
    this.state = JSON.parse(JSON.stringify(r.state)) as ConversationState;
    this.shown.push(...r.show.map((s) => s.text));
    this.events.push(...r.events.map((e) => e.type + ('name' in e ? ` ${e.name}` : '')));
    for (const text of r.send) this.peer.send('RECV ' + esc(text));
  }

  send(text: string, tlvs: Tlv[] = []): void {
    this.apply(sendMessage(env, this.me, this.state, text, tlvs));
  }

  /**
   * Asks for a private conversation. otr.js answers a query by starting the AKE itself, and
   * about 1 run in 16 its reveal is one that libotr (and so OffRecord) rejects: a known otr.js
   * bug (see harness.ts goSecureRetrying), so the query is repeated up to three times.
   */
  async goPrivate(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const since = this.peer.mark();
      this.apply(startOtr(env, this.me, this.state));
      try {
        await this.peer.waitFor(/^EVENT gone_secure v\d/, 10_000, since);
        await waitUntil(() => conversationStatus(this.state).msgstate === 'ENCRYPTED', 'OffRecord to go private');
        return;
      } catch (e) {
        if (attempt === 3 || this.peer.kind !== 'otrjs') throw e;
      }
    }
  }

  async waitShown(text: string): Promise<void> {
    await waitUntil(() => this.shown.includes(text), `OffRecord to show ${JSON.stringify(text)}`);
  }
}

async function waitUntil(check: () => boolean, what = 'condition', timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const groupEnv = { random: env.random, now: env.now };

/** Real records from the group engine: the owner's invitation and, once accepted, its chain key. */
function roomRecords(): { invite: Tlv; chain: Tlv } {
  const owner = createRoom(groupEnv, { me: 'alice', title: 'Room über alles' }).state;
  const invited = inviteMember(groupEnv, owner, 'bob', {});
  const bobRoom = readInvite(groupEnv, 'bob', 'alice', invited.direct[0]!.tlv.value, {}).state;
  const accept = acceptInvite(groupEnv, bobRoom).direct[0]!.tlv;
  const admitted = receiveRecord(groupEnv, invited.state, 'bob', accept.value, {});
  const chain = admitted.direct.find((d) => decodeGroupRecord(d.tlv.value).ops.some((o) => o.op === 'chain'))!.tlv;
  return { invite: invited.direct[0]!.tlv, chain };
}

/** Sends `texts` from the reference peer and waits until OffRecord shows each. */
async function fromPeer(local: LocalOffRecord, texts: string[]): Promise<void> {
  for (const t of texts) local.peer.say(t);
  for (const t of texts) await local.waitShown(t);
}

async function toPeer(local: LocalOffRecord, text: string, tlvs: Tlv[] = []): Promise<void> {
  const since = local.peer.mark();
  local.send(text, tlvs);
  await local.peer.waitFor(shownAs(text), 15_000, since);
}

const sessions: { kind: PeerKind; version: 2 | 3; max: number }[] = [
  { kind: 'libotr', version: 3, max: 0 },
  { kind: 'libotr', version: 3, max: 140 },
  { kind: 'otrjs', version: 3, max: 0 },
];

describe.each(sessions)('OffRecord → $kind (v$version, max $max): a data message carrying a room record', ({ kind, max }) => {
  it('shows the text, skips the TLV and the session keeps working both ways', async () => {
    const peer = await spawnPeer(kind, { account: 'bob', peer: 'alice', ...(max ? { max } : {}) });
    const local = new LocalOffRecord(peer, max);
    await local.goPrivate();
    const { invite, chain } = roomRecords();
    expect([invite.type, chain.type]).toEqual([TLV_GROUP, TLV_GROUP]);
    const since = peer.mark();
    await toPeer(local, 'an invitation rides along', [invite]);
    await toPeer(local, 'and a chain key, Grüße 🙂', [chain]);
    // Two records in one message, with no text: nothing to show, nothing to complain about.
    local.send('', [invite, chain]);
    await toPeer(local, 'after the empty one');
    expect(peer.grep(/^EVENT msg (RCVDMSG_|ERROR|ENCRYPTION_ERROR)|^ERROR /, since)).toEqual([]);
    expect(peer.grep(/^SHOW /, since)).toEqual(['SHOW an invitation rides along', 'SHOW and a chain key, Grüße 🙂', 'SHOW after the empty one']);
    await fromPeer(local, ['still private', 'both ways']);
    for (let i = 0; i < 5; i++) {
      await toPeer(local, `record ${i}`, [chain]);
      await fromPeer(local, [`reply ${i}`]);
    }
    expect((await peer.status()).msgstate).toBe('ENCRYPTED');
    expect(local.events.filter((e) => e.startsWith('msg RCVDMSG'))).toEqual([]);
  });
});

describe('OffRecord → potr (v2)', () => {
  // python-potr raises UnknownTLV for any TLV type it has no class for, so it drops the whole
  // message, text included. Rooms only ever send records to members (OffRecord users), so a
  // potr user is never sent one; this test pins the behaviour down so nobody relies on it.
  it('drops a message carrying an unknown TLV, text included, and the session goes on', async () => {
    const peer = await spawnPeer('potr', { account: 'bob', peer: 'alice' });
    const local = new LocalOffRecord(peer, 0);
    await local.goPrivate();
    const { chain } = roomRecords();
    const since = peer.mark();
    local.send('lost with its record', [chain]);
    await toPeer(local, 'plain text after it');
    expect(peer.grep('SHOW lost with its record', since)).toEqual([]);
    await fromPeer(local, ['potr still talks']);
    expect((await peer.status()).msgstate).toBe('ENCRYPTED');
  });
});

describe('the sending option', () => {
  it('refuses TLVs on a conversation that is not private and sends nothing', async () => {
    const peer = await spawnPeer('libotr', { account: 'bob', peer: 'alice' });
    const local = new LocalOffRecord(peer, 0);
    const before = JSON.stringify(local.state);
    expect(() => local.send('', [roomRecords().chain])).toThrow(/bad-state.*private/);
    expect(JSON.stringify(local.state)).toBe(before);
  });
});
