/**
 * The fuzzing loop one worker runs: for input number i, restore a captured session from JSON,
 * mutate a captured message, feed it, and check the three properties of issue 2: nothing
 * escapes receiveMessage (not even an OtrError), no call takes over a second, and no encrypted
 * text is shown unless it comes from an intact, not yet received data message.
 */
import { fromHex } from '../../src/otr/bytes';
import type { ConversationState, Identity, OtrEnv } from '../../src/otr/conversation';
import { encryptData } from '../../src/otr/data';
import { privateKeyFromJson } from '../../src/otr/dsa';
import { decodeMessage, MSG_DATA } from '../../src/otr/messages';
import { receiveMessage } from '../../src/otr/session';
import type { Capture, Snapshot, WireMessage } from './capture';
import { bitflip, extend, fragments, garbage, header, type Mutated, type MutationKind, queryLike, splice, truncate, unarmor } from './mutate';
import { Rng } from './rng';

/**
 * How often each mutation is drawn. The ones that reach modular exponentiation (an intact
 * query or DH-Commit starts an AKE; an inner SMP message checks proofs) are kept rare, so the
 * bulk of the inputs exercises parsing, state checks and MACs at tens of microseconds each.
 */
export const WEIGHTS: Record<MutationKind, number> = {
  bitflip: 26,
  truncate: 12,
  extend: 8,
  splice: 12,
  header: 12,
  fragment: 12,
  garbage: 10,
  query: 2,
  replay: 2,
  inner: 1.5,
};

export const CLOCK_START = 1_700_000_000_000;
const SLOW_MS = 100;
const HANG_MS = 1000;

export interface Finding {
  index: number;
  state: string;
  kind: MutationKind;
  problem: string;
  texts: string[];
}

export interface Stats {
  inputs: number;
  calls: number;
  perState: Record<string, number>;
  perKind: Record<string, number>;
  msPerKind: Record<string, number>;
  slow: number;
  maxMs: number;
  shownEncrypted: number;
  /** Calls over a second that took under a second when run again (a busy machine, a GC pause). */
  retimed: number;
  failed: number;
  findings: Finding[];
}

export function emptyStats(): Stats {
  return { inputs: 0, calls: 0, perState: {}, perKind: {}, msPerKind: {}, slow: 0, maxMs: 0, shownEncrypted: 0, retimed: 0, failed: 0, findings: [] };
}

interface Prepared {
  snap: Snapshot;
  me: Identity;
  peer?: { me: Identity; state: string };
  /** Data messages this session has not received yet: the only ones it may show. */
  fresh: { shown: string; intact: Uint8Array }[];
  next: WireMessage[];
}

export class Fuzzer {
  private readonly prepared: Prepared[];
  private readonly encoded: { text: string; bytes: Uint8Array }[];
  private readonly all: string[];
  private readonly tags: number[];

  constructor(
    private readonly capture: Capture,
    private readonly seed: Uint8Array,
  ) {
    const id = (j: Snapshot['me']): Identity => ({ privateKey: privateKeyFromJson(j.key), instanceTag: j.tag });
    this.prepared = capture.snapshots.map((snap) => {
      const mine = capture.messages.filter((m) => m.conv === snap.conv && m.to === snap.side && m.seq >= snap.seq);
      const fresh = mine.filter((m) => m.shown !== undefined && m.shown.length > 0).map((m) => ({ shown: m.shown!, intact: intactPart(m.text) }));
      const p: Prepared = { snap, me: id(snap.me), fresh, next: mine.slice(0, 6) };
      if (snap.peer) p.peer = { me: id(snap.peer.me), state: snap.peer.state };
      return p;
    });
    this.all = [...capture.messages.map((m) => m.text), ...capture.external];
    this.encoded = this.all.flatMap((text) => {
      const bytes = unarmor(text);
      return bytes ? [{ text, bytes }] : [];
    });
    this.tags = [...new Set(capture.snapshots.flatMap((s) => [s.me.tag, s.peer?.me.tag ?? s.me.tag]))];
  }

  get states(): string[] {
    return this.prepared.map((p) => p.snap.name);
  }

  /** Builds input number `index`: the session to feed and the texts to feed it. */
  input(index: number): { p: Prepared; kind: MutationKind; m: Mutated; rng: Rng } {
    const rng = new Rng(this.seed, index);
    const p = this.prepared[index % this.prepared.length]!;
    let kind = rng.weighted(WEIGHTS);
    if (kind === 'inner' && !p.peer) kind = 'bitflip';
    // Half the time start from what this session expects next, else from anything captured.
    const pickEncoded = () => {
      const next = p.next.map((m) => unarmor(m.text)).filter((b): b is Uint8Array => b !== undefined);
      if (next.length > 0 && rng.chance(0.5)) return rng.pick(next);
      return rng.pick(this.encoded).bytes;
    };
    const pickText = () => (p.next.length > 0 && rng.chance(0.5) ? rng.pick(p.next).text : rng.pick(this.all));
    let m: Mutated;
    switch (kind) {
      case 'bitflip':
        m = bitflip(rng, pickEncoded());
        break;
      case 'truncate': {
        const b = pickEncoded();
        m = truncate(rng, `?OTR:${Buffer.from(b).toString('base64')}.`, b);
        break;
      }
      case 'extend': {
        const b = pickEncoded();
        m = extend(rng, `?OTR:${Buffer.from(b).toString('base64')}.`, b);
        break;
      }
      case 'splice':
        m = splice(rng, pickEncoded(), pickEncoded());
        break;
      case 'header':
        m = header(rng, pickEncoded(), this.tags);
        break;
      case 'fragment':
        m = fragments(rng, pickText(), this.tags);
        break;
      case 'query':
        m = queryLike(rng);
        break;
      case 'garbage':
        m = garbage(rng);
        break;
      case 'replay':
        m = { texts: [pickText()] };
        break;
      case 'inner':
        m = { texts: [this.inner(rng, p)] };
        break;
    }
    return { p, kind, m, rng };
  }

  /** A data message the peer really encrypts, around a mutated plaintext (message + TLVs). */
  private inner(rng: Rng, p: Prepared): string {
    const peerState = JSON.parse(p.peer!.state) as ConversationState;
    const inst = peerState.instances[String(peerState.selected)];
    if (!inst?.data || (inst.version !== 2 && inst.version !== 3)) return garbage(rng).texts[0]!;
    const plains = this.capture.messages.filter((m) => m.conv === p.snap.conv && m.plain !== undefined).map((m) => fromHex(m.plain!));
    const nextPlain = p.next.find((m) => m.plain !== undefined);
    let plain = nextPlain && rng.chance(0.5) ? fromHex(nextPlain.plain!) : rng.pick(plains);
    const how = rng.int(4);
    if (how === 0) plain = bitflip(rng, plain).bytes!;
    else if (how === 1) plain = truncate(rng, '', plain).bytes ?? plain;
    else if (how === 2) plain = splice(rng, plain, rng.pick(plains)).bytes!;
    else plain = randomTlvs(rng);
    const v = inst.version;
    const h = { version: v, type: MSG_DATA, senderTag: v === 3 ? p.peer!.me.instanceTag : 0, receiverTag: v === 3 ? inst.theirTag : 0 };
    return encryptData(inst.data, h, plain, rng.int(2)).wire;
  }

  /**
   * Runs input `index` and records it in `stats`. Inputs are deterministic, so a call over the
   * hang limit is run once more before it counts: only a slowness that repeats is a finding.
   */
  run(index: number, stats: Stats, retime = true): void {
    const { p, kind, m, rng } = this.input(index);
    const env: OtrEnv = { random: (n) => rng.bytes(n), now: () => CLOCK_START + (rng.chance(0.1) ? 3_600_000 : 10_000) };
    stats.inputs++;
    stats.perState[p.snap.name] = (stats.perState[p.snap.name] ?? 0) + 1;
    stats.perKind[kind] = (stats.perKind[kind] ?? 0) + 1;
    let state = JSON.parse(p.snap.state) as ConversationState;
    const problems: string[] = [];
    let slowCall = false;
    const started = performance.now();
    for (const text of m.texts) {
      const t = performance.now();
      stats.calls++;
      try {
        const r = receiveMessage(env, p.me, state, text);
        state = r.state;
        for (const s of r.show) {
          if (!s.encrypted) continue;
          stats.shownEncrypted++;
          if (kind !== 'inner' && !this.intact(p, s.text, m)) problems.push(`shown as encrypted from a tampered or replayed message: ${JSON.stringify(s.text)}`);
        }
      } catch (e) {
        const name = e instanceof Error ? e.name : typeof e;
        problems.push(`receiveMessage threw ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      const ms = performance.now() - t;
      if (ms > stats.maxMs) stats.maxMs = ms;
      if (ms > SLOW_MS) stats.slow++;
      if (ms > HANG_MS) slowCall = true;
    }
    if (slowCall) {
      const again = emptyStats();
      if (retime) this.run(index, again, false);
      if (!retime || again.maxMs > HANG_MS) problems.push(`a call took over ${HANG_MS} ms, twice`);
      else stats.retimed++;
    }
    stats.msPerKind[kind] = (stats.msPerKind[kind] ?? 0) + (performance.now() - started);
    if (problems.length > 0) {
      stats.failed++;
      if (stats.findings.length < 25) stats.findings.push({ index, state: p.snap.name, kind, problem: problems.join('; '), texts: m.texts });
    }
  }

  /** An encrypted text may be shown only for a fresh data message whose MAC-covered bytes are intact. */
  private intact(p: Prepared, shown: string, m: Mutated): boolean {
    return p.fresh.some((f) => {
      if (f.shown !== shown) return false;
      if (!m.bytes) return true;
      if (m.bytes.length < f.intact.length) return false;
      return f.intact.every((b, i) => m.bytes![i] === b);
    });
  }
}

/** A data message's bytes up to the end of its MAC; the revealed MAC keys after it are not covered. */
function intactPart(text: string): Uint8Array {
  const bytes = unarmor(text);
  if (!bytes) return new Uint8Array(0);
  const d = decodeMessage(text);
  if (d.kind !== 'data') return bytes;
  return bytes.subarray(0, d.authenticated.length + 20);
}

const TLV_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xffff];

/** A message part and a list of TLVs with random types, lengths that may lie, and random values. */
function randomTlvs(rng: Rng): Uint8Array {
  const parts: number[] = [];
  for (let i = rng.int(20); i > 0; i--) parts.push(0x61 + rng.int(26));
  if (rng.chance(0.9)) parts.push(0);
  for (let t = rng.int(4); t > 0; t--) {
    const type = rng.pick(TLV_TYPES);
    const len = rng.int(rng.chance(0.5) ? 40 : 2000);
    const claimed = rng.chance(0.8) ? len : rng.int(65536);
    parts.push(type >> 8, type & 255, claimed >> 8, claimed & 255);
    // SMP bodies start with an MPI count; small counts reach the per-MPI parser.
    const body = rng.bytes(len);
    if (len >= 4 && rng.chance(0.5)) body.set([0, 0, 0, rng.int(12)]);
    parts.push(...body);
  }
  return new Uint8Array(parts);
}
