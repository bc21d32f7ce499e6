/**
 * The plaintext side of OTR (spec: "Unencoded messages"): query messages, whitespace tags and
 * error messages, and the classification of an incoming text before any decoding.
 */
import { allowsVersion } from './policy';

const TAG_BASE = ' \t  \t\t\t\t \t \t \t  ';
const TAG_V1 = ' \t \t  \t ';
const TAG_V2 = '  \t\t  \t ';
const TAG_V3 = '  \t\t  \t\t';

export const ERROR_PREFIX = '?OTR Error:';

/** "?OTRv23?" for the versions the policy allows, or '' when it allows none. */
export function queryTag(policy: number): string {
  const versions = (allowsVersion(policy, 2) ? '2' : '') + (allowsVersion(policy, 3) ? '3' : '');
  return versions ? `?OTRv${versions}?` : '';
}

export function whitespaceTag(policy: number): string {
  let tag = TAG_BASE;
  if (allowsVersion(policy, 2)) tag += TAG_V2;
  if (allowsVersion(policy, 3)) tag += TAG_V3;
  return tag;
}

export function errorMessage(text: string): string {
  return `${ERROR_PREFIX} ${text}`;
}

/** Versions offered by a query message: "?OTR?" (v1), "?OTRv2?", "?OTR?v23?" and so on. */
function parseQueryVersions(text: string, at: number): number[] {
  const versions: number[] = [];
  let i = at + 4; // after "?OTR"
  if (text[i] === '?') {
    versions.push(1);
    i++;
    if (text[i] !== 'v') return versions;
  }
  if (text[i] !== 'v') return versions;
  for (i++; i < text.length && text[i] !== '?'; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9 && !versions.includes(d)) versions.push(d);
  }
  return versions;
}

export type Classified =
  | { kind: 'encoded'; text: string }
  | { kind: 'fragment'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'query'; versions: number[] }
  | { kind: 'plaintext'; text: string; taggedVersions: number[] };

/**
 * Sorts an incoming text into what the session must do with it. Query and encoded markers are
 * found anywhere in the text, as libotr does, since chat clients may prefix a nickname.
 */
export function classify(text: string): Classified {
  const otr = text.indexOf('?OTR');
  if (otr >= 0) {
    const rest = text.slice(otr);
    if (rest.startsWith('?OTR:')) return { kind: 'encoded', text: rest };
    if (rest.startsWith('?OTR|') || rest.startsWith('?OTR,')) return { kind: 'fragment', text: rest };
    if (rest.startsWith(ERROR_PREFIX)) return { kind: 'error', message: rest.slice(ERROR_PREFIX.length).trim() };
    if (rest.startsWith('?OTR?') || rest.startsWith('?OTRv')) return { kind: 'query', versions: parseQueryVersions(text, otr) };
  }
  return stripWhitespaceTag(text);
}

function stripWhitespaceTag(text: string): Classified {
  const at = text.indexOf(TAG_BASE);
  if (at < 0) return { kind: 'plaintext', text, taggedVersions: [] };
  const versions: number[] = [];
  let end = at + TAG_BASE.length;
  for (;;) {
    const chunk = text.slice(end, end + 8);
    if (chunk === TAG_V1) versions.push(1);
    else if (chunk === TAG_V2) versions.push(2);
    else if (chunk === TAG_V3) versions.push(3);
    else if (chunk.length === 8 && /^[ \t]{8}$/.test(chunk)) versions.push(0);
    else break;
    end += 8;
  }
  return { kind: 'plaintext', text: text.slice(0, at) + text.slice(end), taggedVersions: versions.filter((v) => v > 0) };
}
