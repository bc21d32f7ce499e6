/**
 * OTR's wire data types (spec: "Data types"): BYTE, SHORT, INT, MPI, DATA, CTR, MAC, and the
 * DSA public key and signature. The Reader is bounded: every read checks the remaining length,
 * and `end()` rejects trailing bytes, so a parser built on it is total.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, u32 } from './bytes';
import { fail } from './errors';

/** A DSA public key as OTR serialises it (pubkey type 0x0000). */
export interface DsaPublicKey {
  p: bigint;
  q: bigint;
  g: bigint;
  y: bigint;
}

export const DSA_PUBKEY_TYPE = 0x0000;

/** Upper bound on any length field we accept; no legal OTR message comes near it. */
const MAX_FIELD_LENGTH = 1 << 20;

export class Reader {
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly message: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  fixed(length: number, field: string): Uint8Array {
    if (length < 0 || length > this.remaining) fail('malformed', `${this.message}.${field}`, 'truncated');
    const out = this.bytes.slice(this.at, this.at + length);
    this.at += length;
    return out;
  }

  byte(field: string): number {
    return this.fixed(1, field)[0]!;
  }

  short(field: string): number {
    const b = this.fixed(2, field);
    return (b[0]! << 8) | b[1]!;
  }

  int(field: string): number {
    const b = this.fixed(4, field);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  data(field: string): Uint8Array {
    const length = this.int(field);
    if (length > MAX_FIELD_LENGTH) fail('malformed', `${this.message}.${field}`, 'length too large');
    return this.fixed(length, field);
  }

  /** MPI: leading zero bytes are accepted on input (as libotr does) but never written. */
  mpi(field: string): bigint {
    return bytesToBigInt(this.data(field));
  }

  ctr(field: string): Uint8Array {
    return this.fixed(8, field);
  }

  mac(field: string): Uint8Array {
    return this.fixed(20, field);
  }

  publicKey(field: string): DsaPublicKey {
    const type = this.short(`${field}.type`);
    if (type !== DSA_PUBKEY_TYPE) fail('malformed', `${this.message}.${field}.type`, `unknown public key type ${type}`);
    const p = this.mpi(`${field}.p`);
    const q = this.mpi(`${field}.q`);
    const g = this.mpi(`${field}.g`);
    const y = this.mpi(`${field}.y`);
    return { p, q, g, y };
  }

  /** Everything that is left, e.g. the TLVs after a NUL-terminated message. */
  rest(): Uint8Array {
    return this.fixed(this.remaining, 'rest');
  }

  end(): void {
    if (this.remaining !== 0) fail('trailing-bytes', this.message, `${this.remaining} bytes left`);
  }
}

export class Writer {
  private readonly parts: Uint8Array[] = [];

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  byte(n: number): this {
    return this.raw(new Uint8Array([n & 255]));
  }

  short(n: number): this {
    return this.raw(new Uint8Array([(n >>> 8) & 255, n & 255]));
  }

  int(n: number): this {
    return this.raw(u32(n));
  }

  data(bytes: Uint8Array): this {
    return this.int(bytes.length).raw(bytes);
  }

  mpi(n: bigint): this {
    return this.data(bigIntToBytes(n));
  }

  publicKey(key: DsaPublicKey): this {
    return this.short(DSA_PUBKEY_TYPE).mpi(key.p).mpi(key.q).mpi(key.g).mpi(key.y);
  }

  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

export function encodeMpi(n: bigint): Uint8Array {
  return new Writer().mpi(n).finish();
}

export function encodePublicKey(key: DsaPublicKey): Uint8Array {
  return new Writer().publicKey(key).finish();
}
