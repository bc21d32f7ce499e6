/** Instance tags (spec: "Instance Tags"): the smallest valid tag is 0x00000100. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtrError, isOtrError } from '../../src/otr/errors';
import {
  formatInstanceTag,
  generateInstanceTag,
  isValidInstanceTag,
  MIN_INSTANCE_TAG,
  parseInstanceTag,
} from '../../src/otr/instance-tag';

/** A random source that hands out the given bytes in order. */
function scripted(bytes: number[]) {
  let at = 0;
  return (n: number) => {
    const out = Uint8Array.from(bytes.slice(at, at + n));
    at += n;
    return out;
  };
}

describe('instance tags', () => {
  it('reads four random bytes big-endian and redraws values below 0x100', () => {
    expect(generateInstanceTag(scripted([0x12, 0x34, 0x56, 0x78]))).toBe(0x12345678);
    expect(generateInstanceTag(scripted([0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 1, 0]))).toBe(0x100);
    expect(generateInstanceTag(scripted([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
  });

  it('always generates a valid tag', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 400, maxLength: 400 }), (bytes) => {
        // Force the first draw low so the redraw path runs too.
        const tag = generateInstanceTag(scripted([0, 0, 0, 0, ...bytes]));
        expect(isValidInstanceTag(tag)).toBe(true);
      }),
    );
  });

  it('knows which numbers are valid', () => {
    for (const ok of [0x100, 0x12345678, 0xffffffff]) expect(isValidInstanceTag(ok)).toBe(true);
    for (const bad of [0, 1, 0xff, 0x100000000, -1, 256.5, NaN, '256', null]) expect(isValidInstanceTag(bad)).toBe(false);
  });

  it('formats as 8 lower-case hex digits and parses them back', () => {
    expect(formatInstanceTag(MIN_INSTANCE_TAG)).toBe('00000100');
    expect(formatInstanceTag(0xabcdef12)).toBe('abcdef12');
    expect(parseInstanceTag('ABCDEF12')).toBe(0xabcdef12);
    fc.assert(
      fc.property(fc.integer({ min: MIN_INSTANCE_TAG, max: 0xffffffff }), (n) => {
        expect(parseInstanceTag(formatInstanceTag(n))).toBe(n);
      }),
    );
  });

  it('rejects invalid tags with typed errors', () => {
    expect(() => formatInstanceTag(0xff)).toThrow(OtrError);
    for (const [text, code] of [
      ['000000ff', 'out-of-range'],
      ['00000000', 'out-of-range'],
      ['100', 'malformed'],
      ['0000010000', 'malformed'],
      ['0000010g', 'malformed'],
      ['', 'malformed'],
    ] as const) {
      expect(() => parseInstanceTag(text)).toThrow(expect.objectContaining({ code }));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (s) => {
        try {
          expect(isValidInstanceTag(parseInstanceTag(s))).toBe(true);
        } catch (e) {
          expect(isOtrError(e)).toBe(true);
        }
      }),
    );
  });
});
