/**
 * Answers handled in feed order (overlay/in-order.ts): the controller sends a message's earlier
 * pieces without waiting for their answers, so answers may settle in any order.
 */
import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/overlay/in-order';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('answers in feed order', () => {
  it('an answer that settles first waits for the ones fed before it', async () => {
    const order = new InOrder();
    const log: string[] = [];
    const [a, b, c] = [deferred<string>(), deferred<string>(), deferred<string>()];
    const done = [a, b, c].map((d) => order.handle(d.promise, (v) => void log.push(v)));
    c.resolve('third');
    b.resolve('second');
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual([]);
    a.resolve('first');
    await Promise.all(done);
    expect(log).toEqual(['first', 'second', 'third']);
  });

  it('a failed answer fails its own handling only; the next ones are still handled', async () => {
    const order = new InOrder();
    const log: string[] = [];
    const [a, b] = [deferred<string>(), deferred<string>()];
    const first = order.handle(a.promise, (v) => void log.push(v));
    const second = order.handle(b.promise, (v) => void log.push(v));
    b.resolve('second');
    a.reject(new Error('no reply'));
    await expect(first).rejects.toThrow('no reply');
    await second;
    expect(log).toEqual(['second']);
  });
});
