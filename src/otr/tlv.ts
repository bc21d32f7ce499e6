/**
 * Type/Length/Value records carried after the NUL of a data message's plaintext
 * (spec: "Tag-Length-Value (TLV) records").
 */
import { concatBytes } from './bytes';
import { fail, OtrError } from './errors';
import { Reader, Writer } from './wire';

export const TLV_PADDING = 0;
export const TLV_DISCONNECTED = 1;
export const TLV_SMP1 = 2;
export const TLV_SMP2 = 3;
export const TLV_SMP3 = 4;
export const TLV_SMP4 = 5;
export const TLV_SMP_ABORT = 6;
export const TLV_SMP1Q = 7;
export const TLV_EXTRA_SYMMETRIC_KEY = 8;

export interface Tlv {
  type: number;
  value: Uint8Array;
}

export function encodeTlvs(tlvs: readonly Tlv[]): Uint8Array {
  const w = new Writer();
  for (const t of tlvs) {
    if (t.value.length > 0xffff) fail('invalid-argument', 'tlv.value', 'longer than 65535 bytes');
    w.short(t.type).short(t.value.length).raw(t.value);
  }
  return w.finish();
}

export function decodeTlvs(bytes: Uint8Array): Tlv[] {
  const r = new Reader(bytes, 'tlv');
  const out: Tlv[] = [];
  while (r.remaining > 0) {
    const type = r.short('type');
    const length = r.short('length');
    out.push({ type, value: r.fixed(length, 'value') });
  }
  return out;
}

/**
 * Like decodeTlvs, but keeps the records before a malformed one, as libotr does: a peer's
 * broken trailing TLV must not cost the user the message text or the TLVs that did parse.
 */
export function decodeTlvsLeniently(bytes: Uint8Array): { tlvs: Tlv[]; error?: OtrError } {
  const r = new Reader(bytes, 'tlv');
  const tlvs: Tlv[] = [];
  try {
    while (r.remaining > 0) {
      const type = r.short('type');
      const length = r.short('length');
      tlvs.push({ type, value: r.fixed(length, 'value') });
    }
    return { tlvs };
  } catch (e) {
    if (!(e instanceof OtrError)) throw e;
    return { tlvs, error: e };
  }
}

/** A data message's plaintext: the message, then (if there are TLVs) a NUL and the TLVs. */
export function encodePlaintext(message: Uint8Array, tlvs: readonly Tlv[]): Uint8Array {
  if (tlvs.length === 0) return message;
  return concatBytes(message, new Uint8Array([0]), encodeTlvs(tlvs));
}

export function decodePlaintext(bytes: Uint8Array): { message: Uint8Array; tlvs: Tlv[] } {
  const nul = bytes.indexOf(0);
  if (nul < 0) return { message: bytes, tlvs: [] };
  return { message: bytes.slice(0, nul), tlvs: decodeTlvs(bytes.slice(nul + 1)) };
}

export function extraSymmetricKeyTlv(use: number, useData: Uint8Array): Tlv {
  return { type: TLV_EXTRA_SYMMETRIC_KEY, value: new Writer().int(use).raw(useData).finish() };
}

export function parseExtraSymmetricKeyTlv(value: Uint8Array): { use: number; useData: Uint8Array } {
  const r = new Reader(value, 'tlv.extra-symmetric-key');
  const use = r.int('use');
  return { use, useData: r.rest() };
}
