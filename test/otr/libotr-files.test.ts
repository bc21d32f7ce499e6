/**
 * libotr's key, fingerprint and instance-tag files. The expected layouts below are what
 * libotr 4.1.1 (src/privkey.c account_write, src/instag.c otrl_instag_write) writes through
 * libgcrypt 1.10's gcry_sexp_sprint; test/interop/libotr-keys.test.ts checks them against the
 * real library.
 */
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToBigInt, fromHex, toHex, utf8 } from '../../src/otr/bytes';
import { generateDsaKey, type DsaPrivateKey } from '../../src/otr/dsa';
import { isOtrError, OtrError } from '../../src/otr/errors';
import { modInverse, modPow } from '../../src/otr/group';
import { isProbablePrime, P_ROUNDS, sieveProgression } from '../../src/otr/primes';
import {
  formatFingerprints,
  formatInstanceTags,
  formatPrivateKeys,
  INSTAG_WARNING,
  parseFingerprints,
  parseInstanceTags,
  parsePrivateKeys,
  type FingerprintEntry,
  type PrivateKeyEntry,
} from '../../src/otr/libotr-files';
import { drbg } from './helpers';

const random = (n: number) => webcrypto.getRandomValues(new Uint8Array(n));

/** An MPI the way libgcrypt prints it in hex: upper case, a 00 byte before a set top bit. */
function stdHex(n: bigint): string {
  let hex = n.toString(16).toUpperCase();
  if (hex.length % 2) hex = '0' + hex;
  return parseInt(hex[0]!, 16) >= 8 ? '00' + hex : hex;
}

/** The same group with a chosen x, to reach libgcrypt's token and quoted-string forms for x. */
function withX(key: DsaPrivateKey, xText: string): DsaPrivateKey {
  return withXBytes(key, utf8(xText));
}

function withXBytes(key: DsaPrivateKey, xBytes: Uint8Array): DsaPrivateKey {
  const x = bytesToBigInt(xBytes);
  return { ...key, x, y: modPow(key.g, x, key.p) };
}

function onlyOtrErrors(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (!isOtrError(e)) throw e;
    expect(e.code === 'key-file').toBe(true);
  }
}

let keyA: DsaPrivateKey;
let keyB: DsaPrivateKey;
beforeAll(() => {
  keyA = generateDsaKey(random);
  keyB = generateDsaKey(random);
});

describe('otr.private_key', () => {
  it('writes the exact layout libotr writes', () => {
    const text = formatPrivateKeys([{ account: 'alice@example.com', protocol: 'prpl-jabber', key: keyA }]);
    const mpis = (['p', 'q', 'g', 'y', 'x'] as const).map((n) => `  (${n} #${stdHex(keyA[n])}#)\n`).join('');
    expect(text).toBe(
      '(privkeys\n (account\n(name "alice@example.com")\n(protocol prpl-jabber)\n(private-key \n (dsa \n' +
        mpis +
        '  )\n )\n )\n)\n',
    );
    expect(formatPrivateKeys([])).toBe('(privkeys\n)\n');
    expect(parsePrivateKeys('(privkeys\n)\n')).toEqual([]);
  });

  it('prints names as tokens, quoted strings or hex, as libgcrypt chooses', () => {
    const nameLine = (name: string) => formatPrivateKeys([{ account: name, protocol: 'irc', key: keyA }]).split('\n')[2];
    expect(nameLine('bob')).toBe('(name bob)');
    expect(nameLine('bob.smith-2:x')).toBe('(name bob.smith-2:x)');
    expect(nameLine('')).toBe('(name "")');
    expect(nameLine('2bob')).toBe('(name "2bob")');
    expect(nameLine('a"b\\c\'d\te')).toBe('(name "a\\"b\\\\c\\\'d\\te")');
    expect(nameLine('bøb')).toBe('(name "bøb")');
    expect(nameLine('名前')).toBe('(name #E5908DE5898D#)');
    expect(nameLine('a\u0001b')).toBe('(name #610162#)');
  });

  it('prints a short x as a token or a quoted string when libgcrypt would', () => {
    const token = withX(keyA, 'abcdefghijklmnopqrst');
    const quoted = withX(keyA, 'Hello, "world" 12345');
    expect(formatPrivateKeys([{ account: 'a', protocol: 'b', key: token }])).toContain('  (x abcdefghijklmnopqrst)\n');
    expect(formatPrivateKeys([{ account: 'a', protocol: 'b', key: quoted }])).toContain('  (x "Hello, \\"world\\" 12345")\n');
    for (const key of [token, quoted]) {
      expect(parsePrivateKeys(formatPrivateKeys([{ account: 'a', protocol: 'b', key }]))[0]!.key).toEqual(key);
    }
  });

  it('reads an x that libgcrypt printed as a quoted string of raw bytes', () => {
    // Seen from libotr: about 1 key in 200 gets a line like `(x "l\xb1QF...")` with raw bytes.
    const xBytes = Uint8Array.from([0x6c, 0xb1, 0x51, 0x46, 0x50, 0x45, 0x30, 0x4b, 0x29, 0x27, 0xb5, 0x60, 0xb9, 0x57, 0x27, 0x56, 0x50, 0x49, 0x5c, 0xee]);
    const key = withXBytes(keyA, xBytes);
    const text = formatPrivateKeys([{ account: 'a', protocol: 'p', key }]);
    expect(text).toContain(`  (x #${toHex(xBytes).toUpperCase()}#)\n`);
    const [before, after] = text.split(/  \(x #[0-9A-F]+#\)\n/) as [string, string];
    const escaped = [...xBytes].flatMap((c) => (c === 0x27 || c === 0x5c ? [0x5c, c] : [c]));
    const file = new Uint8Array([...utf8(before), ...utf8('  (x "'), ...escaped, ...utf8('")\n'), ...utf8(after)]);
    expect(parsePrivateKeys(file)).toEqual([{ account: 'a', protocol: 'p', key }]);
    // Read as UTF-8 text the raw bytes are lost; the key check turns that into a typed error.
    expect(() => parsePrivateKeys(new TextDecoder().decode(file))).toThrow(expect.objectContaining({ code: 'key-file' }));
  });

  it('reads every atom form libgcrypt accepts', () => {
    const b64 = Buffer.from('prpl-irc').toString('base64');
    const qBytes = fromHex(keyA.q.toString(16).padStart(40, '0'));
    const head = `(privkeys(account\n\t(name "al\\x69c\\145 \\\n")(protocol |${b64}|)\r\n(private-key(dsa(p #${keyA.p.toString(16)}#)(q 20:`;
    const tail = `)(g #${stdHex(keyA.g).replace(/(..)/g, '$1 ')}#)(y #${stdHex(keyA.y)}#)(x #${stdHex(keyA.x)}#)(extra 1:z)))))   \n`;
    const file = new Uint8Array([...utf8(head), ...qBytes, ...utf8(tail)]);
    expect(parsePrivateKeys(file)).toEqual([{ account: 'alice ', protocol: 'prpl-irc', key: keyA }]);
  });

  it('round-trips any entries, and formatting a parsed file gives the same text', () => {
    const keys = () => [keyA, keyB, withX(keyB, 'abcdefghijklmnopqrst'), withX(keyA, 'x = "1" \\ 2 \n 3 4 5')];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            account: fc.string({ unit: 'grapheme', maxLength: 12 }),
            protocol: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
            key: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 3 },
        ),
        (raw) => {
          const entries: PrivateKeyEntry[] = raw.map((e) => ({ ...e, key: keys()[e.key]! }));
          const text = formatPrivateKeys(entries);
          expect(parsePrivateKeys(text)).toEqual(entries);
          expect(formatPrivateKeys(parsePrivateKeys(text))).toBe(text);
          expect(parsePrivateKeys(utf8(text))).toEqual(entries);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects malformed files with key-file errors', () => {
    const good = formatPrivateKeys([{ account: 'a', protocol: 'b', key: keyA }]);
    const cases = [
      '',
      '   ',
      '(privkeys',
      'privkeys',
      '(privkeys))',
      '(privkeys) (privkeys)',
      '(keys)',
      '(privkeys (acount (name a)))',
      '(privkeys (account (name a) (protocol b)))',
      '(privkeys (account (name "a) (protocol b)))',
      '(privkeys (account (name #abc#)))',
      '(privkeys (account (name |@@@@|)))',
      '(privkeys (account (name 9:short)))',
      '(privkeys (account (name 12)))',
      '(privkeys (account (name "\\q")))',
      '(privkeys [hint] )',
      '('.repeat(100_000),
      good.replace('(x ', '(z '),
      good.replace(/\(y #([0-9A-F]+)#/, (_, h: string) => `(y #${h.slice(0, -2)}${h.endsWith('00') ? '01' : '00'}#`),
      good.replace('(name a)', '(name #C3#)'),
      good.replace('(dsa', '(rsa'),
      good + 'x',
    ];
    for (const text of cases) {
      expect(() => parsePrivateKeys(text), JSON.stringify(text.slice(0, 60))).toThrow(OtrError);
      onlyOtrErrors(() => parsePrivateKeys(text));
    }
    onlyOtrErrors(() => parsePrivateKeys(42 as unknown as string));
    expect(() => formatPrivateKeys([{ account: 'a', protocol: 'b', key: { ...keyA, x: keyA.x + 1n } }])).toThrow(OtrError);
  });

  it('only ever throws OtrError on garbage or on a damaged valid file', () => {
    const good = utf8(formatPrivateKeys([{ account: 'a b', protocol: 'c', key: keyA }]));
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => onlyOtrErrors(() => parsePrivateKeys(s))));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyOtrErrors(() => parsePrivateKeys(b))));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const damaged = good.slice();
          for (const [at, v] of edits) damaged[at] = v;
          onlyOtrErrors(() => parsePrivateKeys(damaged));
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(good.length), (cut) => onlyOtrErrors(() => parsePrivateKeys(good.subarray(0, cut)))),
    );
  });
});

/** A one-account otr.private_key with these numbers, written directly (formatPrivateKeys checks keys). */
function keyFile(k: DsaPrivateKey): string {
  const mpis = (['p', 'q', 'g', 'y', 'x'] as const).map((n) => `(${n} #${stdHex(k[n])}#)`).join(' ');
  return `(privkeys (account (name "a") (protocol prpl-x) (private-key (dsa ${mpis}))))`;
}

/** parsePrivateKeys refuses the file with a key-file error naming the key's `component`. */
function expectRefused(k: DsaPrivateKey, component: 'p' | 'q' | 'g' | 'y' | 'x', detail: RegExp) {
  let error: unknown;
  try {
    parsePrivateKeys(keyFile(k));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(OtrError);
  expect((error as OtrError).code).toBe('key-file');
  expect((error as OtrError).field).toBe(`otr.private_key.account[0].private-key.${component}`);
  expect((error as OtrError).message).toMatch(detail);
}

/** y = g^x mod p for the given parts, so only the property under test is wrong. */
function consistent(p: bigint, q: bigint, g: bigint, x: bigint): DsaPrivateKey {
  return { p, q, g, x, y: modPow(g, x, p) };
}

describe('otr.private_key: strict checks on imported DSA parameters', () => {
  it('accepts keys as libotr and generateDsaKey make them (1024-bit p, 160-bit q)', () => {
    expect(parsePrivateKeys(keyFile(keyA))).toEqual([{ account: 'a', protocol: 'prpl-x', key: keyA }]);
    expect(parsePrivateKeys(keyFile(keyB), drbg('import'))[0]!.key).toEqual(keyB);
  });

  it('refuses q = 2 with an even g, whose signatures would all have r = 0', () => {
    expectRefused(consistent(7n, 2n, 2n, 1n), 'p', /3 bits/);
    expectRefused(consistent(keyA.p, 2n, 2n, 1n), 'q', /2 bits; expected 160/);
  });

  it('refuses a p outside 1024 to 3072 bits before any arithmetic on it', () => {
    const huge = (1n << 8200n) + 1n; // above what storage reads back (8192 bits)
    expectRefused(consistent(huge, 11n, 3n, 5n), 'p', /8201 bits; expected 1024 to 3072/);
    const giant = (1n << 32768n) + 1n; // y = g^x mod p alone would take seconds
    expectRefused({ p: giant, q: giant - 2n, g: 3n, x: giant - 4n, y: 5n }, 'p', /32769 bits/);
    expectRefused({ ...keyA, p: (1n << 3072n) + 1n }, 'p', /3073 bits/);
    const small = (1n << 1022n) + 1n;
    expectRefused(consistent(small, keyA.q, 3n, 5n), 'p', /1023 bits/);
  });

  it('refuses a q that is not 160 bits, which OTR signatures (20-byte r and s) cannot carry', () => {
    const big = (1n << 200n) + 1n;
    expectRefused(consistent(keyA.p, big, keyA.g, 12345n), 'q', /201 bits; expected 160/);
    const short = (1n << 158n) + 1n;
    expectRefused(consistent(keyA.p, short, keyA.g, 12345n), 'q', /159 bits; expected 160/);
  });

  it('refuses an x outside [1, q-1]', () => {
    expectRefused(consistent(keyA.p, keyA.q, keyA.g, keyA.q + 1n), 'x', /outside/);
  });

  it('refuses a q that does not divide p - 1', () => {
    expect((keyA.p - 1n) % keyB.q).not.toBe(0n);
    expectRefused(consistent(keyA.p, keyB.q, keyA.g, 12345n), 'q', /does not divide p-1/);
  });

  it('refuses a g whose order is not q', () => {
    const [g] = [2n, 3n, 5n, 7n].filter((h) => modPow(h, keyA.q, keyA.p) !== 1n);
    expectRefused(consistent(keyA.p, keyA.q, g!, 12345n), 'g', /g\^q mod p is not 1/);
    expectRefused(consistent(keyA.p, keyA.q, keyA.p - 1n, 12345n), 'g', /g\^q mod p is not 1/);
  });

  it('refuses a composite q, even with a prime p = 1 mod q and g of order dividing q', () => {
    const rnd = drbg('composite q');
    // q = 3 * odd, 160 bits: composite. p = 1 + 2qj, a 1024-bit prime found as dsa.ts finds p.
    const q = 3n * ((1n << 158n) + 12345n);
    expect(q.toString(2)).toHaveLength(160);
    const low = 1n << 1023n;
    const start = low + 2n * q - ((low - 1n) % (2n * q));
    const struck = sieveProgression(start, 2n * q, 4096);
    let p = 0n;
    for (let j = 0; j < 4096 && !p; j++) {
      const c = start + BigInt(j) * 2n * q;
      if (!struck[j] && isProbablePrime(rnd, c, P_ROUNDS)) p = c;
    }
    expect(p.toString(2)).toHaveLength(1024);
    expect((p - 1n) % q).toBe(0n);
    const g = modPow(2n, (p - 1n) / q, p);
    expect(g).not.toBe(1n);
    expect(modPow(g, q, p)).toBe(1n);
    expectRefused(consistent(p, q, g, 12345n), 'q', /not prime/);
  });

  it('refuses a composite p with a prime q dividing p - 1 and g of order q', () => {
    // p = keyA.p * r with r = 2q + 1, so q | p - 1; g = keyA.g mod keyA.p and 1 mod r has order q.
    const r = 2n * keyA.q + 1n;
    const p = keyA.p * r;
    const g = keyA.g + keyA.p * ((((1n - keyA.g) % r) + r) * modInverse(keyA.p % r, r) % r);
    expect((p - 1n) % keyA.q).toBe(0n);
    expect(g % r).toBe(1n);
    expect(modPow(g, keyA.q, p)).toBe(1n);
    expectRefused(consistent(p, keyA.q, g, 12345n), 'p', /not prime/);
  });

  it('still refuses a bad y under parameters already checked', () => {
    expect(parsePrivateKeys(keyFile(keyA))).toHaveLength(1);
    expectRefused({ ...keyA, y: modPow(keyA.g, keyA.x + 1n, keyA.p) }, 'y', /not g\^x/);
  });
});

const fieldText = fc.string({ unit: 'grapheme', maxLength: 10 }).filter((s) => !/[\t\n\r]/.test(s));
const trustText = fc.oneof(
  fc.constantFrom('', 'verified', 'smp'),
  fc.string({ unit: 'grapheme', maxLength: 10 }).filter((s) => !/[\n\r]/.test(s)),
);

describe('otr.fingerprints', () => {
  const fp1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334';
  const fp2 = '0bb01c360424522e94ee9c346ce877a1a4288b2f';

  it('reads what libotr writes, a missing trust field included, and writes it back', () => {
    const text = `bob@example.org\talice@example.com\tprpl-jabber\t${fp1}\tverified\ncarol\talice\tprpl-irc\t${fp2}\t\n`;
    const entries = parseFingerprints(text);
    expect(entries).toEqual([
      { username: 'bob@example.org', account: 'alice@example.com', protocol: 'prpl-jabber', fingerprint: fromHex(fp1), trust: 'verified' },
      { username: 'carol', account: 'alice', protocol: 'prpl-irc', fingerprint: fromHex(fp2), trust: '' },
    ]);
    expect(formatFingerprints(entries)).toBe(text);
    expect(parseFingerprints(`dave\talice\tirc\t${fp1.toUpperCase()}\r\n\n`)).toEqual([
      { username: 'dave', account: 'alice', protocol: 'irc', fingerprint: fromHex(fp1), trust: '' },
    ]);
    expect(parseFingerprints(`e\ta\tp\t${fp1}\tsmp\twith tab`)[0]!.trust).toBe('smp\twith tab');
    expect(parseFingerprints('')).toEqual([]);
  });

  it('rejects malformed lines and unwritable entries', () => {
    for (const text of [`a\tb\t${fp1}\n`, `a\tb\tc\t${fp1.slice(1)}\n`, `a\tb\tc\t${fp1}0\n`, `a\tb\tc\t${'x'.repeat(40)}\n`, `a\rb\tc\td\t${fp1}\n`]) {
      expect(() => parseFingerprints(text)).toThrow(expect.objectContaining({ code: 'key-file' }));
    }
    const ok: FingerprintEntry = { username: 'u', account: 'a', protocol: 'p', fingerprint: fromHex(fp1), trust: '' };
    for (const bad of [{ username: 'u\tv' }, { account: 'a\n' }, { trust: 'x\ny' }, { fingerprint: new Uint8Array(19) }]) {
      expect(() => formatFingerprints([{ ...ok, ...bad }])).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    }
  });

  it('round-trips any entries', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            username: fieldText,
            account: fieldText,
            protocol: fieldText,
            fingerprint: fc.uint8Array({ minLength: 20, maxLength: 20 }),
            trust: trustText,
          }),
          { maxLength: 5 },
        ),
        (entries) => {
          const text = formatFingerprints(entries);
          expect(parseFingerprints(text)).toEqual(entries);
          expect(formatFingerprints(parseFingerprints(text))).toBe(text);
        },
      ),
    );
  });

  it('only ever throws OtrError on garbage', () => {
    const unit = fc.constantFrom('\t', '\n', '\r', 'a', 'F', '0', '9', 'x', ' ', 'é');
    fc.assert(fc.property(fc.string({ unit, maxLength: 120 }), (s) => onlyOtrErrors(() => parseFingerprints(s))));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => onlyOtrErrors(() => parseFingerprints(s))));
    onlyOtrErrors(() => parseFingerprints(null as unknown as string));
  });
});

describe('otr.instance_tags', () => {
  it("reads what libotr writes, skipping its warning line, and writes the same text", () => {
    const text = `${INSTAG_WARNING}\nalice@example.com\tprpl-jabber\t1a2b3c4d\nbob\tprpl-irc\t00000100\n`;
    const entries = parseInstanceTags(text);
    expect(entries).toEqual([
      { account: 'alice@example.com', protocol: 'prpl-jabber', instanceTag: 0x1a2b3c4d },
      { account: 'bob', protocol: 'prpl-irc', instanceTag: 0x100 },
    ]);
    expect(formatInstanceTags(entries)).toBe(text);
    expect(formatInstanceTags([])).toBe(INSTAG_WARNING + '\n');
    expect(parseInstanceTags('a\tb\tABCDEF01\r\n\n# note\n')).toEqual([{ account: 'a', protocol: 'b', instanceTag: 0xabcdef01 }]);
  });

  it('rejects malformed lines and unwritable entries', () => {
    for (const text of ['junk\n', 'a\tb\n', 'a\tb\tc\t00000100\n', 'a\tb\t000000ff\n', 'a\tb\t0100\n', 'a\tb\tzzzzzzzz\n']) {
      expect(() => parseInstanceTags(text)).toThrow(expect.objectContaining({ code: 'key-file' }));
    }
    expect(() => formatInstanceTags([{ account: 'a\tb', protocol: 'p', instanceTag: 0x100 }])).toThrow(OtrError);
    expect(() => formatInstanceTags([{ account: 'a', protocol: 'p', instanceTag: 0xff }])).toThrow(OtrError);
  });

  it('round-trips any entries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ account: fieldText, protocol: fieldText, instanceTag: fc.integer({ min: 0x100, max: 0xffffffff }) }), {
          maxLength: 5,
        }),
        (entries) => {
          const text = formatInstanceTags(entries);
          expect(parseInstanceTags(text)).toEqual(entries);
          expect(formatInstanceTags(parseInstanceTags(text))).toBe(text);
        },
      ),
    );
  });

  it('only ever throws OtrError on garbage', () => {
    const unit = fc.constantFrom('\t', '\n', '\r', '#', 'a', 'F', '0', '1', 'x', ' ');
    fc.assert(fc.property(fc.string({ unit, maxLength: 80 }), (s) => onlyOtrErrors(() => parseInstanceTags(s))));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => onlyOtrErrors(() => parseInstanceTags(s))));
  });
});

it('fingerprint hex in files is lower case, as libotr prints it', () => {
  const fp = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
  expect(formatFingerprints([{ username: 'u', account: 'a', protocol: 'p', fingerprint: fp, trust: '' }])).toBe(`u\ta\tp\t${toHex(fp)}\t\n`);
});
