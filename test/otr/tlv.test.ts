/** TLV records and data message plaintexts (spec: "Tag-Length-Value (TLV) records"). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/otr/bytes';
import { isOtrError, OtrError } from '../../src/otr/errors';
import {
  decodePlaintext,
  decodeTlvs,
  encodePlaintext,
  encodeTlvs,
  extraSymmetricKeyTlv,
  parseExtraSymmetricKeyTlv,
  TLV_DISCONNECTED,
  TLV_EXTRA_SYMMETRIC_KEY,
} from '../../src/otr/tlv';

const tlv = fc.record({ type: fc.integer({ min: 0, max: 0xffff }), value: fc.uint8Array({ maxLength: 300 }) });
const onlyOtrErrors = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!isOtrError(e)) throw e;
  }
};

describe('TLVs', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(fc.array(tlv, { maxLength: 6 }), (tlvs) => {
        expect(decodeTlvs(encodeTlvs(tlvs))).toEqual(tlvs);
      }),
    );
  });
  it('encode the spec layout: type, length, value', () => {
    expect(encodeTlvs([{ type: TLV_DISCONNECTED, value: new Uint8Array() }, { type: 0x0102, value: new Uint8Array([9]) }])).toEqual(
      new Uint8Array([0, 1, 0, 0, 1, 2, 0, 1, 9]),
    );
  });
  it('reject a value over 65535 bytes, and truncated input, with OtrError', () => {
    expect(() => encodeTlvs([{ type: 0, value: new Uint8Array(65536) }])).toThrow(OtrError);
    expect(() => decodeTlvs(new Uint8Array([0, 1, 0, 5, 1]))).toThrow(OtrError);
    expect(() => decodeTlvs(new Uint8Array([0]))).toThrow(OtrError);
  });
  it('decodeTlvs and decodePlaintext on arbitrary bytes throw only OtrError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        onlyOtrErrors(() => decodeTlvs(b));
        onlyOtrErrors(() => decodePlaintext(b));
        onlyOtrErrors(() => parseExtraSymmetricKeyTlv(b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('plaintexts', () => {
  it('message and TLVs round-trip', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('\0')), fc.array(tlv, { maxLength: 4 }), (text, tlvs) => {
        const d = decodePlaintext(encodePlaintext(utf8(text), tlvs));
        expect(new TextDecoder().decode(d.message)).toBe(text);
        expect(d.tlvs).toEqual(tlvs);
      }),
    );
  });
  it('a message without TLVs has no NUL', () => {
    expect(encodePlaintext(utf8('hi'), [])).toEqual(utf8('hi'));
  });
});

describe('extra symmetric key TLV', () => {
  it('round-trips use and use-data', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 100 }), (use, data) => {
        const t = extraSymmetricKeyTlv(use, data);
        expect(t.type).toBe(TLV_EXTRA_SYMMETRIC_KEY);
        expect(parseExtraSymmetricKeyTlv(t.value)).toEqual({ use, useData: data });
      }),
    );
  });
  it('needs at least the 4-byte use', () => {
    expect(() => parseExtraSymmetricKeyTlv(new Uint8Array(3))).toThrow(OtrError);
  });
});
