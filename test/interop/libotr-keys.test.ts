/**
 * OffRecord's readers and writers of libotr's files against libotr 4.1.1 itself, through
 * test/interop/c/otr-keytool.c (built here with gcc): keys libotr generates load in OffRecord
 * with the same fingerprints and vice versa, signatures verify both ways, and libotr reads our
 * instance-tag and fingerprint files and writes them back unchanged.
 */
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBigInt, fromHex, toHex, utf8 } from '../../src/otr/bytes';
import {
  dsaSign,
  dsaVerify,
  fingerprint,
  formatFingerprint,
  generateDsaKey,
  publicKeyOf,
  type DsaPrivateKey,
} from '../../src/otr/dsa';
import { modPow } from '../../src/otr/group';
import { buildKeytool, ROOT } from './harness';
import { generateInstanceTag } from '../../src/otr/instance-tag';
import {
  formatFingerprints,
  formatInstanceTags,
  formatPrivateKeys,
  parseFingerprints,
  parseInstanceTags,
  parsePrivateKeys,
  type FingerprintEntry,
  type InstanceTagEntry,
  type PrivateKeyEntry,
} from '../../src/otr/libotr-files';

const random = (n: number) => webcrypto.getRandomValues(new Uint8Array(n));
let dir: string;
let tool: string;

function run(...args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8' });
}

/** The tool's "account \t protocol \t fingerprint" lines as a map keyed by account and protocol. */
function fingerprintsByAccount(output: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of output.trim().split('\n')) {
    const [account, protocol, human] = line.split('\t');
    out.set(`${account}\t${protocol}`, human!);
  }
  return out;
}

function humanFingerprint(key: DsaPrivateKey): string {
  return formatFingerprint(fingerprint(publicKeyOf(key)));
}

/** True where libgcrypt printed an MPI as a quoted string of raw bytes >= 0x80 (see formatMpi). */
function hasRawByteMpi(file: Uint8Array): boolean {
  const text = Buffer.from(file).toString('latin1');
  return [...text.matchAll(/^ {2}\([pqgyx] "(.*)"\)$/gm)].some((m) => /[\x80-\xff]/.test(m[1]!));
}

beforeAll(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.tmp', 'libotr-keys-'));
  tool = buildKeytool(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('otr.private_key', () => {
  it('a two-account file made by libotr parses with the fingerprints libotr computes', () => {
    const file = join(dir, 'libotr.private_key');
    const accounts = [
      ['alice@example.com', 'prpl-jabber'],
      ['名前 bøb', 'prpl-irc'],
    ] as const;
    const libotr = fingerprintsByAccount(run('gen', file, ...accounts.flat()));
    expect(libotr.size).toBe(2);
    const bytes = new Uint8Array(readFileSync(file));
    const entries = parsePrivateKeys(bytes);
    expect(entries.map((e) => [e.account, e.protocol])).toEqual(accounts);
    for (const e of entries) expect(humanFingerprint(e.key)).toBe(libotr.get(`${e.account}\t${e.protocol}`));
    // Byte for byte the same file, except where libgcrypt wrote an MPI as raw non-ASCII bytes.
    if (hasRawByteMpi(bytes)) expect(parsePrivateKeys(formatPrivateKeys(entries))).toEqual(entries);
    else expect(formatPrivateKeys(entries)).toBe(Buffer.from(bytes).toString('utf8'));
  });

  describe('a file written by OffRecord', () => {
    let entries: PrivateKeyEntry[];
    let file: string;
    beforeAll(() => {
      const a = generateDsaKey(random);
      const b = generateDsaKey(random);
      // A chosen x makes libgcrypt's quoted-string form of an MPI appear in the file.
      const x = bytesToBigInt(utf8('x = "quoted" \\ mpi!'));
      entries = [
        { account: 'alice@example.com', protocol: 'prpl-jabber', key: a },
        { account: '名前 bøb', protocol: 'prpl-irc', key: b },
        { account: 'carol', protocol: 'prpl-irc', key: { ...a, x, y: modPow(a.g, x, a.p) } },
      ];
      file = join(dir, 'ours.private_key');
      writeFileSync(file, formatPrivateKeys(entries));
    });

    it('loads in libotr with the same fingerprints', () => {
      expect(readFileSync(file, 'utf8')).toContain('(x "x = \\"quoted\\" \\\\ mpi!")');
      const libotr = fingerprintsByAccount(run('read', file));
      expect(libotr.size).toBe(entries.length);
      for (const e of entries) expect(libotr.get(`${e.account}\t${e.protocol}`)).toBe(humanFingerprint(e.key));
    });

    it("libotr's signatures verify in OffRecord and ours in libotr (32-byte values, as the AKE signs)", () => {
      for (const e of entries) {
        for (let i = 0; i < 3; i++) {
          const hash = random(32);
          const theirs = fromHex(run('sign', file, e.account, e.protocol, toHex(hash)).trim());
          expect(dsaVerify(publicKeyOf(e.key), hash, theirs)).toBe(true);
          const ours = dsaSign(random, e.key, hash);
          expect(run('verify', file, e.account, e.protocol, toHex(hash), toHex(ours)).trim()).toBe('good');
          const other = random(32);
          expect(run('verify', file, e.account, e.protocol, toHex(other), toHex(ours)).trim()).toBe('bad');
          expect(dsaVerify(publicKeyOf(e.key), other, theirs)).toBe(false);
        }
      }
    });
  });
});

describe('otr.instance_tags', () => {
  it('libotr reads the file OffRecord writes, and OffRecord reads the one libotr writes back', () => {
    const entries: InstanceTagEntry[] = [
      { account: 'alice@example.com', protocol: 'prpl-jabber', instanceTag: generateInstanceTag(random) },
      { account: '名前 bøb', protocol: 'prpl-irc', instanceTag: 0x100 },
      { account: 'carol', protocol: 'prpl-irc', instanceTag: 0xffffffff },
    ];
    const input = join(dir, 'ours.instance_tags');
    const output = join(dir, 'libotr.instance_tags');
    writeFileSync(input, formatInstanceTags(entries));
    const seen = run('instags', input, output).trim().split('\n');
    const expected = entries.map((e) => `${e.account}\t${e.protocol}\t${e.instanceTag.toString(16).padStart(8, '0')}`);
    expect([...seen].sort()).toEqual([...expected].sort());
    const written = readFileSync(output, 'utf8');
    const back = parseInstanceTags(written);
    // libotr keeps its list newest first, so it writes the entries in reverse.
    expect(back).toEqual([...entries].reverse());
    expect(formatInstanceTags(back)).toBe(written);
  });
});

describe('otr.fingerprints', () => {
  it('libotr reads the file OffRecord writes and writes the same lines back', () => {
    const fp = () => random(20);
    const entries: FingerprintEntry[] = [
      { username: 'bob@example.org', account: 'alice@example.com', protocol: 'prpl-jabber', fingerprint: fp(), trust: 'verified' },
      { username: 'bob@example.org', account: 'alice@example.com', protocol: 'prpl-jabber', fingerprint: fp(), trust: '' },
      { username: 'dave', account: '名前 bøb', protocol: 'prpl-irc', fingerprint: fp(), trust: 'smp' },
      { username: 'erin', account: 'alice', protocol: 'prpl-irc', fingerprint: fp(), trust: 'some client string' },
    ];
    const input = join(dir, 'ours.fingerprints');
    const output = join(dir, 'libotr.fingerprints');
    const text = formatFingerprints(entries);
    writeFileSync(input, text);
    run('fingerprints', input, output);
    const written = readFileSync(output, 'utf8');
    // libotr orders contexts its own way; the set of lines must be the same.
    expect(written.split('\n').sort()).toEqual(text.split('\n').sort());
    const back = parseFingerprints(written);
    const key = (e: FingerprintEntry) => `${e.username}\t${toHex(e.fingerprint)}`;
    expect([...back].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...entries].sort((a, b) => key(a).localeCompare(key(b))));
    expect(formatFingerprints(back)).toBe(written);
  });
});
