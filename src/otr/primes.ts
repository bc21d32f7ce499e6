/**
 * Primality testing for DSA key generation (FIPS 186-4 appendix C.3): trial division by small
 * primes, a base-2 Fermat filter, Miller-Rabin with random bases (C.3.1) and the Lucas test
 * (C.3.3). The numbers tested here become public (p and q), so none of it needs to hide its
 * timing; only the private key x, drawn in dsa.ts, is secret.
 */
import { bytesToBigInt } from './bytes';
import { modexpCount, modInverse, modPow, type RandomBytes } from './group';

let smallPrimesCache: number[] | undefined;

/**
 * The odd primes below 2^17, for sieving before any exponentiation. A sieve to 2^17 instead
 * of 2^15 leaves about 12% fewer candidates for the Fermat filter (each a 1024-bit
 * exponentiation). Its residues cost about what 2^15's did, since smallResidues takes one
 * BigInt remainder per run of three primes instead of one per prime.
 */
export function smallPrimes(): number[] {
  if (smallPrimesCache) return smallPrimesCache;
  const limit = 1 << 17;
  const composite = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 3; i < limit; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += 2 * i) composite[j] = 1;
  }
  smallPrimesCache = out;
  return out;
}

/** The small primes in runs whose product stays below 2^53, each run with its product. */
let primeRunsCache: { product: bigint; primes: number[] }[] | undefined;

function primeRuns(): { product: bigint; primes: number[] }[] {
  if (primeRunsCache) return primeRunsCache;
  const runs: { product: bigint; primes: number[] }[] = [];
  let run: number[] = [];
  let product = 1;
  for (const sp of smallPrimes()) {
    if (product * sp >= 2 ** 53) {
      runs.push({ product: BigInt(product), primes: run });
      run = [];
      product = 1;
    }
    run.push(sp);
    product *= sp;
  }
  if (run.length) runs.push({ product: BigInt(product), primes: run });
  primeRunsCache = runs;
  return runs;
}

/**
 * n mod each of smallPrimes() below `limit`, with one BigInt remainder per run of primes
 * instead of per prime.
 */
export function smallResidues(n: bigint, limit = Infinity): number[] {
  const out: number[] = [];
  for (const { product, primes } of primeRuns()) {
    if (primes[0]! >= limit) break;
    const r = Number(n % product);
    for (const sp of primes) {
      if (sp >= limit) return out;
      out.push(r % sp);
    }
  }
  return out;
}

/**
 * Sieves the progression start + j * step, j from 0 to window - 1: struck[j] is 1 when an odd
 * prime below `limit` (at most 2^17) divides that term. Each prime costs one residue and one
 * small inverse, then strikes every sp-th j from the first it divides, so only the survivors
 * cost BigInt work.
 */
export function sieveProgression(start: bigint, step: bigint, window: number, limit = Infinity): Uint8Array {
  const primes = smallPrimes();
  const residue = smallResidues(start, limit);
  const stepResidue = smallResidues(step, limit);
  const struck = new Uint8Array(window);
  for (let i = 0; i < residue.length; i++) {
    const sp = primes[i]!;
    if (stepResidue[i] === 0) {
      if (residue[i] === 0) struck.fill(1); // sp divides every term
      continue;
    }
    // start + j * step = 0 (mod sp)  <=>  j = -start * step^-1 (mod sp); products stay below 2^34.
    for (let j = (((sp - residue[i]!) % sp) * smallInverse(stepResidue[i]!, sp)) % sp; j < window; j += sp) struck[j] = 1;
  }
  return struck;
}

/** a^-1 mod m for small coprime numbers (extended Euclid in plain numbers). */
export function smallInverse(a: number, m: number): number {
  let oldR = a % m;
  let r = m;
  let oldS = 1;
  let s = 0;
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    const nextR = oldR - q * r;
    oldR = r;
    r = nextR;
    const nextS = oldS - q * s;
    oldS = s;
    s = nextS;
  }
  return ((oldS % m) + m) % m;
}

/** A uniform integer in [lo, hi] by rejection sampling. */
export function randomBetween(random: RandomBytes, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  const bits = span.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const n = bytesToBigInt(random(bytes)) & mask;
    if (n < span) return lo + n;
  }
}

/**
 * 2^(n-1) mod n == 1, with doublings as shifts instead of multiplications (about a fifth
 * cheaper than modPow). Most sieved candidates are composite and fail here; it is only a
 * filter in front of the tests FIPS 186-4 counts, never one of them.
 */
export function passesFermatBase2(n: bigint): boolean {
  return powOfTwo(n - 1n, n) === 1n;
}

/**
 * 2^e mod n: squarings, with each doubling a shift. Public exponents only (no fixed pattern).
 * Each square t (2k bits for a k-bit n) is folded before `%`: its bits above 3k/2 times
 * 2^(3k/2) mod n, plus the rest, leave a number of about 3k/2 bits, whose division by n costs
 * about half of t's; with the fold's own half-size multiplication, a 1024-bit Fermat test is
 * ~5% faster than plain (t * t) % n (measured here: 1.06 against 1.14 ms). Other cut points
 * (k + 384 to k + 640 bits) measured no better.
 */
export function powOfTwo(e: bigint, n: bigint): bigint {
  modexpCount.variable++;
  const bits = e.toString(2);
  modexpCount.mulmods += bits.length;
  const size = n.toString(2).length;
  const cutBits = size + (size >> 1);
  const cut = BigInt(cutBits);
  const fold = (1n << cut) % n;
  let x = 1n;
  for (let i = 0; i < bits.length; i++) {
    const t = x * x;
    x = ((t >> cut) * fold + BigInt.asUintN(cutBits, t)) % n;
    if (bits.charCodeAt(i) === 49) {
      x <<= 1n;
      if (x >= n) x -= n;
    }
  }
  return x;
}

/** Miller-Rabin with `rounds` random bases (FIPS 186-4 C.3.1); n must be odd and > 3. */
export function passesMillerRabin(random: RandomBytes, n: bigint, rounds: number): boolean {
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let i = 0; i < rounds; i++) {
    let x = modPow(randomBetween(random, 2n, n - 2n), d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let j = 1; j < s && witness; j++) {
      x = (x * x) % n;
      if (x === n - 1n) witness = false;
    }
    if (witness) return false;
  }
  return true;
}

/** The Jacobi symbol (a/n) for odd n > 0. */
function jacobi(a: bigint, n: bigint): number {
  a %= n;
  if (a < 0n) a += n;
  let result = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}

function isSquare(n: bigint): boolean {
  if (n < 2n) return true;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x * x === n;
    x = y;
  }
}

/** The greatest common divisor of two non-negative numbers. */
function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The (general) Lucas probabilistic primality test of FIPS 186-4 C.3.3; n odd, > 3. FIPS
 * computes U(n+1) of the sequence with P = 1, Q = (1 - D)/4 by a ladder on U and V, three
 * multiplications per bit. This computes the same verdict with two: n + 1 = 2m is even, and
 * the sequence with P' = P^2/Q - 2 and Q' = 1 (roots alpha/beta and beta/alpha) has
 * U'(m) = U(2m) / (P Q^(m-1)), so with Q invertible mod n, U(n+1) = 0 mod n exactly when
 * U'(m) = 0 mod n. With Q' = 1 a ladder on V' alone needs no powers of Q, and
 * D' U'(m) = 2 V'(m+1) - P' V'(m) with D' = D P^2 / Q^2, also invertible mod n (the Jacobi
 * symbol (D/n) = -1 makes D coprime to n). test/otr/primes.test.ts checks the verdicts against
 * FIPS's own ladder. A Q sharing a factor with n proves n composite: then (D/n) = -1 rules
 * out n dividing Q, so the common factor is a proper divisor.
 */
export function passesLucas(n: bigint): boolean {
  if (isSquare(n)) return false;
  let d = 5n;
  for (;;) {
    const j = jacobi(d, n);
    if (j === 0 && (d < 0n ? -d : d) !== n) return false;
    if (j === -1) break;
    d = d > 0n ? -(d + 2n) : -d + 2n;
  }
  let q = ((1n - d) / 4n) % n;
  if (q < 0n) q += n;
  if (gcd(q, n) !== 1n) return false;
  const p = (modInverse(q, n) + n - 2n) % n; // P' = P^2 / Q - 2 with P = 1
  const minusP = n - p;
  const minusTwo = n - 2n;
  const m = ((n + 1n) >> 1n).toString(2);
  modexpCount.variable++;
  modexpCount.mulmods += 2 * m.length;
  // Montgomery ladder from (V'(0), V'(1)) = (2, P'): each bit doubles the index.
  let v = 2n;
  let w = p;
  for (let i = 0; i < m.length; i++) {
    if (m.charCodeAt(i) === 49) {
      v = (v * w + minusP) % n;
      w = (w * w + minusTwo) % n;
    } else {
      w = (v * w + minusP) % n;
      v = (v * v + minusTwo) % n;
    }
  }
  return (2n * w - p * v) % n === 0n;
}

/**
 * FIPS 186-4 table C.1 at L = 1024, N = 160: Miller-Rabin followed by the Lucas test needs 3
 * rounds for p and 19 for q (Miller-Rabin alone would need 40 for each) for an error of at most
 * 2^-80. The Lucas test costs about two and a half Miller-Rabin rounds, so p's confirmation
 * drops from 40 exponentiations to about 6.
 */
export const P_ROUNDS = 3;
export const Q_ROUNDS = 19;

/** Probable-prime test for an odd n > 3 that has already passed trial division. */
export function isProbablePrime(random: RandomBytes, n: bigint, rounds: number): boolean {
  return passesFermatBase2(n) && passesMillerRabin(random, n, rounds) && passesLucas(n);
}
