/**
 * Power tables (Yao's method, issue 15) against plain modPow: one and several terms, both
 * windows, zero and full-width exponents, the fallback for an exponent wider than its table,
 * and the memo's reuse and eviction. Also the helpers the key generation sieve uses.
 */
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../../src/otr/bytes';
import { MODULUS, modPow, powG } from '../../src/otr/group';
import { powerTable, PowerTableMemo, powFromTables } from '../../src/otr/power-tables';
import { powOfTwo, sieveProgression, smallInverse, smallPrimes, smallResidues } from '../../src/otr/primes';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const randomBits = (bits: number) => bytesToBigInt(random(bits / 8));
const element = () => powG(randomBits(320));

describe('power tables', () => {
  it('one term agrees with modPow for 320- and 1536-bit tables, zero and all-ones exponents included', () => {
    for (const [bits, window] of [[320, 4], [1536, 5]] as const) {
      const base = element();
      const table = powerTable(base, MODULUS, bits, window);
      const exps = [0n, 1n, 2n, (1n << BigInt(bits)) - 1n, randomBits(bits), randomBits(bits) >> 100n];
      for (const e of exps) expect(powFromTables([[table, e]])).toBe(modPow(base, e, MODULUS));
    }
  });

  it('several terms share the buckets and give the product of the powers', () => {
    const [a, b, c] = [element(), element(), element()];
    const [x, y, z] = [randomBits(1536), randomBits(256), randomBits(1536)];
    const tables = [a, b, c].map((base) => powerTable(base, MODULUS, 1536, 5));
    const expected = (((modPow(a, x, MODULUS) * modPow(b, y, MODULUS)) % MODULUS) * modPow(c, z, MODULUS)) % MODULUS;
    expect(powFromTables([[tables[0]!, x], [tables[1]!, y], [tables[2]!, z]])).toBe(expected);
  });

  it('an exponent wider than its table falls back to modPow and is still right', () => {
    const base = element();
    const e = randomBits(1536);
    expect(powFromTables([[powerTable(base, MODULUS, 320, 4), e]])).toBe(modPow(base, e, MODULUS));
  });

  it('refuses a negative exponent and tables of different windows in one product', () => {
    const t4 = powerTable(element(), MODULUS, 320, 4);
    const t5 = powerTable(element(), MODULUS, 320, 5);
    expect(() => powFromTables([[t4, -1n]])).toThrow();
    expect(() => powFromTables([[t4, 1n], [t5, 1n]])).toThrow();
  });

  it('the memo reuses a base and evicts the oldest past its limit, staying correct', () => {
    const memo = new PowerTableMemo(MODULUS, 320, 4, 2);
    const bases = [element(), element(), element()];
    for (let round = 0; round < 2; round++) {
      for (const base of bases) {
        const e = randomBits(320);
        expect(memo.pow(base, e)).toBe(modPow(base, e, MODULUS));
      }
    }
    memo.forget(...bases);
    expect(memo.pow(bases[0]!, 5n)).toBe(modPow(bases[0]!, 5n, MODULUS));
  });
});

describe('key generation sieve helpers', () => {
  it('smallResidues matches BigInt remainders for every small prime', () => {
    const n = randomBits(1024);
    const residues = smallResidues(n);
    const primes = smallPrimes();
    expect(residues).toHaveLength(primes.length);
    for (let i = 0; i < primes.length; i += 97) expect(residues[i]).toBe(Number(n % BigInt(primes[i]!)));
    expect(residues[primes.length - 1]).toBe(Number(n % BigInt(primes[primes.length - 1]!)));
  });

  it('smallInverse inverts modulo small primes', () => {
    for (const sp of [3, 5, 7919, 131071]) for (const a of [1, 2, sp - 1, 12345 % sp || 1]) expect((a * smallInverse(a, sp)) % sp).toBe(1);
  });

  it('powOfTwo agrees with modPow on base 2, for moduli of every size it folds at', () => {
    for (const bits of [8, 64, 160, 1016, 1024, 1536]) {
      const n = randomBits(bits) | 1n;
      const e = randomBits(864);
      expect(powOfTwo(e, n), `${bits}-bit modulus`).toBe(modPow(2n, e, n));
      expect(powOfTwo(n - 1n, n)).toBe(modPow(2n, n - 1n, n));
    }
    expect(powOfTwo(10n, 3n)).toBe(1n);
  });

  it('sieveProgression strikes exactly the terms with a small prime factor', () => {
    const start = randomBits(1024) | 1n;
    const step = 2n * (randomBits(160) | 1n);
    const limit = 1 << 12;
    const struck = sieveProgression(start, step, 2000, limit);
    const primes = smallPrimes().filter((sp) => sp < limit);
    for (let j = 0; j < 2000; j++) {
      const term = start + BigInt(j) * step;
      expect(struck[j], `term ${j}`).toBe(primes.some((sp) => term % BigInt(sp) === 0n) ? 1 : 0);
    }
  });
});
