/**
 * The content side of history batches (overlay/history-feed.ts): consecutive history of one scan
 * goes in one request, at most HISTORY_BATCH_MAX, and anything else on the feed chain keeps its
 * place in page order.
 */
import { describe, expect, it } from 'vitest';
import { HistoryBatches } from '../../src/overlay/history-feed';
import { HISTORY_BATCH_MAX } from '../../src/messaging/types';

/** A feed chain as the controller's: steps run one at a time, in the order appended. */
function chain() {
  const log: string[] = [];
  let tail = Promise.resolve();
  const enqueue = (step: () => Promise<void>) => void (tail = tail.then(step));
  const batches = new HistoryBatches<string>(enqueue, async (batch) => void log.push(`batch ${batch.join(',')}`));
  const other = (name: string) => {
    batches.close();
    enqueue(async () => void log.push(name));
  };
  return { log, batches, other, done: () => tail };
}

describe('history batches on the feed chain', () => {
  it('one scan of history is one batch, in page order', async () => {
    const c = chain();
    for (const m of ['h1', 'h2', 'h3']) c.batches.add(m);
    await c.done();
    expect(c.log).toEqual(['batch h1,h2,h3']);
  });

  it('a step between two runs of history splits them, so nothing overtakes it', async () => {
    const c = chain();
    c.batches.add('h1');
    c.batches.add('h2');
    c.other('live');
    c.batches.add('h3');
    await c.done();
    expect(c.log).toEqual(['batch h1,h2', 'live', 'batch h3']);
  });

  it(`holds at most ${HISTORY_BATCH_MAX} per batch`, async () => {
    const c = chain();
    const all = Array.from({ length: HISTORY_BATCH_MAX * 2 + 1 }, (_, i) => `m${i}`);
    for (const m of all) c.batches.add(m);
    await c.done();
    expect(c.log.map((l) => l.split(',').length)).toEqual([HISTORY_BATCH_MAX, HISTORY_BATCH_MAX, 1]);
    expect(c.log.join(',').replace(/batch /g, '')).toBe(all.join(','));
  });

  it('history found while a batch is being sent goes in the next one', async () => {
    const c = chain();
    c.batches.add('h1');
    await Promise.resolve();
    await Promise.resolve();
    c.batches.add('h2');
    await c.done();
    expect(c.log).toEqual(['batch h1', 'batch h2']);
  });
});
