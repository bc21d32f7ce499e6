/**
 * The arithmetic of the Socialist Millionaires' Protocol (spec: "The Socialist Millionaires'
 * Protocol (SMP)"), step by step as libotr 4.1.1 computes it in src/sm.c: the hash with its
 * version bytes 1..8, the three zero-knowledge proofs, the MPI-array encoding of the TLV bodies
 * and the range checks. Pure functions over bigints; the state machine lives in smp.ts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToBigInt, concatBytes } from './bytes';
import { fail } from './errors';
import {
  GENERATOR as G1,
  MODULUS,
  ORDER,
  checkExponent,
  checkGroupElement,
  mod,
  modInverse,
  modPow,
  powG,
  type RandomBytes,
} from './group';
import { PowerTableMemo } from './power-tables';
import { Reader, Writer } from './wire';

/** libotr draws every SMP exponent as 192 random bytes (SM_MOD_LEN_BITS = 1536), unreduced. */
export const SMP_EXPONENT_BYTES = 192;

/** Number of MPIs in SMP messages 1..4 (libotr SM_MSG1_LEN..SM_MSG4_LEN). */
export const SMP_MESSAGE_LENGTHS = { 1: 6, 2: 11, 3: 8, 4: 3 } as const;

/** A SHA-256 output is below 2^256; a larger "c" can never verify, so skip the work. */
const HASH_LIMIT = 1n << 256n;

export function smpRandomExponent(random: RandomBytes): bigint {
  return bytesToBigInt(random(SMP_EXPONENT_BYTES));
}

/**
 * The combined secret (spec: "Secret information"): SHA-256 of 0x01, the initiator's
 * fingerprint, the responder's fingerprint, the ssid and the user's secret bytes. libotr
 * (init_respond_smp) puts its own fingerprint first when initiating, the peer's when answering.
 */
export function smpSecret(
  initiatorFingerprint: Uint8Array,
  responderFingerprint: Uint8Array,
  ssid: Uint8Array,
  secret: Uint8Array,
): Uint8Array {
  return sha256(concatBytes(new Uint8Array([1]), initiatorFingerprint, responderFingerprint, ssid, secret));
}

/** SHA-256 of a version byte and one or two MPIs (spec: "SMP Hash function"), as an integer. */
export function smpHash(version: number, a: bigint, b?: bigint): bigint {
  const w = new Writer().byte(version).mpi(a);
  if (b !== undefined) w.mpi(b);
  return bytesToBigInt(sha256(w.finish()));
}

/** A TLV body: a 4-byte count, then that many MPIs (libotr serialize_mpi_array). */
export function encodeMpis(values: readonly bigint[]): Uint8Array {
  const w = new Writer().int(values.length);
  for (const v of values) w.mpi(v);
  return w.finish();
}

/**
 * Parses a TLV body of exactly `count` MPIs. libotr rejects a wrong count; it ignores bytes
 * after the last MPI, which we reject too since no libotr build ever sends them.
 */
export function decodeMpis(bytes: Uint8Array, count: number, message: string): bigint[] {
  const r = new Reader(bytes, message);
  const n = r.int('count');
  if (n !== count) fail('malformed', `${message}.count`, `expected ${count} MPIs, got ${n}`);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(r.mpi(`mpi${i}`));
  r.end();
  return out;
}

const mulP = (a: bigint, b: bigint): bigint => (a * b) % MODULUS;
const powP = (b: bigint, e: bigint): bigint => modPow(b, e, MODULUS);

/** g1^e: g1 is the OTR group's generator 2, so the group's fixed-base table serves. */
export const powG1 = powG;

/**
 * Power tables (power-tables.ts) for the bases one side raises to three exponents: g2 and g3
 * (a secret exponent, a proof's random one and the peer's proof's d), and Qa/Qb (x3, a proof's
 * random exponent and the peer's d7). A table costs about 1.7 fresh exponentiations and saves
 * about 0.8 on each use. They live across steps in this memo, keyed by value (a restored
 * state, e.g. in a restarted worker, simply builds them again), and are dropped when the run's
 * last step has used them. These values are secrets of the run: JavaScript cannot wipe the
 * tables, only drop them (README "Security"). The two roles keep separate memos: g2, g3 and
 * Qab are the same numbers on both sides, and two conversations of one process (a test, the
 * bench) must not share the work their two machines would each do.
 */
type Tables = PowerTableMemo;
const SMP_TABLE_BITS = SMP_EXPONENT_BYTES * 8;
const initiatorTables: Tables = new PowerTableMemo(MODULUS, SMP_TABLE_BITS, 5, 9);
const responderTables: Tables = new PowerTableMemo(MODULUS, SMP_TABLE_BITS, 5, 9);

function checkHash(c: bigint, field: string, compute: () => bigint): void {
  if (c >= HASH_LIMIT || compute() !== c) fail('smp', field, 'zero-knowledge proof does not verify');
}

/** Proof of knowledge of x in g1^x: c = H(v, g1^r), d = r - x c mod q. */
function proveLog(random: RandomBytes, x: bigint, version: number): [bigint, bigint] {
  const r = smpRandomExponent(random);
  const c = smpHash(version, powG1(r));
  return [c, mod(r - mod(x * c, ORDER), ORDER)];
}

function checkLog(c: bigint, d: bigint, gx: bigint, version: number, field: string): void {
  checkHash(c, field, () => smpHash(version, mulP(powG1(d), powP(gx, c))));
}

/** Proof that P = g3^r and Q = g1^r g2^secret share r: c = H(v, g3^r1, g1^r1 g2^r2). */
function proveCoords(
  t: Tables,
  random: RandomBytes,
  g2: bigint,
  g3: bigint,
  r: bigint,
  secret: bigint,
  version: number,
): [bigint, bigint, bigint] {
  const r1 = smpRandomExponent(random);
  const r2 = smpRandomExponent(random);
  const c = smpHash(version, t.pow(g3, r1), mulP(powG1(r1), t.pow(g2, r2)));
  return [c, mod(r1 - mod(r * c, ORDER), ORDER), mod(r2 - mod(secret * c, ORDER), ORDER)];
}

function checkCoords(
  t: Tables,
  c: bigint,
  d1: bigint,
  d2: bigint,
  p: bigint,
  q: bigint,
  g2: bigint,
  g3: bigint,
  version: number,
  field: string,
): void {
  checkHash(c, field, () =>
    smpHash(version, mulP(t.pow(g3, d1), powP(p, c)), mulP(mulP(powG1(d1), t.pow(g2, d2)), powP(q, c))),
  );
}

/** Proof that R = qab^x3 with the x3 of g3 = g1^x3: c = H(v, g1^r, qab^r), d = r - x3 c. */
function proveLogs(t: Tables, random: RandomBytes, qab: bigint, x3: bigint, version: number): [bigint, bigint] {
  const r = smpRandomExponent(random);
  const c = smpHash(version, powG1(r), t.pow(qab, r));
  return [c, mod(r - mod(x3 * c, ORDER), ORDER)];
}

function checkLogs(t: Tables, c: bigint, d: bigint, r: bigint, g3o: bigint, qab: bigint, version: number, field: string): void {
  checkHash(c, field, () => smpHash(version, mulP(powG1(d), powP(g3o, c)), mulP(t.pow(qab, d), powP(r, c))));
}

const divP = (a: bigint, b: bigint): bigint => mulP(a, modInverse(b, MODULUS));

// ---- The five steps of libotr's sm.c. Each throws OtrError on a failed check. ----

export interface Step1Out {
  x2: bigint;
  x3: bigint;
  msg: bigint[];
}

/** Alice starts: g2a, c2, D2, g3a, c3, D3. */
export function step1(random: RandomBytes): Step1Out {
  const x2 = smpRandomExponent(random);
  const x3 = smpRandomExponent(random);
  const [c2, d2] = proveLog(random, x2, 1);
  const [c3, d3] = proveLog(random, x3, 2);
  return { x2, x3, msg: [powG1(x2), c2, d2, powG1(x3), c3, d3] };
}

export interface Step2aOut {
  x2: bigint;
  x3: bigint;
  g2: bigint;
  g3: bigint;
  g3o: bigint;
}

/** Bob checks message 1 and picks his halves of g2 and g3 before he knows his secret. */
export function step2a(random: RandomBytes, body: Uint8Array): Step2aOut {
  const [g2a, c2, d2, g3a, c3, d3] = decodeMpis(body, SMP_MESSAGE_LENGTHS[1], 'smp1') as [
    bigint, bigint, bigint, bigint, bigint, bigint,
  ];
  checkGroupElement(g2a, 'smp1.g2a');
  checkExponent(d2, 'smp1.d2');
  checkGroupElement(g3a, 'smp1.g3a');
  checkExponent(d3, 'smp1.d3');
  checkLog(c2, d2, g2a, 1, 'smp1.c2');
  checkLog(c3, d3, g3a, 2, 'smp1.c3');
  const x2 = smpRandomExponent(random);
  const x3 = smpRandomExponent(random);
  return { x2, x3, g2: powP(g2a, x2), g3: powP(g3a, x3), g3o: g3a };
}

export interface Step2bOut {
  p: bigint;
  q: bigint;
  msg: bigint[];
}

/** Bob answers: g2b, c2, D2, g3b, c3, D3, Pb, Qb, cP, D5, D6. */
export function step2b(random: RandomBytes, s: { x2: bigint; x3: bigint; g2: bigint; g3: bigint }, secret: bigint): Step2bOut {
  const [c2, d2] = proveLog(random, s.x2, 3);
  const [c3, d3] = proveLog(random, s.x3, 4);
  const r = smpRandomExponent(random);
  const t = responderTables;
  const p = t.pow(s.g3, r);
  const q = mulP(powG1(r), t.pow(s.g2, secret));
  const [cp, d5, d6] = proveCoords(t, random, s.g2, s.g3, r, secret, 5);
  return { p, q, msg: [powG1(s.x2), c2, d2, powG1(s.x3), c3, d3, p, q, cp, d5, d6] };
}

export interface Step3Out {
  g2: bigint;
  g3: bigint;
  g3o: bigint;
  pab: bigint;
  qab: bigint;
  msg: bigint[];
}

/** Alice checks message 2 and sends Pa, Qa, cP, D5, D6, Ra, cR, D7. */
export function step3(random: RandomBytes, s: { x2: bigint; x3: bigint }, secret: bigint, body: Uint8Array): Step3Out {
  const [g2b, c2, d2, g3b, c3, d3, pb, qb, cp, d5, d6] = decodeMpis(body, SMP_MESSAGE_LENGTHS[2], 'smp2') as [
    bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint,
  ];
  checkGroupElement(g2b, 'smp2.g2b');
  checkGroupElement(g3b, 'smp2.g3b');
  checkGroupElement(pb, 'smp2.pb');
  checkGroupElement(qb, 'smp2.qb');
  checkExponent(d2, 'smp2.d2');
  checkExponent(d3, 'smp2.d3');
  checkExponent(d5, 'smp2.d5');
  checkExponent(d6, 'smp2.d6');
  checkLog(c2, d2, g2b, 3, 'smp2.c2');
  checkLog(c3, d3, g3b, 4, 'smp2.c3');
  const g2 = powP(g2b, s.x2);
  const g3 = powP(g3b, s.x3);
  const t = initiatorTables;
  checkCoords(t, cp, d5, d6, pb, qb, g2, g3, 5, 'smp2.cp');

  const r = smpRandomExponent(random);
  const pa = t.pow(g3, r);
  const qa = mulP(powG1(r), t.pow(g2, secret));
  const [cp3, d53, d63] = proveCoords(t, random, g2, g3, r, secret, 6);
  // Alice is done with g2 and g3; Qab's table serves her last check too (step5).
  t.forget(g2, g3);
  const pab = divP(pa, pb);
  const qab = divP(qa, qb);
  const ra = t.pow(qab, s.x3);
  const [cr, d7] = proveLogs(t, random, qab, s.x3, 7);
  return { g2, g3, g3o: g3b, pab, qab, msg: [pa, qa, cp3, d53, d63, ra, cr, d7] };
}

export interface Step4Out {
  success: boolean;
  msg: bigint[];
}

/** Bob checks message 3, sends Rb, cR, D7 and learns the result. */
export function step4(
  random: RandomBytes,
  s: { x3: bigint; g2: bigint; g3: bigint; g3o: bigint; p: bigint; q: bigint },
  body: Uint8Array,
): Step4Out {
  const [pa, qa, cp, d5, d6, ra, cr, d7] = decodeMpis(body, SMP_MESSAGE_LENGTHS[3], 'smp3') as [
    bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint,
  ];
  checkGroupElement(pa, 'smp3.pa');
  checkGroupElement(qa, 'smp3.qa');
  checkGroupElement(ra, 'smp3.ra');
  checkExponent(d5, 'smp3.d5');
  checkExponent(d6, 'smp3.d6');
  checkExponent(d7, 'smp3.d7');
  const t = responderTables;
  checkCoords(t, cp, d5, d6, pa, qa, s.g2, s.g3, 6, 'smp3.cp');
  const pab = divP(pa, s.p);
  const qab = divP(qa, s.q);
  checkLogs(t, cr, d7, ra, s.g3o, qab, 7, 'smp3.cr');
  const rb = t.pow(qab, s.x3);
  const [cr4, d74] = proveLogs(t, random, qab, s.x3, 8);
  t.forget(s.g2, s.g3, qab);
  return { success: powP(ra, s.x3) === pab, msg: [rb, cr4, d74] };
}

/** Alice checks message 4 and learns the result. */
export function step5(s: { x3: bigint; g3o: bigint; pab: bigint; qab: bigint }, body: Uint8Array): boolean {
  const [rb, cr, d7] = decodeMpis(body, SMP_MESSAGE_LENGTHS[4], 'smp4') as [bigint, bigint, bigint];
  checkGroupElement(rb, 'smp4.rb');
  checkExponent(d7, 'smp4.d7');
  checkLogs(initiatorTables, cr, d7, rb, s.g3o, s.qab, 8, 'smp4.cr');
  initiatorTables.forget(s.qab);
  return powP(rb, s.x3) === s.pab;
}
