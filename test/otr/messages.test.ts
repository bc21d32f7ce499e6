/**
 * Encodings (spec: "Data types", "OTR Messages"): base64, the wire types and every encoded
 * message type round-trip; the parsers only ever return or throw OtrError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/otr/bytes';
import { isOtrError, OtrError } from '../../src/otr/errors';
import { MODULUS } from '../../src/otr/group';
import {
  armor,
  decodeMessage,
  FLAG_IGNORE_UNREADABLE,
  MSG_DATA,
  MSG_DH_COMMIT,
  MSG_DH_KEY,
  MSG_REVEAL_SIGNATURE,
  MSG_SIGNATURE,
  peekHeader,
} from '../../src/otr/messages';
import { encodeMpi, encodePublicKey, Reader, Writer } from '../../src/otr/wire';
import { build } from './helpers';

/** Runs `f`; passes if it returns or throws an OtrError, fails on anything else. */
function onlyOtrErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!isOtrError(e)) throw new Error(`non-OtrError escaped: ${String(e)}`);
  }
}

const bytes = (max = 64) => fc.uint8Array({ maxLength: max });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const tag = fc.integer({ min: 0x100, max: 0xffffffff });
const bigNat = fc.bigInt({ min: 0n, max: MODULUS });
const headerArb = fc.oneof(
  fc.record({ version: fc.constant(3 as const), senderTag: tag, receiverTag: fc.oneof(fc.constant(0), tag) }),
  fc.record({ version: fc.constant(2 as const), senderTag: fc.constant(0), receiverTag: fc.constant(0) }),
);

describe('base64', () => {
  it('round-trips any bytes', () => {
    fc.assert(fc.property(bytes(200), (b) => {
      expect(fromBase64(toBase64(b))).toEqual(b);
    }));
  });
  it('matches Node on any bytes', () => {
    fc.assert(fc.property(bytes(100), (b) => {
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }));
  });
  it('rejects bad text with OtrError only', () => {
    fc.assert(fc.property(fc.string(), (s) => onlyOtrErrors(() => fromBase64(s))));
    for (const bad of ['a', 'ab=c', '====', 'ab\u00e9=', 'a b=', 'AA=A']) expect(() => fromBase64(bad)).toThrow(OtrError);
  });
});

describe('wire types', () => {
  it('SHORT, INT, DATA, MPI round-trip and MPI is minimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), u32, bytes(), bigNat, (s, i, d, n) => {
        const enc = new Writer().short(s).int(i).data(d).mpi(n).finish();
        const r = new Reader(enc, 't');
        expect([r.short('s'), r.int('i'), r.data('d'), r.mpi('n')]).toEqual([s, i, d, n]);
        r.end();
        const mpi = encodeMpi(n);
        if (n > 0n) expect(mpi[4]).not.toBe(0);
        else expect(mpi).toEqual(new Uint8Array(4));
      }),
    );
  });
  it('public keys round-trip', () => {
    fc.assert(
      fc.property(bigNat, bigNat, bigNat, bigNat, (p, q, g, y) => {
        const key = { p, q, g, y };
        const r = new Reader(encodePublicKey(key), 'k');
        expect(r.publicKey('k')).toEqual(key);
        r.end();
      }),
    );
  });
  it('readers on arbitrary bytes throw only OtrError', () => {
    fc.assert(
      fc.property(bytes(40), (b) => {
        onlyOtrErrors(() => new Reader(b, 't').publicKey('k'));
        onlyOtrErrors(() => {
          const r = new Reader(b, 't');
          r.mpi('a');
          r.ctr('c');
          r.mac('m');
          r.end();
        });
      }),
    );
  });
  it('MPIs with leading zeros are accepted on input', () => {
    const r = new Reader(new Uint8Array([0, 0, 0, 3, 0, 0, 5]), 't');
    expect(r.mpi('n')).toBe(5n);
  });
});

describe('encoded messages', () => {
  it('DH-Commit round-trips', () => {
    fc.assert(
      fc.property(headerArb, bytes(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (h, e, hash) => {
        const d = decodeMessage(build.dhCommit(h, e, hash));
        expect(d).toEqual({ header: { ...h, type: MSG_DH_COMMIT }, kind: 'dh-commit', body: { encryptedGx: e, hashedGx: hash } });
      }),
    );
  });
  it('DH-Key round-trips', () => {
    fc.assert(
      fc.property(headerArb, bigNat, (h, gy) => {
        expect(decodeMessage(build.dhKey(h, gy))).toEqual({ header: { ...h, type: MSG_DH_KEY }, kind: 'dh-key', body: { gy } });
      }),
    );
  });
  it('Reveal Signature and Signature round-trip', () => {
    const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const mac = fc.uint8Array({ minLength: 20, maxLength: 20 });
    fc.assert(
      fc.property(headerArb, key, bytes(), mac, (h, k, sig, m) => {
        expect(decodeMessage(build.revealSignature(h, k, sig, m))).toEqual({
          header: { ...h, type: MSG_REVEAL_SIGNATURE },
          kind: 'reveal-signature',
          body: { revealedKey: k, encryptedSignature: sig, mac: m },
        });
        expect(decodeMessage(build.signature(h, sig, m))).toEqual({
          header: { ...h, type: MSG_SIGNATURE },
          kind: 'signature',
          body: { encryptedSignature: sig, mac: m },
        });
      }),
    );
  });
  it('Data messages round-trip, with the authenticated part ending before the MAC', () => {
    fc.assert(
      fc.property(
        headerArb,
        fc.record({
          flags: fc.constantFrom(0, FLAG_IGNORE_UNREADABLE),
          senderKeyId: u32,
          recipientKeyId: u32,
          nextDh: bigNat,
          ctr: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          encrypted: bytes(),
        }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        bytes(),
        (h, m, mac, old) => {
          const text = build.data(h, m, mac, old);
          const d = decodeMessage(text);
          expect(d.kind).toBe('data');
          if (d.kind !== 'data') return;
          expect(d.header).toEqual({ ...h, type: MSG_DATA });
          expect(d.body).toEqual({ ...m, mac, oldMacKeys: old });
          const all = fromBase64(text.slice(5, -1));
          expect(d.authenticated).toEqual(all.slice(0, all.length - 20 - 4 - old.length));
          expect(peekHeader(text)).toEqual(d.header);
        },
      ),
    );
  });
  it('text after the final "." is ignored, as in libotr', () => {
    const text = build.dhKey({}, 12345n);
    expect(decodeMessage(text + ' trailing words')).toEqual(decodeMessage(text));
  });
  it('rejects malformed messages with typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as OtrError).code;
      }
      return 'none';
    };
    const dhKey = fromBase64(build.dhKey({}, 99n).slice(5, -1));
    expect(code(() => decodeMessage('hello'))).toBe('malformed');
    expect(code(() => decodeMessage('?OTR:AAMK'))).toBe('malformed'); // no final '.'
    expect(code(() => decodeMessage(armor(new Uint8Array([0, 1, 2]))))).toBe('unsupported-version');
    expect(code(() => decodeMessage(armor(new Uint8Array([0, 3, 0x0a, 0, 0, 1, 0, 0, 0, 0, 0]))))).toBe('malformed');
    expect(code(() => decodeMessage(armor(new Uint8Array([...dhKey, 0]))))).toBe('trailing-bytes');
    expect(code(() => decodeMessage(armor(dhKey.slice(0, -1))))).toBe('malformed');
    expect(code(() => decodeMessage(armor(new Uint8Array([0, 3, 0x0a, 0, 0, 0, 5, 0, 0, 1, 0]))))).toBe('wrong-instance');
    expect(code(() => decodeMessage(armor(new Uint8Array([0, 3, 0x42, 0, 0, 1, 0, 0, 0, 1, 0]))))).toBe('malformed');
    expect(code(() => decodeMessage(build.dhCommit({}, new Uint8Array(4), new Uint8Array(31))))).toBe('malformed');
    expect(code(() => decodeMessage(build.revealSignature({}, new Uint8Array(15), new Uint8Array(4), new Uint8Array(20))))).toBe('malformed');
  });
  it('decodeMessage and peekHeader on arbitrary strings and bytes throw only OtrError', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        onlyOtrErrors(() => decodeMessage(s));
        onlyOtrErrors(() => decodeMessage('?OTR:' + s));
        onlyOtrErrors(() => peekHeader('?OTR:' + s));
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(2, 3), fc.constantFrom(2, 3, 0x0a, 0x11, 0x12, 7), bytes(120), (ver, type, rest) => {
        const head = ver === 3 ? [0, 3, type, 0, 0, 1, 0, 0, 0, 1, 1] : [0, 2, type];
        onlyOtrErrors(() => decodeMessage(armor(new Uint8Array([...head, ...rest]))));
      }),
      { numRuns: 2000 },
    );
  });
  it('truncations and bit flips of valid messages throw only OtrError', () => {
    const valid = [
      build.dhCommit({}, new Uint8Array(196), new Uint8Array(32)),
      build.dhKey({ version: 2 }, MODULUS - 5n),
      build.revealSignature({}, new Uint8Array(16), new Uint8Array(40), new Uint8Array(20)),
      build.signature({}, new Uint8Array(40), new Uint8Array(20)),
      build.data({}, { flags: 1, senderKeyId: 1, recipientKeyId: 2, nextDh: 77n, ctr: new Uint8Array(8), encrypted: new Uint8Array(9) }, new Uint8Array(20), new Uint8Array(40)),
    ].map((t) => fromBase64(t.slice(5, -1)));
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (b, cut, at, mask) => {
        onlyOtrErrors(() => decodeMessage(armor(b.slice(0, cut % (b.length + 1)))));
        const flipped = b.slice();
        flipped[at % b.length] = flipped[at % b.length]! ^ mask;
        onlyOtrErrors(() => decodeMessage(armor(flipped)));
      }),
      { numRuns: 2000 },
    );
  });
});
