/**
 * Powers of a base that is raised to several exponents (issue 15). A table holds
 * b^(2^(w·j)) for every w-bit digit position j, so the squarings of an exponentiation are paid
 * once per base instead of once per exponent; each exponent then costs one multiplication per
 * digit plus a fixed 2·(2^w - 1) to combine (Yao's method). For a 1536-bit exponent that is
 * ~370 multiplications instead of ~1850 for a fresh modPow; for a 320-bit DH exponent ~110
 * instead of ~414.
 *
 * Where it pays:
 * - DH secrets: each of the peer's public keys is combined with two of our keys in turn (our
 *   current one, then the one that replaces it), so a table of their key, kept in a small
 *   memo, halves the squarings of data-message key rotation. These tables hold powers of a
 *   public value only.
 * - The SMP: g2, g3 and Qa/Qb are each raised to three exponents by the same side.
 *
 * The exponent only chooses which bucket each table entry multiplies into; every digit,
 * zero included, multiplies exactly once, and the combination is the same for every
 * exponent, so the sequence of operations does not depend on the exponent's bits or even its
 * length. BigInt arithmetic itself is not constant-time (operand values change its timing,
 * and a bucket still holding 1 multiplies faster): JavaScript offers nothing better; see
 * README "Security".
 */
import { fail } from './errors';
import { mod, modexpCount, modPow, reducerFor } from './group';

/** 4-bit digits come from toString(16), 5-bit ones from toString(32). */
export type TableWindow = 4 | 5;

export interface PowerTable {
  readonly modulus: bigint;
  readonly window: TableWindow;
  /** powers[j] = base^(2^(window·j)) mod modulus. */
  readonly powers: readonly bigint[];
}

/** A table for exponents below 2^bits: (digits - 1)·w squarings. */
export function powerTable(base: bigint, m: bigint, bits: number, window: TableWindow): PowerTable {
  if (bits < 1) fail('invalid-argument', 'powerTable.bits', 'at least one bit');
  modexpCount.tables++;
  const digits = Math.ceil(bits / window);
  modexpCount.mulmods += (digits - 1) * window;
  const reduce = reducerFor(m);
  const powers = [mod(base, m)];
  let x = powers[0]!;
  for (let j = 1; j < digits; j++) {
    for (let k = 0; k < window; k++) x = reduce(x * x);
    powers.push(x);
  }
  return { modulus: m, window, powers };
}

/** The value of each base-2^w digit character (0-9, a-v). */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) DIGIT[i.toString(32).charCodeAt(0)] = i;

/**
 * Π table_k.base^e_k mod m for tables of one modulus and window, with shared buckets: every
 * digit of every exponent multiplies one table entry into the bucket of its value, and the
 * buckets are then combined once. An exponent too large for its table falls back to modPow
 * on the table's base (never the case for the engine's own exponents).
 */
export function powFromTables(terms: readonly (readonly [PowerTable, bigint])[]): bigint {
  if (terms.length === 0) return 1n;
  const { modulus: m, window: w } = terms[0]![0];
  const reduce = reducerFor(m);
  const buckets: bigint[] = new Array<bigint>(1 << w).fill(1n);
  let extra = 1n;
  for (const [table, e] of terms) {
    if (table.modulus !== m || table.window !== w) fail('invalid-argument', 'powFromTables', 'tables differ in modulus or window');
    if (e < 0n) fail('invalid-argument', 'powFromTables.exp', 'negative exponent');
    const count = table.powers.length;
    const text = e.toString(1 << w);
    if (text.length > count) {
      extra = (extra * modPow(table.powers[0]!, e, m)) % m;
      continue;
    }
    modexpCount.fixedBase++;
    modexpCount.mulmods += count;
    // Every position of the table is visited, leading zero digits too, so the work does not
    // depend on the exponent's length.
    const pad = count - text.length;
    for (let j = 0; j < count; j++) {
      const at = count - 1 - j - pad;
      const d = at >= 0 ? DIGIT[text.charCodeAt(at)]! : 0;
      buckets[d] = reduce(buckets[d]! * table.powers[j]!);
    }
  }
  // Π_d bucket[d]^d as a running product of running products: 2·(2^w - 1) multiplications.
  modexpCount.mulmods += 2 * ((1 << w) - 1);
  let running = 1n;
  let result = 1n;
  for (let d = (1 << w) - 1; d >= 1; d--) {
    running = reduce(running * buckets[d]!);
    result = reduce(result * running);
  }
  return extra === 1n ? result : (result * extra) % m;
}

/**
 * A memo of tables by base, oldest dropped first. Holding a table keeps its base's powers in
 * memory until eviction or `forget`; JavaScript cannot wipe them, only drop the references.
 */
export class PowerTableMemo {
  private readonly tables = new Map<bigint, PowerTable>();
  constructor(
    private readonly modulus: bigint,
    private readonly bits: number,
    private readonly window: TableWindow,
    private readonly limit: number,
  ) {}

  table(base: bigint): PowerTable {
    let t = this.tables.get(base);
    if (t) {
      // Most recently used last, so eviction drops the stalest.
      this.tables.delete(base);
    } else {
      t = powerTable(base, this.modulus, this.bits, this.window);
      if (this.tables.size >= this.limit) this.tables.delete(this.tables.keys().next().value!);
    }
    this.tables.set(base, t);
    return t;
  }

  pow(base: bigint, e: bigint): bigint {
    return powFromTables([[this.table(base), e]]);
  }

  forget(...bases: bigint[]): void {
    for (const b of bases) this.tables.delete(b);
  }
}
