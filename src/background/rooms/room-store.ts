/**
 * Private rooms on disk (issue 13): IndexedDB's 'rooms' store, one record per site channel
 * (its reassembly state and every room held in it), written in one transaction per step. Sealed
 * exactly as conversations are (conversation-store.ts): the record key is a SHA-256 of the
 * channel id, the content JSON sealed with XChaCha20-Poly1305 under the conversation key with
 * the record key and format as associated data, so a record cannot be moved under another id.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ChannelState, RoomState } from '../../group/index';
import type { ConversationKey } from '../conversation-key';
import { StoreError, isStoreError, storeFail } from '../errors';
import { getAll, write } from '../idb';
import { openBytes, sealBytes, type Random } from '../sealing';

export const ROOMS_FORMAT = 1;

/** One site channel: pieces being put together and the rooms we hold there. */
export interface StoredChannel {
  id: string;
  site: string;
  account: string;
  /** The site's channel name; '' holds invitations not yet accepted into a channel. */
  channel: string;
  fragments: ChannelState;
  rooms: Record<string, RoomState>;
}

interface DiskRecord {
  key: string;
  format: number;
  nonce: Uint8Array;
  ct: Uint8Array;
}

export interface RoomLoadProblem {
  key: string;
  code: 'corrupt' | 'version';
  message: string;
}

export function channelIdOf(site: string, account: string, channel: string): string {
  return [site, account, channel].map(encodeURIComponent).join('/');
}

export function roomRecordKeyOf(id: string): string {
  return bytesToHex(sha256(utf8ToBytes(`offrecord-room-channel:${id}`)));
}

const aadOf = (key: string) => `rooms:${key}:${ROOMS_FORMAT}`;

function checkChannel(v: unknown, key: string): StoredChannel {
  const c = v as StoredChannel;
  const ok =
    typeof c === 'object' && c !== null && typeof c.id === 'string' && roomRecordKeyOf(c.id) === key && typeof c.rooms === 'object' && c.rooms !== null &&
    typeof c.fragments === 'object' && c.fragments !== null && Array.isArray(c.fragments.fragments?.pending);
  if (!ok) storeFail('corrupt', 'a room record does not hold a channel');
  return c;
}

export class RoomStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly key: ConversationKey,
    private readonly random: Random,
  ) {}

  /** Every channel; a record that does not open is reported, left as it is, never dropped. */
  async loadAll(): Promise<{ channels: StoredChannel[]; problems: RoomLoadProblem[] }> {
    const key = await this.key.get();
    const out: { channels: StoredChannel[]; problems: RoomLoadProblem[] } = { channels: [], problems: [] };
    for (const raw of await getAll(this.db, 'rooms')) {
      const d = raw as Partial<DiskRecord> | null;
      const recordKey = String(d?.key ?? '');
      try {
        if (typeof d?.format !== 'number') storeFail('corrupt', 'a room record lacks its format');
        if (d.format > ROOMS_FORMAT) storeFail('version', 'a room was saved by a newer OffRecord; update the extension');
        if (!(d.nonce instanceof Uint8Array) || d.nonce.length !== 24 || !(d.ct instanceof Uint8Array)) storeFail('corrupt', 'a room record has no sealed content');
        const bytes = openBytes(key, d.nonce, d.ct, aadOf(recordKey));
        if (bytes === null) storeFail('corrupt', 'a room record does not decrypt (damaged or altered)');
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        } catch {
          storeFail('corrupt', 'a room record does not parse');
        }
        out.channels.push(checkChannel(parsed, recordKey));
      } catch (e) {
        if (!isStoreError(e) || (e.code !== 'corrupt' && e.code !== 'version')) throw e;
        out.problems.push({ key: recordKey, code: e.code, message: e.message });
      }
    }
    return out;
  }

  /** Seals and writes one channel; strict, as a step's texts leave only once it is on disk. */
  async put(c: StoredChannel): Promise<void> {
    const key = await this.key.get();
    const recordKey = roomRecordKeyOf(c.id);
    const sealed = sealBytes(this.random, key, new TextEncoder().encode(JSON.stringify(c)), aadOf(recordKey));
    const disk: DiskRecord = { key: recordKey, format: ROOMS_FORMAT, ...sealed };
    try {
      await write(this.db, ['rooms'], (tx) => tx.objectStore('rooms').put(disk), { durability: 'strict' });
    } catch (e) {
      const name = (e as { name?: unknown } | null)?.name;
      if (name === 'QuotaExceededError') throw new StoreError('quota', 'the disk is full: this room is not saved');
      throw e;
    }
  }
}
