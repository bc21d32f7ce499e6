/** Query messages, whitespace tags and error messages (spec: "Unencoded messages"); classify.test.ts covers the rest. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POLICY_ALLOW_V2, POLICY_ALLOW_V3, POLICY_DEFAULT, POLICY_NEVER } from '../../src/otr/policy';
import { classify, errorMessage, queryMessage, queryTag, whitespaceTag } from '../../src/otr/query';

describe('query messages', () => {
  it('offers the versions the policy allows', () => {
    expect(queryTag(POLICY_ALLOW_V2 | POLICY_ALLOW_V3)).toBe('?OTRv23?');
    expect(queryTag(POLICY_ALLOW_V2)).toBe('?OTRv2?');
    expect(queryTag(POLICY_ALLOW_V3)).toBe('?OTRv3?');
    expect(queryTag(POLICY_NEVER)).toBe('');
    expect(queryMessage(POLICY_NEVER, 'a')).toBe('');
  });
  it('round-trips through classify for every policy', () => {
    for (const policy of [POLICY_ALLOW_V2, POLICY_ALLOW_V3, POLICY_DEFAULT]) {
      const c = classify(queryMessage(policy, 'alice@example.org'));
      expect(c.kind).toBe('query');
      if (c.kind === 'query') expect([...c.versions].sort()).toEqual((policy & POLICY_ALLOW_V2 ? [2] : []).concat(policy & POLICY_ALLOW_V3 ? [3] : []));
    }
  });
  it('reads every form of the spec', () => {
    const versions = (t: string) => {
      const c = classify(t);
      return c.kind === 'query' ? [...c.versions].sort() : c.kind;
    };
    expect(versions('?OTR?')).toEqual([1]);
    expect(versions('?OTRv2?')).toEqual([2]);
    expect(versions('?OTR?v2?')).toEqual([1, 2]);
    expect(versions('?OTRv24x?')).toEqual([2, 4]);
    expect(versions('?OTR?v?')).toEqual([1]);
    expect(versions('?OTRv?')).toEqual([]);
    expect(versions('bob: ?OTRv23? please')).toEqual([2, 3]);
  });
});

describe('whitespace tags', () => {
  it('are stripped and their versions read, for any text around them', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(POLICY_ALLOW_V2, POLICY_ALLOW_V3, POLICY_DEFAULT), (text, policy) => {
        fc.pre(!text.includes('?OTR') && !text.includes(' \t  \t\t\t\t'));
        const c = classify(text + whitespaceTag(policy));
        expect(c.kind).toBe('plaintext');
        if (c.kind !== 'plaintext') return;
        expect(c.text).toBe(text);
        expect(c.taggedVersions).toEqual((policy & POLICY_ALLOW_V2 ? [2] : []).concat(policy & POLICY_ALLOW_V3 ? [3] : []));
      }),
    );
  });
});

describe('error messages', () => {
  it('error messages round-trip', () => {
    fc.assert(
      fc.property(fc.string(), (t) => {
        expect(classify(errorMessage(t))).toEqual({ kind: 'error', message: t.trim() });
      }),
    );
  });
});
