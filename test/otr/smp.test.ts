// SMP suites (spec "The Socialist Millionaires' Protocol"); kept in one file, past ~400 lines, because
// every suite builds on the same transcript helper.
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/otr/bytes';
import { OtrError, isOtrError } from '../../src/otr/errors';
import { GENERATOR, MODULUS, ORDER, modPow, type RandomBytes } from '../../src/otr/group';
import {
  TLV_SMP1,
  TLV_SMP1Q,
  TLV_SMP2,
  TLV_SMP3,
  TLV_SMP4,
  TLV_SMP_ABORT,
  initialSmpState,
  smpAbort,
  smpAnswer,
  smpIsWaitingForAnswer,
  smpPhase,
  smpReceive,
  smpStart,
  type SmpContext,
  type SmpState,
  type SmpStep,
  type Tlv,
} from '../../src/otr/smp';
import { decodeMpis, encodeMpis, powG1, smpHash, smpRandomExponent, smpSecret, step2a, step3, step4, step5 } from '../../src/otr/smp-math';

/** Deterministic test randomness: SHA-256 in counter mode over a seed. */
function drbg(seed: string): RandomBytes {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = sha256(utf8(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  };
}

const fpA = fromHex('0bb01c360424522e94ee9c346ce877a1a4288b2f');
const fpB = sha256(utf8('bob')).subarray(0, 20);
const ssid = fromHex('9cee5d2c7edbc86d');
const ctxA: SmpContext = { ourFingerprint: fpA, theirFingerprint: fpB, ssid };
const ctxB: SmpContext = { ourFingerprint: fpB, theirFingerprint: fpA, ssid };
const ABORT_TLV = { type: TLV_SMP_ABORT, value: new Uint8Array(0) };

/** Every state goes through JSON between steps, as the extension stores it. */
const roundTrip = (s: SmpState): SmpState => {
  const copy = JSON.parse(JSON.stringify(s)) as SmpState;
  expect(copy).toEqual(s);
  return copy;
};
const only = (step: SmpStep): Tlv => {
  expect(step.send).toHaveLength(1);
  return step.send[0]!;
};

interface Transcript {
  steps: { name: string; step: SmpStep }[];
  /** Receiver state just before each message arrived, and the message itself. */
  at: Record<'smp1' | 'smp2' | 'smp3' | 'smp4', { state: SmpState; tlv: Tlv }>;
}

/** One full run between an initiator and a responder, serialising state after every step. */
function run(
  seed: string,
  init: SmpContext,
  resp: SmpContext,
  secretI: string,
  secretR: string,
  question?: string,
): Transcript {
  const rI = drbg(`${seed}/i`);
  const rR = drbg(`${seed}/r`);
  const steps: Transcript['steps'] = [];
  const rec = (name: string, step: SmpStep) => (steps.push({ name, step }), roundTrip(step.smp));
  const start = smpStart(rI, initialSmpState(), init, utf8(secretI), question);
  let sI = rec('start', start);
  let sR = roundTrip(initialSmpState());
  const smp1 = { state: sR, tlv: only(start) };
  const ask = smpReceive(rR, sR, resp, smp1.tlv);
  sR = rec('ask', ask);
  const answer = smpAnswer(rR, sR, resp, utf8(secretR));
  sR = rec('answer', answer);
  const smp2 = { state: sI, tlv: only(answer) };
  const third = smpReceive(rI, sI, init, smp2.tlv);
  sI = rec('step3', third);
  const smp3 = { state: sR, tlv: only(third) };
  const fourth = smpReceive(rR, sR, resp, smp3.tlv);
  sR = rec('step4', fourth);
  const smp4 = { state: sI, tlv: only(fourth) };
  rec('step5', smpReceive(rI, sI, init, smp4.tlv));
  return { steps, at: { smp1, smp2, smp3, smp4 } };
}

const events = (t: Transcript) => Object.fromEntries(t.steps.map(({ name, step }) => [name, step.events]));
const ev = (status: string, progress: number, question?: string) =>
  question === undefined ? [{ type: 'smp', status, progress }] : [{ type: 'smp', status, progress, question }];

describe('smp secret (spec "Secret information")', () => {
  it('matches the known answer smp_secret_sample of test/fixtures/otr3_kat.json', () => {
    // input: 0x01 || alice_fp || 20 zero bytes (responder fp) || ssid || 'swordfish'
    const x = smpSecret(fpA, new Uint8Array(20), ssid, utf8('swordfish'));
    expect(toHex(x)).toBe('585945e19969673c4dc371e7210813278511e44ade817d59cc0258482c51ae36');
  });

  it('is the same on both sides: the initiator hashes its own fingerprint first, the responder the peer one', () => {
    const t = run('order', ctxA, ctxB, 'swordfish', 'swordfish');
    const x = t.steps.find((s) => s.name === 'start')!.step.smp.secret;
    const y = t.steps.find((s) => s.name === 'answer')!.step.smp.secret;
    expect(x).toBe(toHex(smpSecret(fpA, fpB, ssid, utf8('swordfish'))).replace(/^0+/, ''));
    expect(y).toBe(x);
  });
});

describe('smp arithmetic', () => {
  it('powG1 (fixed-base table) agrees with modPow, including the edges of its range', () => {
    const r = drbg('pow');
    const exps = [0n, 1n, 15n, 16n, ORDER - 1n, ORDER, (1n << 1536n) - 1n, 1n << 1536n, 1n << 1600n];
    for (let i = 0; i < 5; i++) exps.push(smpRandomExponent(r));
    for (const e of exps) expect(powG1(e)).toBe(modPow(GENERATOR, e, MODULUS));
  });

  it('draws 1536-bit exponents like libotr (SM_MOD_LEN_BYTES random bytes)', () => {
    let asked = 0;
    smpRandomExponent((n) => ((asked = n), new Uint8Array(n)));
    expect(asked).toBe(192);
  });

  it('hashes a version byte and one or two MPIs (spec "SMP Hash function")', () => {
    const one = sha256(new Uint8Array([3, 0, 0, 0, 2, 0x01, 0x00]));
    expect(smpHash(3, 256n)).toBe(BigInt('0x' + toHex(one)));
    const two = sha256(new Uint8Array([7, 0, 0, 0, 1, 0x05, 0, 0, 0, 2, 0xff, 0xfe]));
    expect(smpHash(7, 5n, 0xfffen)).toBe(BigInt('0x' + toHex(two)));
  });
});

describe('smp runs', () => {
  it('succeeds when Alice initiates with the same secret, with libotr progress numbers', () => {
    const started = performance.now();
    const t = run('ok-a', ctxA, ctxB, 'correct horse', 'correct horse');
    const elapsed = performance.now() - started;
    console.log(`full SMP, both sides, four messages: ${elapsed.toFixed(0)} ms`);
    expect(events(t)).toEqual({
      start: ev('IN_PROGRESS', 20),
      ask: ev('ASK_FOR_SECRET', 25),
      answer: ev('IN_PROGRESS', 60),
      step3: ev('IN_PROGRESS', 60),
      step4: ev('SUCCESS', 100),
      step5: ev('SUCCESS', 100),
    });
    expect(t.steps.map((s) => s.step.send.map((x) => x.type))).toEqual([[TLV_SMP1], [], [TLV_SMP2], [TLV_SMP3], [TLV_SMP4], []]);
    expect(t.steps.map((s) => s.step.smp.expect)).toEqual(['EXPECT2', 'EXPECT1', 'EXPECT3', 'EXPECT4', 'EXPECT1', 'EXPECT1']);
    expect(t.steps[4]!.step.smp).toEqual(initialSmpState());
    expect(t.steps[5]!.step.smp).toEqual(initialSmpState());
    // MPI counts on the wire are libotr's SM_MSG1_LEN..SM_MSG4_LEN.
    expect(decodeMpis(t.at.smp1.tlv.value, 6, 'm')).toHaveLength(6);
    expect(decodeMpis(t.at.smp2.tlv.value, 11, 'm')).toHaveLength(11);
    expect(decodeMpis(t.at.smp3.tlv.value, 8, 'm')).toHaveLength(8);
    expect(decodeMpis(t.at.smp4.tlv.value, 3, 'm')).toHaveLength(3);
  });

  it('succeeds when Bob initiates', () => {
    const t = run('ok-b', ctxB, ctxA, 'hunter2', 'hunter2');
    expect(t.steps.at(-2)!.step.events).toEqual(ev('SUCCESS', 100));
    expect(t.steps.at(-1)!.step.events).toEqual(ev('SUCCESS', 100));
  });

  it('fails on both sides with different secrets', () => {
    const t = run('fail', ctxA, ctxB, 'blue', 'green');
    expect(t.steps.at(-2)!.step.events).toEqual(ev('FAILURE', 100));
    expect(t.steps.at(-1)!.step.events).toEqual(ev('FAILURE', 100));
  });

  it('fails when the fingerprints or the session differ (a man in the middle)', () => {
    const t = run('mitm', ctxA, { ...ctxB, ssid: fromHex('0000000000000001') }, 'same', 'same');
    expect(t.steps.at(-1)!.step.events).toEqual(ev('FAILURE', 100));
  });

  it('carries a question as NUL-terminated UTF-8 in SMP1Q and delivers it with ASK_FOR_ANSWER', () => {
    const question = 'Où nous sommes-nous rencontrés ?';
    const t = run('q', ctxA, ctxB, 'Lyon', 'Lyon', question);
    const smp1 = t.at.smp1.tlv;
    expect(smp1.type).toBe(TLV_SMP1Q);
    const q = utf8(question);
    expect(smp1.value.subarray(0, q.length + 1)).toEqual(concatBytes(q, new Uint8Array([0])));
    expect(decodeMpis(smp1.value.subarray(q.length + 1), 6, 'm')).toHaveLength(6);
    const ask = t.steps.find((s) => s.name === 'ask')!.step;
    expect(ask.events).toEqual(ev('ASK_FOR_ANSWER', 25, question));
    expect(smpIsWaitingForAnswer(ask.smp)).toBe(true);
    expect(smpPhase(ask.smp)).toBe('awaiting-answer');
    expect(ask.smp.question).toBe(question);
    // The responder's result repeats the question: libotr gives no trust for answering one.
    expect(t.steps.at(-2)!.step.events).toEqual(ev('SUCCESS', 100, question));
    expect(t.steps.at(-1)!.step.events).toEqual(ev('SUCCESS', 100));
  });

  it('restarts from any state without sending an abort first, as libotr does', () => {
    const t = run('restart', ctxA, ctxB, 's', 's');
    const again = smpStart(drbg('again'), t.at.smp4.state, ctxA, utf8('s'));
    expect(again.send.map((x) => x.type)).toEqual([TLV_SMP1]);
    expect(again.smp.expect).toBe('EXPECT2');
  });

  it('accepts a fresh SMP1 while a previous one waits for its answer', () => {
    const t = run('fresh', ctxA, ctxB, 's', 's', 'first?');
    const waiting = t.steps.find((s) => s.name === 'ask')!.step.smp;
    const other = smpStart(drbg('fresh2'), initialSmpState(), ctxA, utf8('s'), 'second?');
    const r = smpReceive(drbg('fresh3'), waiting, ctxB, only(other));
    expect(r.events).toEqual(ev('ASK_FOR_ANSWER', 25, 'second?'));
    expect(r.smp.question).toBe('second?');
  });
});

describe('smp aborts', () => {
  const t = run('abort', ctxA, ctxB, 'x', 'x');
  const states = {
    responderWaiting: t.steps.find((s) => s.name === 'ask')!.step.smp,
    initiatorExpect2: t.at.smp2.state,
    responderExpect3: t.at.smp3.state,
    initiatorExpect4: t.at.smp4.state,
  };

  for (const [name, state] of Object.entries(states)) {
    it(`a user abort while ${name} sends the abort TLV and resets`, () => {
      const a = smpAbort(state);
      expect(a).toEqual({ smp: initialSmpState(), send: [ABORT_TLV], events: [] });
      expect(smpPhase(a.smp)).toBe('idle');
    });

    it(`a received abort while ${name} resets and reports ABORT`, () => {
      const r = smpReceive(drbg('r'), state, ctxA, ABORT_TLV);
      expect(r).toEqual({ smp: initialSmpState(), send: [], events: ev('ABORT', 0) });
    });
  }

  it('after Bob aborts mid-way, Alice is reset and a late message is refused', () => {
    const bob = smpAbort(states.responderExpect3);
    const alice = smpReceive(drbg('a'), states.initiatorExpect4, ctxA, only(bob));
    expect(alice.events).toEqual(ev('ABORT', 0));
    const late = smpReceive(drbg('b'), bob.smp, ctxB, t.at.smp3.tlv);
    expect(late).toEqual({ smp: initialSmpState(), send: [ABORT_TLV], events: ev('ABORT', 0) });
  });

  it('smpAnswer without a waiting request is a bad-state OtrError', () => {
    expect(() => smpAnswer(drbg('x'), initialSmpState(), ctxB, utf8('s'))).toThrow(OtrError);
    expect(() => smpAnswer(drbg('x'), states.responderExpect3, ctxB, utf8('s'))).toThrow(/bad-state/);
  });

  it('refuses a question containing NUL and a context of the wrong sizes', () => {
    expect(() => smpStart(drbg('x'), initialSmpState(), ctxA, utf8('s'), 'a\0b')).toThrow(/invalid-argument/);
    expect(() => smpStart(drbg('x'), initialSmpState(), { ...ctxA, ssid: new Uint8Array(7) }, utf8('s'))).toThrow(
      /invalid-argument/,
    );
  });
});

describe('smp messages in the wrong state (spec: set EXPECT1 and send an abort)', () => {
  const t = run('wrong', ctxA, ctxB, 'x', 'x', 'q?');
  const smp1 = { type: TLV_SMP1, value: run('wrong1', ctxA, ctxB, 'x', 'x').at.smp1.tlv.value };
  const messages: Record<string, Tlv> = { smp1, smp1q: t.at.smp1.tlv, smp2: t.at.smp2.tlv, smp3: t.at.smp3.tlv, smp4: t.at.smp4.tlv };
  const states: Record<string, { state: SmpState; accepts: string[] }> = {
    EXPECT1: { state: initialSmpState(), accepts: ['smp1', 'smp1q'] },
    'EXPECT1 awaiting answer': { state: t.steps.find((s) => s.name === 'ask')!.step.smp, accepts: ['smp1', 'smp1q'] },
    EXPECT2: { state: t.at.smp2.state, accepts: ['smp2'] },
    EXPECT3: { state: t.at.smp3.state, accepts: ['smp3'] },
    EXPECT4: { state: t.at.smp4.state, accepts: ['smp4'] },
  };
  for (const [stateName, { state, accepts }] of Object.entries(states)) {
    for (const [msgName, tlv] of Object.entries(messages)) {
      if (accepts.includes(msgName)) continue;
      it(`${msgName} in ${stateName} aborts and resets`, () => {
        const r = smpReceive(drbg('w'), state, ctxA, tlv);
        expect(r).toEqual({ smp: initialSmpState(), send: [ABORT_TLV], events: ev('ABORT', 0) });
      });
    }
  }

  it('an empty SMP1Q is refused like libotr (its ERROR case)', () => {
    const r = smpReceive(drbg('w'), initialSmpState(), ctxB, { type: TLV_SMP1Q, value: new Uint8Array(0) });
    expect(r.events).toEqual(ev('ABORT', 0));
    expect(r.send).toEqual([ABORT_TLV]);
  });

  it('TLVs that are not SMP leave the state untouched', () => {
    const state = t.at.smp3.state;
    for (const type of [0, 1, 8, 9, 0xffff]) {
      expect(smpReceive(drbg('w'), state, ctxB, { type, value: new Uint8Array([1, 2]) })).toEqual({ smp: state, send: [], events: [] });
    }
  });
});

/** Byte offsets of each MPI's last byte inside an MPI-array body (after `skip` bytes). */
function mpiEnds(body: Uint8Array, skip = 0): number[] {
  const ends: number[] = [];
  let at = skip + 4;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  while (at < body.length) {
    const len = view.getUint32(at);
    at += 4 + len;
    ends.push(at - 1);
  }
  return ends;
}

describe('smp tampering is detected as CHEATED', () => {
  const t = run('tamper', ctxA, ctxB, 'x', 'x', 'q');
  const cases = {
    smp1q: { ...t.at.smp1, ctx: ctxB, skip: 2, names: ['g2a', 'c2', 'd2', 'g3a', 'c3', 'd3'] },
    smp2: { ...t.at.smp2, ctx: ctxA, skip: 0, names: ['g2b', 'c2', 'd2', 'g3b', 'c3', 'd3', 'pb', 'qb', 'cp', 'd5', 'd6'] },
    smp3: { ...t.at.smp3, ctx: ctxB, skip: 0, names: ['pa', 'qa', 'cp', 'd5', 'd6', 'ra', 'cr', 'd7'] },
    smp4: { ...t.at.smp4, ctx: ctxA, skip: 0, names: ['rb', 'cr', 'd7'] },
  };
  const cheated = { smp: initialSmpState(), send: [ABORT_TLV], events: ev('CHEATED', 0) };

  for (const [msg, c] of Object.entries(cases)) {
    const ends = mpiEnds(c.tlv.value, c.skip);
    it(`${msg} has ${c.names.length} MPIs`, () => expect(ends).toHaveLength(c.names.length));
    c.names.forEach((field, i) => {
      it(`${msg}.${field} with one byte flipped`, () => {
        const value = c.tlv.value.slice();
        value[ends[i]!]! ^= 0x01;
        expect(smpReceive(drbg('t'), c.state, c.ctx, { type: c.tlv.type, value })).toEqual(cheated);
      });
    });
    it(`${msg} with a wrong MPI count, truncated or with trailing bytes`, () => {
      const body = c.tlv.value;
      const wrongCount = body.slice();
      wrongCount[c.skip + 3]! += 1;
      for (const value of [wrongCount, body.subarray(0, body.length - 1), concatBytes(body, new Uint8Array([0]))]) {
        expect(smpReceive(drbg('t'), c.state, c.ctx, { type: c.tlv.type, value })).toEqual(cheated);
      }
    });
  }

  it('an SMP1Q whose question has no NUL is malformed', () => {
    const r = smpReceive(drbg('t'), initialSmpState(), ctxB, { type: TLV_SMP1Q, value: utf8('what?') });
    expect(r).toEqual(cheated);
  });
});

describe('smp range checks (group elements in [2, p-2], exponents in [1, q-1])', () => {
  // Adding p to a group element or q to an exponent keeps every proof equation true
  // (2 has order q), so only the range check can reject these.
  const t = run('range', ctxA, ctxB, 'x', 'x');
  const bob = t.steps.find((s) => s.name === 'answer')!.step.smp;
  const big = (s: string | undefined) => BigInt('0x' + s!);
  const parts = (tlv: Tlv, n: number) => decodeMpis(tlv.value, n, 'm');
  const alice2 = { x2: big(t.at.smp2.state.x2), x3: big(t.at.smp2.state.x3) };
  const bob3 = { x3: big(bob.x3), g2: big(bob.g2), g3: big(bob.g3), g3o: big(bob.g3o), p: big(bob.p), q: big(bob.q) };
  const alice4 = t.at.smp4.state;
  const alice5 = { x3: big(alice4.x3), g3o: big(alice4.g3o), pab: big(alice4.pab), qab: big(alice4.qab) };
  const secret = big(t.at.smp2.state.secret);
  const checks: { name: string; n: number; tlv: Tlv; groups: number[]; exps: number[]; apply: (b: Uint8Array) => unknown }[] = [
    { name: 'smp1', n: 6, tlv: t.at.smp1.tlv, groups: [0, 3], exps: [2, 5], apply: (b) => step2a(drbg('r'), b) },
    { name: 'smp2', n: 11, tlv: t.at.smp2.tlv, groups: [0, 3, 6, 7], exps: [2, 5, 9, 10], apply: (b) => step3(drbg('r'), alice2, secret, b) },
    { name: 'smp3', n: 8, tlv: t.at.smp3.tlv, groups: [0, 1, 5], exps: [3, 4, 7], apply: (b) => step4(drbg('r'), bob3, b) },
    { name: 'smp4', n: 3, tlv: t.at.smp4.tlv, groups: [0], exps: [2], apply: (b) => step5(alice5, b) },
  ];
  for (const c of checks) {
    it(`${c.name}: the unmodified body verifies`, () => expect(() => c.apply(c.tlv.value)).not.toThrow());
    for (const i of c.groups) {
      it(`${c.name}: group element #${i} + p, 0, 1 and p-1 are out of range`, () => {
        const original = parts(c.tlv, c.n);
        for (const v of [original[i]! + MODULUS, 0n, 1n, MODULUS - 1n, MODULUS]) {
          const mpis = original.slice();
          mpis[i] = v;
          expect(() => c.apply(encodeMpis(mpis))).toThrow(/out-of-range/);
        }
      });
    }
    for (const i of c.exps) {
      it(`${c.name}: exponent #${i} + q, 0 and q are out of range`, () => {
        const original = parts(c.tlv, c.n);
        for (const v of [original[i]! + ORDER, 0n, ORDER]) {
          const mpis = original.slice();
          mpis[i] = v;
          expect(() => c.apply(encodeMpis(mpis))).toThrow(/out-of-range/);
        }
      });
    }
  }
});

describe('smp parsing is total (fast-check)', () => {
  const t = run('fuzz', ctxA, ctxB, 'x', 'x', 'q');
  const states = [
    initialSmpState(),
    t.steps.find((s) => s.name === 'ask')!.step.smp,
    t.at.smp2.state,
    t.at.smp3.state,
    t.at.smp4.state,
  ];
  const genuine = [t.at.smp1.tlv, t.at.smp2.tlv, t.at.smp3.tlv, t.at.smp4.tlv].map((x) => x.value);
  // Random bytes, and genuine bodies with random edits, so parsing gets past the count.
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    fc.tuple(fc.constantFrom(...genuine), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, at, x]) => {
      const v = b.slice();
      v[at % v.length]! ^= x;
      return v;
    }),
  );

  it('never throws, always answers SMP types with a reset or a legitimate step, and keeps JSON state', () => {
    fc.assert(
      fc.property(fc.constantFrom(...states), fc.integer({ min: 2, max: 7 }), value, (state, type, v) => {
        let r: SmpStep;
        try {
          r = smpReceive(drbg('f'), state, ctxB, { type, value: v });
        } catch (e) {
          throw new Error(`threw ${isOtrError(e) ? 'OtrError' : 'non-OtrError'}: ${String(e)}`);
        }
        expect(JSON.parse(JSON.stringify(r.smp))).toEqual(r.smp);
        if (type === TLV_SMP_ABORT) expect(r.smp).toEqual(initialSmpState());
        else expect(r.send).toEqual([ABORT_TLV]);
        expect(r.smp).toEqual(initialSmpState());
      }),
      { numRuns: 300, seed: 20240 },
    );
  });

  it('leaves a usable state: a full run succeeds afterwards', () => {
    const garbage = smpReceive(drbg('g'), t.at.smp3.state, ctxB, { type: TLV_SMP3, value: new Uint8Array([0, 0, 0, 8, 1]) });
    expect(garbage.events).toEqual(ev('CHEATED', 0));
    const start = smpStart(drbg('g1'), initialSmpState(), ctxA, utf8('z'));
    const ask = smpReceive(drbg('g2'), roundTrip(garbage.smp), ctxB, only(start));
    const ans = smpAnswer(drbg('g3'), roundTrip(ask.smp), ctxB, utf8('z'));
    const s3 = smpReceive(drbg('g4'), roundTrip(start.smp), ctxA, only(ans));
    const s4 = smpReceive(drbg('g5'), roundTrip(ans.smp), ctxB, only(s3));
    const s5 = smpReceive(drbg('g6'), roundTrip(s3.smp), ctxA, only(s4));
    expect(s4.events).toEqual(ev('SUCCESS', 100));
    expect(s5.events).toEqual(ev('SUCCESS', 100));
  });
});
