import { tabParam } from '../../src/ui/backend';
import { describe, expect, it } from 'vitest';
import { fingerprintGroups, formatFingerprint, sameFingerprint } from '../../src/ui/format';

describe('fingerprint format (libotr otrl_privkey_hash_to_human)', () => {
  it('makes 5 groups of 8 uppercase hex from the plain form', () => {
    const plain = '3a1f0c9b77d2e4a05b6c8d9e0f1a2b3c4d5e6f70';
    expect(fingerprintGroups(plain)).toEqual(['3A1F0C9B', '77D2E4A0', '5B6C8D9E', '0F1A2B3C', '4D5E6F70']);
    expect(formatFingerprint(plain)).toBe('3A1F0C9B 77D2E4A0 5B6C8D9E 0F1A2B3C 4D5E6F70');
  });
  it('treats spacing and case as the same fingerprint', () => {
    expect(sameFingerprint('3A1F0C9B 77D2E4A0 5B6C8D9E 0F1A2B3C 4D5E6F70', '3a1f0c9b77d2e4a05b6c8d9e0f1a2b3c4d5e6f70')).toBe(true);
    expect(sameFingerprint('3A1F0C9B 77D2E4A0 5B6C8D9E 0F1A2B3C 4D5E6F70', '3A1F0C9B 77D2E4A0 5B6C8D9E 0F1A2B3C 4D5E6F71')).toBe(false);
  });
});

describe('the popup opened for a named tab (?tab=)', () => {
  it('takes a tab id of digits only, refuses anything else, and falls back when absent', () => {
    expect(tabParam('?tab=2147483650')).toBe(2147483650);
    expect(tabParam('?tab=7')).toBe(7);
    expect(tabParam('?tab=-1')).toBeUndefined();
    expect(tabParam('?tab=7x')).toBeUndefined();
    expect(tabParam('?tab=1e3')).toBeUndefined();
    expect(tabParam('?tab=99999999999999999999')).toBeUndefined();
    expect(tabParam('')).toBeNull();
  });
});
