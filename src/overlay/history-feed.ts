/**
 * History goes to the background in batches (issue 11): the messages of one scan that were on
 * the page before it loaded make one content.history request, at most HISTORY_BATCH_MAX each,
 * instead of one round trip and one write per message. A batch holds consecutive history only:
 * any other step on the feed chain that reaches the background (a live message, a room post)
 * closes it, so the engine still gets every message in page order.
 */
import { HISTORY_BATCH_MAX } from '../messaging/types';

export class HistoryBatches<T> {
  private open: T[] | null = null;

  /**
   * `enqueue` appends a step to the feed chain; `feed` sends one closed batch. A batch closes when
   * its step starts, so what the page adds meanwhile goes into the next one.
   */
  constructor(
    private readonly enqueue: (step: () => Promise<void>) => void,
    private readonly feed: (batch: T[]) => Promise<void>,
  ) {}

  add(entry: T): void {
    if (!this.open || this.open.length >= HISTORY_BATCH_MAX) {
      const batch: T[] = [];
      this.open = batch;
      this.enqueue(() => {
        if (this.open === batch) this.open = null;
        return this.feed(batch);
      });
    }
    this.open.push(entry);
  }

  /** A step that is not part of the batch was appended: later history starts a new one. */
  close(): void {
    this.open = null;
  }
}
