/**
 * The primality tests behind DSA key generation (FIPS 186-4 appendix C.3). Known primes are
 * the RFC 3526 1536-bit modulus and its (p-1)/2, and Mersenne primes; known composites include
 * Carmichael numbers (which fool Fermat) and base-2 strong pseudoprimes (which fool one
 * Miller-Rabin round with base 2).
 */
import { describe, expect, it } from 'vitest';
import { MODULUS, ORDER } from '../../src/otr/group';
import { isProbablePrime, passesFermatBase2, passesLucas, passesMillerRabin } from '../../src/otr/primes';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/**
 * FIPS 186-4 C.3.3 step by step (a ladder on U and V), the reference for passesLucas, which
 * reaches the same verdict by another sequence (see its comment).
 */
function lucasAsFipsWritesIt(n: bigint): boolean {
  const jacobi = (a: bigint, m: bigint): number => {
    a = ((a % m) + m) % m;
    let result = 1;
    while (a !== 0n) {
      while ((a & 1n) === 0n) {
        a >>= 1n;
        if ((m & 7n) === 3n || (m & 7n) === 5n) result = -result;
      }
      [a, m] = [m, a];
      if ((a & 3n) === 3n && (m & 3n) === 3n) result = -result;
      a %= m;
    }
    return m === 1n ? result : 0;
  };
  let root = 0n;
  while ((root + 1n) * (root + 1n) <= n) root++;
  if (root * root === n) return false;
  let d = 5n;
  while (jacobi(d, n) !== -1) {
    if (jacobi(d, n) === 0 && (d < 0n ? -d : d) !== n) return false;
    d = d > 0n ? -(d + 2n) : -d + 2n;
  }
  const mod = (v: bigint) => ((v % n) + n) % n;
  const half = (v: bigint) => ((v & 1n) === 0n ? v : v + n) >> 1n;
  const k = (n + 1n).toString(2);
  let u = 1n;
  let v = 1n;
  for (let i = 1; i < k.length; i++) {
    const uTemp = mod(u * v);
    const vTemp = half(mod(v * v + d * u * u));
    if (k[i] === '1') {
      u = half(mod(uTemp + vTemp));
      v = half(mod(vTemp + d * uTemp));
    } else {
      u = uTemp;
      v = vTemp;
    }
  }
  return u === 0n;
}
const primes = [5n, 7n, 97n, 7919n, (1n << 61n) - 1n, (1n << 127n) - 1n, (1n << 521n) - 1n, MODULUS, ORDER];
const carmichael = [561n, 1105n, 1729n, 2465n, 2821n, 6601n, 8911n, 41041n, 825265n];
const strongPseudoprimesBase2 = [2047n, 3277n, 4033n, 4681n, 8321n, 15841n, 29341n, 42799n];

describe('primality (FIPS 186-4 C.3)', () => {
  it('every test accepts known primes', () => {
    for (const p of primes) {
      expect(passesFermatBase2(p)).toBe(true);
      expect(passesMillerRabin(random, p, 5)).toBe(true);
      expect(passesLucas(p)).toBe(true);
      expect(isProbablePrime(random, p, 3)).toBe(true);
    }
  });

  it('the Lucas test rejects Carmichael numbers and base-2 strong pseudoprimes', () => {
    for (const n of [...carmichael, ...strongPseudoprimesBase2]) {
      expect(passesLucas(n)).toBe(false);
      expect(isProbablePrime(random, n, 3)).toBe(false);
    }
  });

  it('the Lucas test rejects perfect squares and products of two large primes', () => {
    expect(passesLucas(7919n * 7919n)).toBe(false);
    expect(passesLucas(((1n << 61n) - 1n) * ((1n << 89n) - 1n))).toBe(false);
    expect(passesLucas(MODULUS * ORDER)).toBe(false);
  });

  it('the Lucas test alone accepts exactly the known Lucas pseudoprimes (OEIS A217120), which Miller-Rabin rejects', () => {
    const lucasPseudoprimes = [323n, 377n, 1159n, 1829n, 3827n, 5459n, 5777n, 9071n, 9179n, 10877n];
    for (const n of lucasPseudoprimes) {
      expect(passesLucas(n)).toBe(true);
      expect(isProbablePrime(random, n, 3)).toBe(false);
    }
  });

  it("the Lucas test's verdict is FIPS 186-4 C.3.3's on every odd number from 5 to 40000", () => {
    let accepted = 0;
    for (let n = 5n; n < 40000n; n += 2n) {
      expect(passesLucas(n), String(n)).toBe(lucasAsFipsWritesIt(n));
      if (passesLucas(n)) accepted++;
    }
    // The primes from 5 to 40000 (4201) and the 32 Lucas pseudoprimes below 40000 (OEIS A217120).
    expect(accepted).toBe(4201 + 32);
  });

  it('the combined test agrees with trial division on every odd number from 5 to 3000', () => {
    const isPrime = (n: number) => {
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return true;
    };
    for (let n = 5; n < 3000; n += 2) expect(isProbablePrime(random, BigInt(n), 3)).toBe(isPrime(n));
  });
});
