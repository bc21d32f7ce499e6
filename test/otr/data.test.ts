/**
 * Data messages (spec: "Data Exchange"): encryption both ways, key rotation, strictly
 * increasing counters, revealing old MAC keys once, and rejection of tampered, replayed and
 * unknown-key messages without any change of state.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AKE_NONE, type AkeResult, receiveDhCommit, receiveDhKey, receiveRevealSignature, receiveSignature, startAke } from '../../src/otr/ake';
import { bytesToBigInt, fromHex, fromUtf8, toHex, utf8 } from '../../src/otr/bytes';
import { type DataKeyState, decryptData, encryptData, initialDataKeys, receivingExtraKey, sendingExtraKey } from '../../src/otr/data';
import type { DsaPrivateKey } from '../../src/otr/dsa';
import { OtrError } from '../../src/otr/errors';
import { hmacSha1 } from '../../src/otr/keys';
import { decodeMessage, type DataMessage, MSG_DATA } from '../../src/otr/messages';
import { drbg, testKey } from './helpers';

let bobKey: DsaPrivateKey;
let aliceKey: DsaPrivateKey;
beforeAll(() => {
  bobKey = testKey('data-bob');
  aliceKey = testKey('data-alice');
});

const random = drbg('data');
const header = { version: 3 as const, type: MSG_DATA, senderTag: 0x100, receiverTag: 0x200 };

function akeResults(): { alice: AkeResult; bob: AkeResult } {
  const b1 = startAke(random, 3);
  const a1 = receiveDhCommit(random, AKE_NONE, 3, b1.send!.body as never);
  const b2 = receiveDhKey(random, bobKey, b1.ake, a1.send!.body as never);
  const a2 = receiveRevealSignature(random, aliceKey, a1.ake, b2.send!.body as never);
  const b3 = receiveSignature(b2.ake, a2.send!.body as never);
  return { alice: a2.done!, bob: b3.done! };
}

type Decoded = { m: DataMessage; authenticated: Uint8Array };
function decode(wire: string): Decoded {
  const d = decodeMessage(wire);
  if (d.kind !== 'data') throw new Error('not data');
  return { m: d.body, authenticated: d.authenticated };
}

/** Two ends of a data phase. */
function pair() {
  const r = akeResults();
  const ends = { alice: initialDataKeys(random, r.alice), bob: initialDataKeys(random, r.bob) };
  const send = (from: 'alice' | 'bob', text: string): Decoded => {
    const e = encryptData(ends[from], header, utf8(text), 0);
    ends[from] = e.state;
    return decode(e.wire);
  };
  const recv = (to: 'alice' | 'bob', d: Decoded): string => {
    const out = decryptData(random, ends[to], d.m, d.authenticated);
    ends[to] = out.state;
    return fromUtf8(out.plaintext);
  };
  return { ends, send, recv };
}

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof OtrError) return e.code;
    throw e;
  }
  return 'none';
};

describe('data messages', () => {
  it('carry text both ways and rotate keys when acknowledged', () => {
    const p = pair();
    const first = p.send('bob', 'hello');
    expect([first.m.senderKeyId, first.m.recipientKeyId]).toEqual([1, 1]);
    expect(p.recv('alice', first)).toBe('hello');
    // Alice saw Bob's next key (id 2): she now addresses it.
    const reply = p.send('alice', 'hi bob');
    expect([reply.m.senderKeyId, reply.m.recipientKeyId]).toEqual([1, 2]);
    expect(p.recv('bob', reply)).toBe('hi bob');
    const third = p.send('bob', 'again');
    expect([third.m.senderKeyId, third.m.recipientKeyId]).toEqual([2, 2]);
    expect(p.recv('alice', third)).toBe('again');
    expect(p.ends.bob.ourKeyId).toBe(3);
  });

  it('counters strictly increase on one key pair', () => {
    const p = pair();
    const ctrs = [p.send('bob', 'a'), p.send('bob', 'b'), p.send('bob', 'c')].map((d) => bytesToBigInt(d.m.ctr));
    expect(ctrs).toEqual([1n, 2n, 3n]);
  });

  it('reveal each discarded receiving MAC key once, and they are the keys that MACed earlier messages', () => {
    const p = pair();
    const sent: Decoded[] = [];
    const revealed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const from = i % 2 === 0 ? 'bob' : 'alice';
      const d = p.send(from, `m${i}`);
      sent.push(d);
      for (let k = 0; k < d.m.oldMacKeys.length; k += 20) revealed.push(toHex(d.m.oldMacKeys.slice(k, k + 20)));
      p.recv(from === 'bob' ? 'alice' : 'bob', d);
    }
    expect(revealed.length).toBeGreaterThan(0);
    expect(new Set(revealed).size).toBe(revealed.length);
    for (const key of revealed) {
      const macs = sent.filter((d) => toHex(hmacSha1(fromHex(key), d.authenticated)) === toHex(d.m.mac));
      expect(macs.length).toBeGreaterThan(0);
    }
  });

  it('a tampered MAC, ciphertext or key id is rejected and the state stays', () => {
    const p = pair();
    const d = p.send('bob', 'secret');
    const before = JSON.stringify(p.ends.alice);
    const badMac = { ...d, m: { ...d.m, mac: d.m.mac.map((b, i) => (i === 0 ? b ^ 1 : b)) } };
    expect(code(() => p.recv('alice', badMac))).toBe('bad-mac');
    const badBody = { ...d, authenticated: d.authenticated.map((b, i) => (i === d.authenticated.length - 1 ? b ^ 1 : b)) };
    expect(code(() => p.recv('alice', badBody))).toBe('bad-mac');
    expect(code(() => p.recv('alice', { ...d, m: { ...d.m, senderKeyId: 7 } }))).toBe('unknown-key');
    expect(code(() => p.recv('alice', { ...d, m: { ...d.m, recipientKeyId: 0 } }))).toBe('unknown-key');
    expect(JSON.stringify(p.ends.alice)).toBe(before);
    expect(p.recv('alice', d)).toBe('secret');
  });

  it('a replayed message is rejected', () => {
    const p = pair();
    const a = p.send('bob', 'one');
    const b = p.send('bob', 'two');
    expect(p.recv('alice', a)).toBe('one');
    expect(p.recv('alice', b)).toBe('two');
    const before = JSON.stringify(p.ends.alice);
    expect(code(() => p.recv('alice', a))).toBe('replay');
    expect(code(() => p.recv('alice', b))).toBe('replay');
    expect(JSON.stringify(p.ends.alice)).toBe(before);
  });

  it('an out-of-range next key under a valid MAC is rejected', () => {
    const p = pair();
    p.ends.bob = { ...p.ends.bob, ourCurrent: { ...p.ends.bob.ourCurrent, gx: '1' } };
    const d = p.send('bob', 'x');
    expect(code(() => p.recv('alice', d))).toBe('out-of-range');
  });

  it('the extra symmetric key is the same for the sender and the receiver', () => {
    const p = pair();
    const { key, state } = sendingExtraKey(p.ends.bob);
    p.ends.bob = state;
    const d = p.send('bob', '');
    const out = decryptData(random, p.ends.alice, d.m, d.authenticated);
    expect(toHex(receivingExtraKey(out.secbytes))).toBe(toHex(key));
  });

  it('any interleaving of sends, delivered in order, decrypts exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 25 }), (script) => {
        const p = pair();
        const inFlight: { to: 'alice' | 'bob'; d: Decoded; text: string }[] = [];
        for (const [fromBob, text] of script) {
          inFlight.push({ to: fromBob ? 'alice' : 'bob', d: p.send(fromBob ? 'bob' : 'alice', text), text });
          // Deliver everything sent so far half of the time, so both sides sometimes lag.
          if (text.length % 2 === 0) for (const f of inFlight.splice(0)) expect(p.recv(f.to, f.d)).toBe(f.text);
        }
        for (const f of inFlight.splice(0)) expect(p.recv(f.to, f.d)).toBe(f.text);
      }),
      { numRuns: 15 },
    );
  });

  it('keeps its state as plain JSON', () => {
    const p = pair();
    p.recv('alice', p.send('bob', 'x'));
    const copy = JSON.parse(JSON.stringify(p.ends.alice)) as DataKeyState;
    expect(copy).toEqual(p.ends.alice);
  });
});
