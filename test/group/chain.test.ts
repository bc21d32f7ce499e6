/** The sender-key ratchet and the receiving chain's rules for skipped, used and far-ahead keys. */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FORWARD_STEPS, MAX_SKIPPED_KEYS, nextSendingKey, type ReceivingChain, receivingKey, type SendingChain } from '../../src/group/chain';
import { ratchet } from '../../src/group/crypto';
import { fromHex, toHex } from '../../src/otr/bytes';

const hmacNode = (key: Uint8Array, byte: number) => new Uint8Array(createHmac('sha256', key).update(Uint8Array.of(byte)).digest());

function chains(seedHex: string): { sending: SendingChain; receiving: ReceivingChain } {
  const sending: SendingChain = { epoch: 0, chainKey: seedHex, iteration: 0, signingSecret: '', signingPublic: '', startedAt: 0, posts: 0 };
  const receiving: ReceivingChain = { epoch: 0, chainKey: seedHex, start: 0, next: 0, skipped: {}, signingPublic: '', published: false };
  return { sending, receiving };
}

function sendKeys(sending: SendingChain, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = nextSendingKey(sending);
    expect(r.iteration).toBe(i);
    keys.push(toHex(r.messageKey));
    sending = r.chain;
  }
  return keys;
}

const chainKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);

describe('ratchet', () => {
  it('message key = HMAC-SHA-256(ck, 0x01), next chain key = HMAC-SHA-256(ck, 0x02) (checked against node:crypto)', () => {
    fc.assert(
      fc.property(chainKey, (ck) => {
        const r = ratchet(fromHex(ck));
        expect(toHex(r.messageKey)).toBe(toHex(hmacNode(fromHex(ck), 1)));
        expect(toHex(r.nextChainKey)).toBe(toHex(hmacNode(fromHex(ck), 2)));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a chain key that is not 32 bytes', () => {
    expect(() => ratchet(new Uint8Array(31))).toThrow(/invalid-argument at chainKey/);
  });
});

describe('receiving chain', () => {
  it('any order of arrival yields each message key once; a second use is a replay', () => {
    fc.assert(
      fc.property(chainKey, fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 80 }), (ck, order) => {
        const { sending, receiving } = chains(ck);
        const keys = sendKeys(sending, 60);
        let chain = receiving;
        const used = new Set<number>();
        for (const i of order) {
          const r = receivingKey(chain, i);
          if (used.has(i)) {
            expect(r).toEqual({ ok: false, reason: 'replay' });
            continue;
          }
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(toHex(r.messageKey)).toBe(keys[i]);
          chain = r.chain;
          used.add(i);
          expect(chain.skipped[String(i)]).toBeUndefined();
        }
        expect(JSON.parse(JSON.stringify(chain))).toEqual(chain);
      }),
      { numRuns: 60 },
    );
  });

  it(`refuses an iteration more than ${MAX_FORWARD_STEPS} ahead without deriving`, () => {
    const { receiving } = chains('11'.repeat(32));
    expect(receivingKey(receiving, MAX_FORWARD_STEPS + 1)).toEqual({ ok: false, reason: 'too-far' });
    expect(receivingKey(receiving, 0xffffffff)).toEqual({ ok: false, reason: 'too-far' });
    expect(receivingKey(receiving, MAX_FORWARD_STEPS).ok).toBe(true);
  });

  it(`never keeps more than ${MAX_SKIPPED_KEYS} skipped keys, dropping the oldest`, () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: MAX_FORWARD_STEPS }), { minLength: 1, maxLength: 6 }), (jumps) => {
        let chain = chains('22'.repeat(32)).receiving;
        const passed: number[] = []; // every iteration jumped over, oldest first
        for (const j of jumps) {
          for (let i = chain.next; i < chain.next + j; i++) passed.push(i);
          const r = receivingKey(chain, chain.next + j);
          expect(r.ok).toBe(true);
          if (r.ok) chain = r.chain;
          const kept = Object.keys(chain.skipped).map(Number).sort((a, b) => a - b);
          expect(kept).toEqual(passed.slice(-MAX_SKIPPED_KEYS));
        }
      }),
      { numRuns: 15 },
    );
    // Thousands of HMACs per run: room to finish on a loaded machine (no timing goal here).
  }, 60_000);

  it('a key from before the chain was handed to us is not ours to read', () => {
    const { receiving } = chains('33'.repeat(32));
    expect(receivingKey({ ...receiving, start: 5, next: 5 }, 4)).toEqual({ ok: false, reason: 'before-key' });
  });

  it('leaves the chain passed in untouched (the caller decides whether to keep the new one)', () => {
    const { receiving } = chains('44'.repeat(32));
    const copy = JSON.parse(JSON.stringify(receiving));
    receivingKey(receiving, 10);
    expect(receiving).toEqual(copy);
  });
});
