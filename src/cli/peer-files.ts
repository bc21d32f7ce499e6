/**
 * The files an otr-peer keeps in --dir: libotr's three (so a libotr client can use the same
 * directory) and OffRecord's serialised conversation, written after every step so a restarted
 * peer resumes where it stopped.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConversationState } from '../otr/conversation';
import { type DsaPrivateKey, generateDsaKey } from '../otr/dsa';
import { generateInstanceTag } from '../otr/instance-tag';
import {
  type FingerprintEntry,
  formatFingerprints,
  formatInstanceTags,
  formatPrivateKeys,
  parseFingerprints,
  parseInstanceTags,
  parsePrivateKeys,
} from '../otr/libotr-files';
import type { RandomBytes } from '../otr/group';

const readText = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

function writeAtomically(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

export class PeerFiles {
  constructor(
    readonly dir: string,
    readonly account: string,
    readonly protocol: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private path(name: string) {
    return join(this.dir, name);
  }

  /** Our key for (account, protocol), made and saved on first use as libotr would. */
  privateKey(random: RandomBytes): DsaPrivateKey {
    const file = this.path('otr.private_key');
    const text = readText(file);
    const entries = text.trim() ? parsePrivateKeys(text) : [];
    const found = entries.find((e) => e.account === this.account && e.protocol === this.protocol);
    if (found) return found.key;
    const key = generateDsaKey(random);
    entries.push({ account: this.account, protocol: this.protocol, key });
    writeAtomically(file, formatPrivateKeys(entries));
    return key;
  }

  instanceTag(random: RandomBytes): number {
    const file = this.path('otr.instance_tags');
    const text = readText(file);
    const entries = text.trim() ? parseInstanceTags(text) : [];
    const found = entries.find((e) => e.account === this.account && e.protocol === this.protocol);
    if (found) return found.instanceTag;
    const tag = generateInstanceTag(random);
    entries.push({ account: this.account, protocol: this.protocol, instanceTag: tag });
    writeAtomically(file, formatInstanceTags(entries));
    return tag;
  }

  fingerprints(): FingerprintEntry[] {
    return parseFingerprints(readText(this.path('otr.fingerprints')));
  }

  saveFingerprints(entries: FingerprintEntry[]): void {
    writeAtomically(this.path('otr.fingerprints'), formatFingerprints(entries));
  }

  private statePath(peer: string) {
    return this.path(`offrecord-${encodeURIComponent(this.account)}-${encodeURIComponent(peer)}.json`);
  }

  loadConversation(peer: string): ConversationState | null {
    const text = readText(this.statePath(peer));
    return text ? (JSON.parse(text) as ConversationState) : null;
  }

  saveConversation(peer: string, state: ConversationState): void {
    writeAtomically(this.statePath(peer), JSON.stringify(state));
  }
}
