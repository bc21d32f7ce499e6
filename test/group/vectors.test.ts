/**
 * Known-answer vectors (test/fixtures/group-vectors.json, made by vectors.ts): recomputed and
 * compared, then read back by a fresh member that knows only the stored texts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptInvite, collectGroupText, createChannel, readInvite, receiveGroupText, receiveRecord } from '../../src/group';
import { verify } from '../../src/group/crypto';
import { fromHex } from '../../src/otr/bytes';
import { groupEnv } from './helpers';
import { computeVectors, type GroupVectors } from './vectors';

const FILE = join(import.meta.dirname, '../fixtures/group-vectors.json');

describe('known-answer vectors', () => {
  const computed = computeVectors();
  if (process.env.WRITE_GROUP_VECTORS === '1') writeFileSync(FILE, JSON.stringify(computed, null, 2) + '\n');
  const stored = JSON.parse(readFileSync(FILE, 'utf8')) as GroupVectors;

  it('the engine computes exactly the stored vectors', () => {
    expect(computed).toEqual(stored);
  });

  it('the Ed25519 vector is RFC 8032 test 1\'s key, and its signature verifies', () => {
    expect(stored.ed25519.public).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(verify(fromHex(stored.ed25519.public), fromHex(stored.ed25519.message), fromHex(stored.ed25519.signature))).toBe(true);
  });

  it('a member holding only the stored records reads the stored posts and fragments', () => {
    const env = groupEnv('vectors/reader');
    const [invite, ...rest] = stored.room.aliceToBob.map((h) => fromHex(h));
    let bob = acceptInvite(env, readInvite(env, 'bob', 'alice', invite!, {}).state).state;
    for (const value of rest) bob = receiveRecord(env, bob, 'alice', value, {}).state;
    expect(bob.status).toBe('active');
    expect(bob.members).toEqual(['alice', 'bob']);
    const read = (state: typeof bob, wire: string) => receiveGroupText(env, state, wire).show.map((p) => [p.text, p.verified]);
    expect(read(bob, stored.room.post.wire)).toEqual([[stored.room.post.text, true]]);
    expect(read(bob, stored.room.afterRemoval.post)).toEqual([['after carol', true]]);
    // Once epoch 0's signing key is published, its post reads as unverifiable.
    const revealed = receiveGroupText(env, bob, stored.room.afterRemoval.reveal).state;
    expect(read(revealed, stored.room.post.wire)).toEqual([[stored.room.post.text, false]]);
    let channel = createChannel();
    let whole: string | undefined;
    for (const piece of stored.room.fragments.pieces) {
      const r = collectGroupText(channel, 'alice', piece);
      channel = r.state;
      whole ??= r.complete;
    }
    expect(stored.room.fragments.pieces.length).toBeGreaterThan(2);
    expect(whole).toBe(stored.room.post.wire);
  });
});
