/** The one wire classifier (spec: "Unencoded messages", "Data types", "Fragmentation"). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, isEarlierFragment, isEncodedWire, isOtrTraffic, mayBeOtr, TAG_BASE, TAG_V1, TAG_V3 } from '../../src/otr/classify';
import { fragmentMessage } from '../../src/otr/fragment';
import { queryMessage, whitespaceTag } from '../../src/otr/query';
import { POLICY_DEFAULT } from '../../src/otr/policy';

/** The base64 of a message header: protocol version (2 bytes) and type (1 byte), then filler. */
const encoded = (version: number, type: number) => `?OTR:${Buffer.from([0, version, type, 1, 2, 3]).toString('base64')}.`;

describe('classify', () => {
  it('reads a query message anywhere in the text', () => {
    expect(classify('?OTRv23?')).toEqual({ kind: 'query', versions: [2, 3] });
    expect(classify('bob: ?OTR?v2? hi')).toEqual({ kind: 'query', versions: [1, 2] });
    expect(classify(queryMessage(POLICY_DEFAULT, 'alice')).kind).toBe('query');
  });
  it('strips a whitespace tag and reads its versions, skipping unknown 8-blocks', () => {
    const tag = TAG_BASE + TAG_V1 + ' \t\t\t\t\t\t ' + TAG_V3;
    expect(classify('hi' + tag + 'there')).toEqual({ kind: 'plaintext', text: 'hithere', tagged: true, taggedVersions: [1, 3] });
    expect(classify('hello' + whitespaceTag(POLICY_DEFAULT)).kind).toBe('plaintext');
  });
  it('leaves plain text untouched', () => {
    expect(classify('hello')).toEqual({ kind: 'plaintext', text: 'hello', tagged: false, taggedVersions: [] });
    expect(classify('?OTR is a protocol').kind).toBe('plaintext');
  });
  it('reads an error message', () => {
    expect(classify('?OTR Error: bad MAC ')).toEqual({ kind: 'error', message: 'bad MAC' });
  });
  it('types encoded messages from their header: data (v3 and v2), AKE messages, anything else', () => {
    expect(classify(encoded(3, 0x03))).toMatchObject({ kind: 'encoded', type: 'data' });
    expect(classify(encoded(2, 0x03))).toMatchObject({ kind: 'encoded', type: 'data' });
    for (const type of [0x02, 0x0a, 0x11, 0x12]) expect(classify(encoded(3, type))).toMatchObject({ kind: 'encoded', type: 'ake' });
    expect(classify(encoded(3, 0x77))).toMatchObject({ kind: 'encoded', type: 'unknown' });
    expect(classify('nick: ?OTR:AAMC.')).toEqual({ kind: 'encoded', text: '?OTR:AAMC.', type: 'ake', message: 'dh-commit' });
    const names = { 0x02: 'dh-commit', 0x0a: 'dh-key', 0x11: 'reveal-signature', 0x12: 'signature', 0x03: 'data' } as const;
    for (const [type, message] of Object.entries(names)) expect(classify(encoded(2, Number(type)))).toMatchObject({ message });
  });
  it('reads fragment headers, v3 with instance tags and v2 without', () => {
    const v3 = fragmentMessage(encoded(3, 3).repeat(5), 60, 3, 0x100, 0x200);
    expect(v3.length).toBeGreaterThan(2);
    v3.forEach((f, i) =>
      expect(classify(f)).toMatchObject({ kind: 'fragment', text: f, header: { version: 3, senderTag: 0x100, receiverTag: 0x200, k: i + 1, n: v3.length } }),
    );
    // The pieces put together are the message again.
    expect(v3.map((f) => (classify(f) as { header: { piece: string } }).header.piece).join('')).toBe(encoded(3, 3).repeat(5));
    expect(classify('?OTR,00001,00002,abc,')).toMatchObject({ kind: 'fragment', header: { version: 2, senderTag: 0, receiverTag: 0, k: 1, n: 2 } });
    expect(classify('?OTR|zz|00,1,2,x,')).toMatchObject({ kind: 'fragment', header: null });
  });
  it('tells earlier fragments, encoded traffic and any OTR traffic apart', () => {
    expect(isEarlierFragment(classify('?OTR,00001,00002,abc,'))).toBe(true);
    expect(isEarlierFragment(classify('?OTR,00002,00002,abc,'))).toBe(false);
    expect(isEarlierFragment(classify(encoded(3, 3)))).toBe(false);
    expect(isEncodedWire(classify(encoded(3, 3)))).toBe(true);
    expect(isEncodedWire(classify('?OTR,00002,00002,abc,'))).toBe(true);
    expect(isEncodedWire(classify('?OTRv3?'))).toBe(false);
    expect(isOtrTraffic(classify('?OTRv3?'))).toBe(true);
    expect(isOtrTraffic(classify('hi' + TAG_BASE))).toBe(true);
    expect(isOtrTraffic(classify('hi'))).toBe(false);
  });
  it('mayBeOtr lets through every text that is not untagged plain text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(' ', '\t', '?', 'O', 'T', 'R', 'v', '3', ':', ',', '|', 'x') }), (t) => {
        const c = classify(t);
        if (isOtrTraffic(c)) expect(mayBeOtr(t)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: fc.constantFrom(' ', '\t', '?', 'O', 'T', 'R', 'v', '2', '3', ':', ',', '|') }), (a, b) => {
        classify(a);
        classify(b);
        classify('?OTR' + b);
        classify('?OTR|' + b);
      }),
      { numRuns: 2000 },
    );
  });
});
