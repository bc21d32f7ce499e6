/** Fragmentation (spec: "Fragmentation"): splitting under a limit and the reassembly rules. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOtrError, OtrError } from '../../src/otr/errors';
import { addFragment, emptyReassembly, fragmentMessage, parseFragment, type Reassembly } from '../../src/otr/fragment';

/** Feeds pieces in order; returns every completed message. */
function reassemble(pieces: string[], start: Reassembly = emptyReassembly()): { done: string[]; state: Reassembly } {
  let state = start;
  const done: string[] = [];
  for (const p of pieces) {
    const r = addFragment(state, parseFragment(p));
    state = r.state;
    if (r.complete !== undefined) done.push(r.complete);
  }
  return { done, state };
}

const encoded = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='), minLength: 1, maxLength: 3000 }).map((s) => `?OTR:${s}.`);

describe('fragmentMessage', () => {
  it('fits every piece in the limit and reassembles, v3 and v2', () => {
    fc.assert(
      fc.property(encoded, fc.integer({ min: 40, max: 600 }), fc.constantFrom(2 as const, 3 as const), (msg, max, version) => {
        const pieces = fragmentMessage(msg, max, version, 0x1234, 0xabcdef01);
        if (msg.length <= max) expect(pieces).toEqual([msg]);
        for (const p of pieces) expect(p.length).toBeLessThanOrEqual(max);
        if (pieces.length > 1) {
          const f = parseFragment(pieces[0]!);
          expect(f.version).toBe(version);
          expect(f.n).toBe(pieces.length);
          if (version === 3) expect([f.senderTag, f.receiverTag]).toEqual([0x1234, 0xabcdef01]);
          expect(reassemble(pieces).done).toEqual([msg]);
        }
      }),
    );
  });
  it('counts like libotr: at 140 characters a piece carries 103 (v3) or 121 (v2) characters', () => {
    const msg = '?OTR:' + 'A'.repeat(400) + '.';
    const v3 = fragmentMessage(msg, 140, 3, 0x100, 0x101);
    expect(v3[0]).toMatch(/^\?OTR\|00000100\|00000101,00001,00004,/);
    expect(parseFragment(v3[0]!).piece.length).toBe(103);
    expect(parseFragment(fragmentMessage(msg, 140, 2)[0]!).piece.length).toBe(121);
  });
  it('refuses a limit that leaves no room', () => {
    expect(() => fragmentMessage('?OTR:' + 'A'.repeat(100) + '.', 37, 3)).toThrow(OtrError);
  });
  it('never splits with a limit of 0', () => {
    expect(fragmentMessage('x'.repeat(10_000), 0, 3)).toEqual(['x'.repeat(10_000)]);
  });
});

describe('reassembly rules', () => {
  const msg = '?OTR:' + 'QUJD'.repeat(100) + '.';
  const pieces = fragmentMessage(msg, 140, 3, 0x100, 0x101);

  it('a piece out of order throws away what was collected', () => {
    const swapped = [pieces[0]!, pieces[2]!, pieces[1]!, ...pieces.slice(3)];
    expect(reassemble(swapped).done).toEqual([]);
  });
  it('a duplicated piece throws away what was collected', () => {
    const dup = [pieces[0]!, pieces[1]!, pieces[1]!, ...pieces.slice(2)];
    expect(reassemble(dup).done).toEqual([]);
  });
  it('piece 1 starts over, so a resent message still arrives', () => {
    expect(reassemble([pieces[0]!, pieces[1]!, ...pieces]).done).toEqual([msg]);
  });
  it('a piece with a different n throws away what was collected', () => {
    const other = fragmentMessage(msg + 'x', 100, 3, 0x100, 0x101);
    expect(reassemble([pieces[0]!, other[1]!]).state).toEqual(emptyReassembly());
  });
  it('k = 0, n = 0 and k > n are illegal', () => {
    for (const bad of ['?OTR,00000,00001,abc,', '?OTR,00001,00000,abc,', '?OTR,00003,00002,abc,', '?OTR|00000100|00000101,00000,00002,x,'])
      expect(() => parseFragment(bad)).toThrow(OtrError);
  });
  it('an empty piece is illegal (spec: each piece is non-empty)', () => {
    for (const bad of ['?OTR,00001,00002,,', '?OTR|00000100|00000101,00001,00002,,']) expect(() => parseFragment(bad)).toThrow(OtrError);
  });
  it('bad instance tags are rejected', () => {
    expect(() => parseFragment('?OTR|00000005|00000101,00001,00002,x,')).toThrow(OtrError);
    expect(() => parseFragment('?OTR|00000100|00000001,00001,00002,x,')).toThrow(OtrError);
  });
  it('random orders of pieces never produce anything but the message', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(pieces.length - 1), { maxLength: 30 }), (order) => {
        const { done } = reassemble(order.map((i) => pieces[i]!));
        for (const d of done) expect(d).toBe(msg);
      }),
    );
  });
});

describe('parseFragment on arbitrary text', () => {
  it('returns or throws OtrError only', () => {
    const check = (s: string) => {
      try {
        parseFragment(s);
      } catch (e) {
        if (!isOtrError(e)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef|,?OTR') }), (a, b) => {
        check(a);
        check('?OTR,' + b);
        check('?OTR|' + b);
      }),
      { numRuns: 2000 },
    );
  });
});
