/**
 * The channel format (`?OTR-G:` posts and reveals), its fragments, and the pairwise record:
 * round trips, bounds, and parsers that are total (a value or an OtrError, nothing else).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectGroupText, createChannel } from '../../src/group/channel';
import { memberListHash } from '../../src/group/crypto';
import { addGroupFragment, emptyGroupReassembly, fragmentGroupText, MAX_PENDING_TEXTS, parseGroupFragment } from '../../src/group/fragment';
import { armorGroup, decodeGroupText, postBytes, postHeaderBytes, revealBytes } from '../../src/group/post';
import { decodeGroupRecord, encodeGroupRecord, type GroupOp, MAX_MEMBERS, TLV_GROUP } from '../../src/group/tlv';
import { toBase64, toHex } from '../../src/otr/bytes';
import { isOtrError } from '../../src/otr/errors';
import { drbg } from './helpers';

function total(parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    if (!isOtrError(e)) throw e;
  }
}

const roomId = new Uint8Array(16).fill(3);
const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\u0000'));

describe('?OTR-G: texts', () => {
  it('a post decodes to the fields it was made from', () => {
    fc.assert(
      fc.property(name, fc.nat(), fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 300 }), (sender, epoch, iteration, ciphertext) => {
        const listHash = memberListHash(roomId, ['a', 'b']);
        const header = postHeaderBytes({ roomId, sender, epoch, iteration, listHash });
        const nonce = new Uint8Array(24).fill(1);
        const signature = new Uint8Array(64).fill(2);
        const d = decodeGroupText(armorGroup(postBytes(header, nonce, ciphertext, signature)));
        expect(d.kind).toBe('post');
        if (d.kind !== 'post') return;
        expect([d.sender, d.epoch, d.iteration, toHex(d.listHash), toHex(d.ciphertext), toHex(d.associated)]).toEqual([
          sender,
          epoch,
          iteration,
          toHex(listHash),
          toHex(ciphertext),
          toHex(header),
        ]);
      }),
    );
  });

  it('a reveal decodes to its epoch and secret', () => {
    const d = decodeGroupText(armorGroup(revealBytes({ roomId, sender: 'ann', epoch: 7, signingSecret: new Uint8Array(32).fill(5) })));
    expect(d).toMatchObject({ kind: 'reveal', sender: 'ann', epoch: 7, signingSecret: new Uint8Array(32).fill(5) });
  });

  it('the parser is total over arbitrary text and arbitrary bytes', () => {
    fc.assert(fc.property(fc.string(), (s) => total(() => decodeGroupText('?OTR-G:' + s))));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => total(() => decodeGroupText(armorGroup(b)))));
  });

  it('rejects a truncated post, an unknown kind, another version and trailing bytes', () => {
    const header = postHeaderBytes({ roomId, sender: 's', epoch: 0, iteration: 0, listHash: new Uint8Array(16) });
    const whole = postBytes(header, new Uint8Array(24), new Uint8Array(16), new Uint8Array(64));
    expect(() => decodeGroupText(armorGroup(whole.slice(0, whole.length - 1)))).toThrow(/malformed/);
    expect(() => decodeGroupText(armorGroup(Uint8Array.of(2, ...whole.slice(1))))).toThrow(/unsupported-version/);
    expect(() => decodeGroupText(armorGroup(Uint8Array.of(1, 9, ...whole.slice(2))))).toThrow(/unknown kind/);
    const reveal = revealBytes({ roomId, sender: 's', epoch: 0, signingSecret: new Uint8Array(32) });
    expect(() => decodeGroupText(armorGroup(Uint8Array.of(...reveal, 0)))).toThrow(/trailing-bytes/);
    expect(() => decodeGroupText('?OTR-G:' + toBase64(whole))).toThrow(/not a \?OTR-G: text/);
  });
});

describe('fragments', () => {
  const wire = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='), minLength: 1, maxLength: 4000 }).map((s) => `?OTR-G:${s}.`);

  it('fits every piece in the limit and puts them back together in any order', () => {
    fc.assert(
      fc.property(wire, fc.integer({ min: 40, max: 600 }), fc.integer(), (text, max, shuffleSeed) => {
        const pieces = fragmentGroupText(text, max, drbg(`f${shuffleSeed}`));
        for (const p of pieces) expect(p.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(pieces).toEqual([text]);
        const order = pieces.map((p, i) => ({ p, k: (i * 7919 + shuffleSeed) % 1000 })).sort((a, b) => a.k - b.k);
        let channel = createChannel();
        const done: string[] = [];
        for (const { p } of order) {
          const r = collectGroupText(channel, 'poster', p);
          channel = r.state;
          if (r.complete) done.push(r.complete);
        }
        expect(done).toEqual([text]);
        expect(channel.fragments.pending).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the pieces of different posters and different texts apart', () => {
    const random = drbg('apart');
    const a = fragmentGroupText('?OTR-G:' + 'A'.repeat(300) + '.', 100, random);
    const b = fragmentGroupText('?OTR-G:' + 'B'.repeat(300) + '.', 100, random);
    let channel = createChannel();
    const done: string[] = [];
    for (let i = 0; i < a.length; i++)
      for (const [from, p] of [['ann', a[i]!], ['bo', b[i]!]] as const) {
        const r = collectGroupText(channel, from, p);
        channel = r.state;
        if (r.complete) done.push(r.complete[7]!);
      }
    expect(done).toEqual(['A', 'B']);
  });

  it(`holds at most ${MAX_PENDING_TEXTS} unfinished texts, however many first pieces arrive`, () => {
    let state = emptyGroupReassembly();
    for (let i = 0; i < 500; i++) state = addGroupFragment(state, `p${i}`, { id: i.toString(16).padStart(8, '0'), k: 1, n: 999, piece: 'x'.repeat(100) }).state;
    expect(state.pending).toHaveLength(MAX_PENDING_TEXTS);
  });

  it('drops a text that grows past the length cap', () => {
    let state = emptyGroupReassembly();
    for (let k = 1; k <= 3; k++) state = addGroupFragment(state, 'p', { id: '00000001', k, n: 4, piece: 'x'.repeat(60_000) }).state;
    expect(state.pending).toEqual([]);
  });

  it('refuses malformed pieces with a typed error and ignores them in the channel', () => {
    for (const bad of ['?OTR-G|0000000|1|2|x', '?OTR-G|00000000|0|2|x', '?OTR-G|00000000|3|2|x', '?OTR-G|00000000|1|1|x', '?OTR-G|00000000|1|2|a|b', '?OTR-G|00000000|1|1000|x'])
      expect(() => parseGroupFragment(bad), bad).toThrow(/fragment/);
    expect(collectGroupText(createChannel(), 'p', '?OTR-G|zz|1|2|x')).toEqual({ state: createChannel() });
    fc.assert(fc.property(fc.string(), (s) => total(() => parseGroupFragment('?OTR-G|' + s))));
  });

  it('refuses a limit too small for the piece header', () => {
    expect(() => fragmentGroupText('?OTR-G:' + 'A'.repeat(100) + '.', 20, drbg('small'))).toThrow(/invalid-argument/);
  });
});

describe('pairwise records (TLV 0x4F52)', () => {
  const record = (members: string[], ops: GroupOp[] = []) =>
    encodeGroupRecord({ roomId, owner: members[0]!, listVersion: 1, members, listHash: memberListHash(roomId, members), ops });

  const op: fc.Arbitrary<GroupOp> = fc.oneof(
    name.map((title) => ({ op: 'invite' as const, title, requireVerified: title.length % 2 === 0 })),
    fc.constant({ op: 'accept' as const }),
    fc.record({ epoch: fc.nat(), iteration: fc.nat(), chainKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), signingPublic: fc.uint8Array({ minLength: 32, maxLength: 32 }) }).map((c) => ({ op: 'chain' as const, ...c })),
    name.map((member) => ({ op: 'remove' as const, member })),
    fc.constant({ op: 'leave' as const }),
  );

  it('round-trips, with the list or only its hash; the list comes back sorted', () => {
    fc.assert(
      fc.property(name, fc.nat(), fc.uniqueArray(name, { maxLength: 12 }), fc.array(op, { maxLength: 4 }), fc.boolean(), (owner, listVersion, members, ops, withList) => {
        const listHash = memberListHash(roomId, members);
        const tlv = encodeGroupRecord({ roomId, owner, listVersion, members: withList ? members : null, listHash, ops });
        expect(tlv.type).toBe(TLV_GROUP);
        expect(decodeGroupRecord(tlv.value)).toEqual({ roomId, owner, listVersion, members: withList ? [...members].sort() : null, listHash, ops });
      }),
    );
  });

  it('the parser is total; a list that does not match its hash is refused', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => total(() => decodeGroupRecord(Uint8Array.of(1, ...b)))));
    const tlv = record(['o', 'p']);
    const bad = tlv.value.slice();
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 1; // inside the list hash
    expect(() => decodeGroupRecord(bad)).toThrow(/bad-hash/);
  });

  it('skips an op type from a later format', () => {
    const tlv = record(['o'], [{ op: 'leave' }]);
    const v = tlv.value.slice();
    // The op is the last 3 bytes: type 5, length 0. Make it an unknown type 99 with 2 bytes.
    const unknown = Uint8Array.of(...v.slice(0, v.length - 3), 99, 0, 2, 7, 7);
    expect(decodeGroupRecord(unknown).ops).toEqual([]);
  });

  it(`refuses more than ${MAX_MEMBERS} members and a name listed twice`, () => {
    const many = Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => `m${i}`);
    expect(() => record(many)).toThrow(/at most/);
    const tlv = record(['o', 'p']);
    const twice = tlv.value.slice();
    // Rename "p" to "o": then the hash no longer matches either, but the duplicate is found first.
    const at = toHex(twice).indexOf('000170') / 2 + 2; // SHORT 1, then "p"
    twice[at] = 0x6f;
    expect(() => decodeGroupRecord(twice)).toThrow(/listed twice/);
  });
});
