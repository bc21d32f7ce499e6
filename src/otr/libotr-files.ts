/**
 * libotr 4.1.1's three files, read and written byte for byte as libotr does, so users can move
 * their keys, instance tags and trusted fingerprints between Pidgin/irssi and OffRecord:
 *   otr.private_key   - libgcrypt's "advanced" S-expression text (privkey.c account_write,
 *                       libgcrypt sexp.c _gcry_sexp_sprint)
 *   otr.fingerprints  - username \t account \t protocol \t 40 hex \t trust   (privkey.c)
 *   otr.instance_tags - a warning line, then account \t protocol \t 8 hex    (instag.c)
 * Every parser returns a value or throws OtrError('key-file', field, detail); nothing else.
 */
import { bigIntToBytes, bytesToBigInt, fromBase64, toHex, utf8 } from './bytes';
import { checkImportedPrivateKey, checkPrivateKey, type DsaPrivateKey } from './dsa';
import { fail, isOtrError, type OtrError } from './errors';
import type { RandomBytes } from './group';
import { formatInstanceTag, parseInstanceTag } from './instance-tag';

export interface PrivateKeyEntry {
  account: string;
  protocol: string;
  key: DsaPrivateKey;
}

export interface FingerprintEntry {
  username: string;
  account: string;
  protocol: string;
  fingerprint: Uint8Array;
  /** "" (not trusted), "verified", "smp", or whatever string the client stored. */
  trust: string;
}

export interface InstanceTagEntry {
  account: string;
  protocol: string;
  instanceTag: number;
}

const PRIVKEY_FILE = 'otr.private_key';
const FINGERPRINT_FILE = 'otr.fingerprints';
const INSTAG_FILE = 'otr.instance_tags';

/** The first line libotr's otrl_instag_write puts in every instance-tag file. */
export const INSTAG_WARNING =
  "# WARNING! You shouldn't copy this file to another computer. It is unnecessary and can cause problems.";

function bad(field: string, detail: string): never {
  return fail('key-file', field, detail);
}

/** The detail of an error raised by a check we call, to re-raise it as a key-file error. */
function detailOf(e: OtrError): string {
  const prefix = `${e.code} at ${e.field}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

// ---------------------------------------------------------------- S-expressions

/** An S-expression: an atom (its bytes) or a list. */
type Sexp = Uint8Array | Sexp[];

/** Deeper nesting than any key file has; bounds the reader's work on hostile input. */
const MAX_DEPTH = 32;
const TOKEN_SPECIALS = '-./_:*+=';

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isTokenChar = (c: number) => isAlpha(c) || isDigit(c) || TOKEN_SPECIALS.includes(String.fromCharCode(c));
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const ESCAPES: Record<string, number> = { b: 8, t: 9, v: 11, n: 10, f: 12, r: 13, '"': 34, "'": 39, '\\': 92 };

/**
 * A reader for the S-expression forms libgcrypt's gcry_sexp_new accepts in key files: lists,
 * bare tokens, "quoted strings" with C escapes, #hex#, |base64| and length-prefixed N:bytes.
 * Iterative, so deep nesting cannot overflow the stack.
 */
function readSexp(b: Uint8Array): Sexp[] {
  const f = PRIVKEY_FILE;
  const stack: Sexp[][] = [];
  let root: Sexp[] | undefined;
  let i = 0;
  const add = (atom: Uint8Array) => {
    const top = stack[stack.length - 1];
    if (!top) bad(f, `data outside a list at byte ${i}`);
    top.push(atom);
  };
  while (i < b.length) {
    const c = b[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (root !== undefined) bad(f, `data after the end at byte ${i}`);
    if (c === 0x28) {
      if (stack.length >= MAX_DEPTH) bad(f, 'nested too deeply');
      stack.push([]);
      i++;
    } else if (c === 0x29) {
      const list = stack.pop();
      if (!list) bad(f, `unbalanced ")" at byte ${i}`);
      const top = stack[stack.length - 1];
      if (top) top.push(list);
      else root = list;
      i++;
    } else if (c === 0x22) {
      const out: number[] = [];
      i++;
      for (;;) {
        if (i >= b.length) bad(f, 'unterminated string');
        const d = b[i++]!;
        if (d === 0x22) break;
        if (d !== 0x5c) {
          out.push(d);
          continue;
        }
        if (i >= b.length) bad(f, 'unterminated string');
        const e = b[i++]!;
        const simple = ESCAPES[String.fromCharCode(e)];
        if (simple !== undefined) out.push(simple);
        else if (e === 0x78 && i + 1 < b.length && isHex(b[i]!) && isHex(b[i + 1]!)) {
          out.push(parseInt(String.fromCharCode(b[i]!, b[i + 1]!), 16));
          i += 2;
        } else if (e >= 0x30 && e <= 0x37 && i + 1 < b.length && /^[0-7]{2}$/.test(String.fromCharCode(b[i]!, b[i + 1]!))) {
          const v = parseInt(String.fromCharCode(e, b[i]!, b[i + 1]!), 8);
          if (v > 255) bad(f, 'octal escape above 255');
          out.push(v);
          i += 2;
        } else if (e === 0x0a || e === 0x0d) {
          // A backslash before a line break continues the string on the next line.
          if (i < b.length && (b[i] === 0x0a || b[i] === 0x0d) && b[i] !== e) i++;
        } else bad(f, `bad escape in string at byte ${i - 1}`);
      }
      add(Uint8Array.from(out));
    } else if (c === 0x23) {
      const end = b.indexOf(0x23, i + 1);
      if (end < 0) bad(f, 'unterminated #hex#');
      let hex = '';
      for (let j = i + 1; j < end; j++) {
        const d = b[j]!;
        if (isHex(d)) hex += String.fromCharCode(d);
        else if (!isSpace(d)) bad(f, `non-hex digit in #hex# at byte ${j}`);
      }
      if (hex.length % 2) bad(f, 'odd number of digits in #hex#');
      add(Uint8Array.from({ length: hex.length / 2 }, (_, k) => parseInt(hex.slice(2 * k, 2 * k + 2), 16)));
      i = end + 1;
    } else if (c === 0x7c) {
      const end = b.indexOf(0x7c, i + 1);
      if (end < 0) bad(f, 'unterminated |base64|');
      let text = '';
      for (let j = i + 1; j < end; j++) if (!isSpace(b[j]!)) text += String.fromCharCode(b[j]!);
      while (text.length % 4) text += '=';
      try {
        add(fromBase64(text));
      } catch {
        bad(f, `bad |base64| at byte ${i}`);
      }
      i = end + 1;
    } else if (isDigit(c)) {
      let j = i;
      while (j < b.length && isDigit(b[j]!) && j - i < 9) j++;
      if (b[j] !== 0x3a) bad(f, `expected N:bytes at byte ${i}`);
      const length = parseInt(String.fromCharCode(...b.subarray(i, j)), 10);
      if (j + 1 + length > b.length) bad(f, 'N:bytes runs past the end');
      add(b.slice(j + 1, j + 1 + length));
      i = j + 1 + length;
    } else if (isTokenChar(c)) {
      const start = i;
      while (i < b.length && isTokenChar(b[i]!)) i++;
      add(b.slice(start, i));
    } else {
      bad(f, `unexpected byte 0x${c.toString(16)} at byte ${i}`);
    }
  }
  if (stack.length) bad(f, 'unclosed list');
  if (root === undefined) bad(f, 'empty file');
  return root;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function atomText(s: Sexp | undefined, field: string): string {
  if (!(s instanceof Uint8Array)) bad(field, 'expected a string');
  try {
    return strictUtf8.decode(s);
  } catch {
    return bad(field, 'not UTF-8');
  }
}

/** The first sub-list whose head is the token `name`. */
function findList(list: Sexp[], name: string): Sexp[] | undefined {
  for (const item of list) {
    if (Array.isArray(item) && item[0] instanceof Uint8Array && atomIs(item[0], name)) return item;
  }
  return undefined;
}

function atomIs(atom: Sexp | undefined, name: string): boolean {
  if (!(atom instanceof Uint8Array) || atom.length !== name.length) return false;
  for (let i = 0; i < atom.length; i++) if (atom[i] !== name.charCodeAt(i)) return false;
  return true;
}

function readAccount(random: RandomBytes, account: Sexp, field: string): PrivateKeyEntry {
  if (!Array.isArray(account) || !atomIs(account[0], 'account')) bad(field, 'expected (account ...)');
  const name = findList(account, 'name');
  const protocol = findList(account, 'protocol');
  const privateKey = findList(account, 'private-key');
  if (!name || !protocol || !privateKey) bad(field, 'needs name, protocol and private-key');
  const dsa = findList(privateKey, 'dsa');
  if (!dsa) bad(`${field}.private-key`, 'not a DSA key');
  const mpi = (n: 'p' | 'q' | 'g' | 'y' | 'x'): bigint => {
    const v = findList(dsa, n)?.[1];
    if (!(v instanceof Uint8Array)) bad(`${field}.private-key.${n}`, 'missing');
    return bytesToBigInt(v);
  };
  const key = { p: mpi('p'), q: mpi('q'), g: mpi('g'), y: mpi('y'), x: mpi('x') };
  try {
    checkImportedPrivateKey(random, key, `${field}.private-key`);
  } catch (e) {
    if (isOtrError(e)) bad(e.field, detailOf(e));
    throw e;
  }
  return { account: atomText(name[1], `${field}.name`), protocol: atomText(protocol[1], `${field}.protocol`), key };
}

/** Randomness for the primality tests' bases; the numbers tested are public. */
const systemRandom: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

/**
 * Parses otr.private_key: `(privkeys (account ...) ...)`. Pass the file's bytes when you have
 * them: libgcrypt can write a key number as raw bytes that are not UTF-8 (see formatMpi).
 * Each key gets checkImportedPrivateKey's strict checks (sizes, then 0 < x < q, q | p-1, g of
 * order q, y = g^x mod p, p and q prime), so a damaged or hostile file cannot load a key that
 * hangs or breaks signing, or that storage would later read as corrupt.
 */
export function parsePrivateKeys(file: string | Uint8Array, random: RandomBytes = systemRandom): PrivateKeyEntry[] {
  let bytes: Uint8Array;
  if (file instanceof Uint8Array) bytes = file;
  else if (typeof file === 'string') bytes = utf8(file);
  else return bad(PRIVKEY_FILE, 'not text or bytes');
  const root = readSexp(bytes);
  if (!atomIs(root[0], 'privkeys')) bad(PRIVKEY_FILE, 'expected (privkeys ...)');
  return root.slice(1).map((account, i) => readAccount(random, account, `${PRIVKEY_FILE}.account[${i}]`));
}

/** How libgcrypt's advanced format prints an atom (sexp.c suitable_encoding). */
function encodingOf(bytes: Uint8Array): 'hex' | 'token' | 'string' {
  if (bytes.length === 0) return 'string';
  if (bytes[0]! & 0x80) return 'hex'; // it reads a set top bit as a negative number
  let token = !isDigit(bytes[0]!);
  for (const c of bytes) {
    if (c === 0 || ((c < 0x20 || (c >= 0x7f && c <= 0xa0)) && !(c >= 0x08 && c <= 0x0d))) return 'hex';
    if (!isTokenChar(c)) token = false;
  }
  return token ? 'token' : 'string';
}

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const esc = ESCAPE_OF.get(ch);
    out += esc === undefined ? ch : '\\' + esc;
  }
  return out + '"';
}

const ESCAPE_OF = new Map(Object.entries(ESCAPES).map(([k, v]) => [String.fromCharCode(v), k]));

const hexAtom = (bytes: Uint8Array) => '#' + toHex(bytes).toUpperCase() + '#';

/** A name or protocol; escapes only touch ASCII, so the UTF-8 of the result is libgcrypt's bytes. */
function formatText(text: string): string {
  const bytes = utf8(text);
  const encoding = encodingOf(bytes);
  return encoding === 'hex' ? hexAtom(bytes) : encoding === 'token' ? text : quote(text);
}

/**
 * An MPI as libgcrypt stores it (GCRYMPI_FMT_STD: a zero byte before a set top bit), then
 * printed like any atom. One deviation: libgcrypt may print a short MPI such as x as a quoted
 * string of raw bytes, which is not UTF-8 text when a byte is >= 0x80 (about 1 key in 200);
 * there we write #hex#, which libgcrypt reads back as the same number.
 */
function formatMpi(n: bigint): string {
  let bytes = bigIntToBytes(n);
  if (bytes.length && bytes[0]! & 0x80) bytes = Uint8Array.of(0, ...bytes);
  const encoding = encodingOf(bytes);
  if (encoding === 'hex' || bytes.some((c) => c >= 0x80)) return hexAtom(bytes);
  const ascii = String.fromCharCode(...bytes);
  return encoding === 'token' ? ascii : quote(ascii);
}

/** Writes otr.private_key exactly as libotr's otrl_privkey_generate does. */
export function formatPrivateKeys(entries: PrivateKeyEntry[]): string {
  let out = '(privkeys\n';
  entries.forEach(({ account, protocol, key }, i) => {
    try {
      checkPrivateKey(key, `privateKeys[${i}].key`);
    } catch (e) {
      if (isOtrError(e)) fail('invalid-argument', e.field, e.message);
      throw e;
    }
    out += ' (account\n';
    out += `(name ${formatText(account)})\n`;
    out += `(protocol ${formatText(protocol)})\n`;
    out += '(private-key \n (dsa \n';
    for (const n of ['p', 'q', 'g', 'y', 'x'] as const) out += `  (${n} ${formatMpi(key[n])})\n`;
    out += '  )\n )\n )\n';
  });
  return out + ')\n';
}

// ---------------------------------------------------------------- tab-separated files

/** Lines without their terminators; a CR before the LF is dropped, as libotr does. */
function lines(text: string, file: string): string[] {
  if (typeof text !== 'string') bad(file, 'not text');
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function checkField(value: string, field: string, allowTab = false): string {
  if (typeof value !== 'string') fail('invalid-argument', field, 'not a string');
  if (/[\n\r]/.test(value) || (!allowTab && value.includes('\t'))) {
    fail('invalid-argument', field, 'contains a tab or line break');
  }
  return value;
}

/** Parses otr.fingerprints (privkey.c otrl_privkey_read_fingerprints). A missing trust field is "". */
export function parseFingerprints(text: string): FingerprintEntry[] {
  const out: FingerprintEntry[] = [];
  lines(text, FINGERPRINT_FILE).forEach((line, i) => {
    const field = `${FINGERPRINT_FILE}:${i + 1}`;
    if (line === '') return;
    if (line.includes('\r')) bad(field, 'stray carriage return');
    const parts = line.split('\t');
    if (parts.length < 4) bad(field, 'expected username, account, protocol and fingerprint');
    const [username, account, protocol, hex] = parts as [string, string, string, string];
    if (!/^[0-9a-fA-F]{40}$/.test(hex)) bad(field, 'fingerprint is not 40 hex digits');
    const fingerprint = Uint8Array.from({ length: 20 }, (_, k) => parseInt(hex.slice(2 * k, 2 * k + 2), 16));
    // libotr takes the whole rest of the line as the trust string, tabs included.
    out.push({ username, account, protocol, fingerprint, trust: parts.slice(4).join('\t') });
  });
  return out;
}

/** Writes otr.fingerprints as libotr's otrl_privkey_write_fingerprints does. */
export function formatFingerprints(entries: FingerprintEntry[]): string {
  return entries
    .map((e, i) => {
      const f = `fingerprints[${i}]`;
      if (!(e.fingerprint instanceof Uint8Array) || e.fingerprint.length !== 20) {
        fail('invalid-argument', `${f}.fingerprint`, 'expected 20 bytes');
      }
      const cols = [checkField(e.username, `${f}.username`), checkField(e.account, `${f}.account`)];
      cols.push(checkField(e.protocol, `${f}.protocol`), toHex(e.fingerprint), checkField(e.trust, `${f}.trust`, true));
      return cols.join('\t') + '\n';
    })
    .join('');
}

/**
 * Parses otr.instance_tags (instag.c otrl_instag_read). Lines without a tab are comments to
 * libotr; we skip blank ones and those starting with "#" (its warning) and reject the rest.
 */
export function parseInstanceTags(text: string): InstanceTagEntry[] {
  const out: InstanceTagEntry[] = [];
  lines(text, INSTAG_FILE).forEach((line, i) => {
    const field = `${INSTAG_FILE}:${i + 1}`;
    if (!line.includes('\t')) {
      if (line === '' || line.startsWith('#')) return;
      bad(field, 'expected account, protocol and instance tag');
    }
    const parts = line.split('\t');
    if (parts.length !== 3) bad(field, 'expected account, protocol and instance tag');
    const [account, protocol, hex] = parts as [string, string, string];
    let instanceTag: number;
    try {
      instanceTag = parseInstanceTag(hex);
    } catch (e) {
      if (isOtrError(e)) bad(field, detailOf(e));
      throw e;
    }
    out.push({ account, protocol, instanceTag });
  });
  return out;
}

/** Writes otr.instance_tags as libotr's otrl_instag_write does, warning line included. */
export function formatInstanceTags(entries: InstanceTagEntry[]): string {
  let out = INSTAG_WARNING + '\n';
  entries.forEach((e, i) => {
    const f = `instanceTags[${i}]`;
    out += `${checkField(e.account, `${f}.account`)}\t${checkField(e.protocol, `${f}.protocol`)}\t`;
    out += formatInstanceTag(e.instanceTag) + '\n';
  });
  return out;
}
