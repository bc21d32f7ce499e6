/**
 * The fuzzer's only source of randomness: SHA-256 over (seed, stream, block counter), so input
 * number i of a run is reproducible from the printed seed and i alone, on any worker.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export class Rng {
  private block = new Uint8Array(0);
  private at = 0;
  private counter = 0;
  private readonly input: Uint8Array;

  constructor(seed: Uint8Array, stream: number) {
    this.input = new Uint8Array(seed.length + 12);
    this.input.set(seed);
    const view = new DataView(this.input.buffer);
    view.setUint32(seed.length, Math.floor(stream / 2 ** 32));
    view.setUint32(seed.length + 4, stream >>> 0);
  }

  private refill(): void {
    new DataView(this.input.buffer).setUint32(this.input.length - 4, this.counter++);
    this.block = sha256(this.input);
    this.at = 0;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.at >= this.block.length) this.refill();
      out[i] = this.block[this.at++]!;
    }
    return out;
  }

  u32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** Uniform in [0, n), n ≤ 2^32 (modulo bias is irrelevant for fuzzing). */
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let r = (this.u32() / 2 ** 32) * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

export function seedFromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
