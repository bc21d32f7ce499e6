/**
 * Encrypted files over OTR's extra symmetric key: round trips, what stays hidden, the size limit
 * checked before any work, and every kind of tampering reported as its typed error.
 */
import { describe, expect, it } from 'vitest';
import { hkdfSync, randomBytes } from 'node:crypto';
import {
  checkFileSize,
  decryptFile,
  deriveFileKey,
  encryptFile,
  fileUseData,
  FileCryptoError,
  MAX_FILE_BYTES,
  type FileErrorCode,
  type PlainFile,
} from '../../src/files/encrypted-file';

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
const extraKey = random(32);

function sealed(file: PlainFile): { blob: Uint8Array; useData: Uint8Array } {
  const useData = fileUseData(file);
  return { blob: encryptFile(file, extraKey, useData, random), useData };
}

function errorCode(fn: () => unknown): FileErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FileCryptoError);
    return (e as FileCryptoError).code;
  }
  return 'no error';
}

const letter: PlainFile = { name: 'Zeugnis für Bob 🙂.pdf', type: 'application/pdf', contents: new TextEncoder().encode('%PDF-1.7 the private letter') };

describe('encrypted files', () => {
  it('round-trips name, type and contents', () => {
    const { blob, useData } = sealed(letter);
    expect(decryptFile(blob, extraKey, useData)).toEqual(letter);
  });

  it('a 1 MB file comes back byte-identical', () => {
    const file: PlainFile = { name: 'photo.jpg', type: 'image/jpeg', contents: new Uint8Array(randomBytes(1024 * 1024)) };
    const { blob, useData } = sealed(file);
    const back = decryptFile(blob, extraKey, useData);
    expect(Buffer.compare(Buffer.from(back.contents), Buffer.from(file.contents))).toBe(0);
  });

  it('hides name, type and contents: only the header (magic, version, nonce) is clear', () => {
    const { blob } = sealed(letter);
    const text = Buffer.from(blob).toString('latin1');
    expect(text.startsWith('ORF\x01')).toBe(true);
    for (const secret of ['Zeugnis', 'application/pdf', 'private letter']) expect(text).not.toContain(secret);
    // Header 28 bytes + name/type lengths and fields + contents + 16-byte tag: size is all that shows.
    const inner = 4 + new TextEncoder().encode(letter.name).length + letter.type.length + letter.contents.length;
    expect(blob.length).toBe(28 + inner + 16);
  });

  it('uses a fresh nonce each time, so the same file encrypts differently', () => {
    expect(Buffer.from(sealed(letter).blob).equals(Buffer.from(sealed(letter).blob))).toBe(false);
  });

  it('refuses a file over 25 MB before any encryption work', () => {
    const big: PlainFile = { name: 'big.bin', type: '', contents: new Uint8Array(MAX_FILE_BYTES + 1) };
    let randomCalls = 0;
    expect(errorCode(() => fileUseData(big))).toBe('too-large');
    expect(
      errorCode(() =>
        encryptFile(big, extraKey, new Uint8Array(32), (n) => {
          randomCalls++;
          return random(n);
        }),
      ),
    ).toBe('too-large');
    expect(randomCalls).toBe(0);
    expect(() => checkFileSize(MAX_FILE_BYTES)).not.toThrow();
    expect(() => checkFileSize(MAX_FILE_BYTES + 1)).toThrow(/files up to 25 MB/);
  });

  describe('tampering and wrong keys fail authentication', () => {
    const { blob, useData } = sealed(letter);
    const flipped = (at: number): Uint8Array => {
      const copy = blob.slice();
      copy[at]! ^= 0x01;
      return copy;
    };

    it('a changed ciphertext byte, anywhere', () => {
      for (const at of [28, 40, blob.length - 17, blob.length - 1]) expect(errorCode(() => decryptFile(flipped(at), extraKey, useData))).toBe('auth-failed');
    });
    it('a changed nonce (the header is authenticated)', () => {
      expect(errorCode(() => decryptFile(flipped(10), extraKey, useData))).toBe('auth-failed');
    });
    it('a cut-short file', () => {
      expect(errorCode(() => decryptFile(blob.slice(0, -1), extraKey, useData))).toBe('auth-failed');
      expect(errorCode(() => decryptFile(blob.slice(0, 30), extraKey, useData))).toBe('not-encrypted-file');
    });
    it('another session key, or the key announced for another file', () => {
      expect(errorCode(() => decryptFile(blob, random(32), useData))).toBe('auth-failed');
      expect(errorCode(() => decryptFile(blob, extraKey, fileUseData({ ...letter, name: 'other.pdf' })))).toBe('auth-failed');
    });
    it('an unknown version or not our format at all', () => {
      expect(errorCode(() => decryptFile(flipped(3), extraKey, useData))).toBe('unsupported-version');
      expect(errorCode(() => decryptFile(random(200), extraKey, useData))).toBe('not-encrypted-file');
    });
    it('use-data that does not name the file is refused when encrypting', () => {
      expect(errorCode(() => encryptFile(letter, extraKey, random(32), random))).toBe('hash-mismatch');
    });
  });

  describe('file key derivation', () => {
    it('is HKDF-SHA-256 (RFC 5869) of the extra key, salted with the file hash, under our label', () => {
      const useData = fileUseData(letter);
      const openssl = new Uint8Array(hkdfSync('sha256', extraKey, useData, 'OffRecord encrypted file v1', 32));
      expect(Buffer.from(deriveFileKey(extraKey, useData)).toString('hex')).toBe(Buffer.from(openssl).toString('hex'));
    });
    it('rejects keys and use-data of the wrong size', () => {
      expect(errorCode(() => deriveFileKey(random(31), random(32)))).toBe('bad-key');
      expect(errorCode(() => deriveFileKey(random(32), random(20)))).toBe('bad-key');
    });
  });
});
