/**
 * The content script's feed chain (overlay/feed-chain.ts): requests leave in page order without
 * waiting for earlier answers, answers are carried out in page order, and a whole step (a history
 * batch, a room post) holds back everything after it.
 */
import { describe, expect, it } from 'vitest';
import { FeedChain } from '../../src/overlay/feed-chain';

/** A reply the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the feed chain', () => {
  it('sends the next request before the answer to the last one, and carries the answers out in order', async () => {
    const log: string[] = [];
    const chain = new FeedChain((e) => log.push(`error ${String(e)}`));
    const first = deferred<string>();
    const second = deferred<string>();
    chain.request(() => (log.push('send 1'), first.promise), (r) => log.push(`answer ${r}`));
    chain.request(() => (log.push('send 2'), second.promise), (r) => log.push(`answer ${r}`));
    await settle();
    expect(log).toEqual(['send 1', 'send 2']);
    second.resolve('2');
    await settle();
    expect(log).toEqual(['send 1', 'send 2']);
    first.resolve('1');
    await settle();
    expect(log).toEqual(['send 1', 'send 2', 'answer 1', 'answer 2']);
  });

  it('sends nothing after a whole step until that step is done', async () => {
    const log: string[] = [];
    const chain = new FeedChain((e) => log.push(`error ${String(e)}`));
    const batch = deferred<void>();
    chain.step(async () => {
      log.push('batch starts');
      await batch.promise;
      log.push('batch done');
    });
    chain.request(() => (log.push('send live'), Promise.resolve('live')), (r) => log.push(`answer ${r}`));
    await settle();
    expect(log).toEqual(['batch starts']);
    batch.resolve();
    await settle();
    expect(log).toEqual(['batch starts', 'batch done', 'send live', 'answer live']);
  });

  it('a whole step after requests waits for their answers', async () => {
    const log: string[] = [];
    const chain = new FeedChain((e) => log.push(`error ${String(e)}`));
    const reply = deferred<string>();
    chain.request(() => (log.push('send'), reply.promise), (r) => log.push(`answer ${r}`));
    chain.step(() => void log.push('room post'));
    await settle();
    expect(log).toEqual(['send']);
    reply.resolve('1');
    await settle();
    expect(log).toEqual(['send', 'answer 1', 'room post']);
  });

  it('a failed request is reported in its turn, and the chain goes on', async () => {
    const log: string[] = [];
    const chain = new FeedChain((e) => log.push(`error ${(e as Error).message}`));
    const first = deferred<string>();
    chain.request(() => first.promise, (r) => log.push(`answer ${r}`));
    chain.request(() => Promise.reject(new Error('no reply')), (r) => log.push(`answer ${r}`));
    chain.request(() => Promise.resolve('3'), (r) => log.push(`answer ${r}`));
    await settle();
    expect(log).toEqual([]);
    first.resolve('1');
    await settle();
    expect(log).toEqual(['answer 1', 'error no reply', 'answer 3']);
  });

  it('a request that decides to send nothing lets the next one go', async () => {
    const log: string[] = [];
    const chain = new FeedChain((e) => log.push(`error ${String(e)}`));
    chain.request(() => null, (r: string) => log.push(`answer ${r}`));
    chain.request(() => (log.push('send'), Promise.resolve('2')), (r) => log.push(`answer ${r}`));
    await settle();
    expect(log).toEqual(['send', 'answer 2']);
  });
});
