/**
 * The content script's feed chain: what the page shows goes to the background in page order,
 * and the answers are carried out in that order. A whole step (a history batch, a room post)
 * starts once every step before it is done. A request step is split in two: its request leaves
 * as soon as every step before it has sent its own, and its answer is carried out once every
 * answer before it was. The background takes a conversation's requests one at a time, in the
 * order they came (session-manager.ts `serial`), so a message no longer waits for the round trip
 * of the one before it: the last piece of a fragmented message, which comes ~100 ms after the
 * first, waited for the first piece's answer behind a busy worker (npm run bench, traced: up to
 * ~300 ms).
 */
export class FeedChain {
  /** Every step before the next one is done (answers carried out). */
  private done: Promise<void> = Promise.resolve();
  /** Every step before the next one has sent its request (or, a whole step, is done). */
  private sent: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (e: unknown) => void) {}

  /** A whole step: it starts once every earlier step is done, and later steps wait for it. */
  step(run: () => Promise<void> | void): void {
    this.done = this.done.then(run).catch(this.onError);
    this.sent = this.done;
  }

  /**
   * `send` runs once every earlier step has sent its request; it must send its own before it
   * first awaits (or return null to send nothing). `answer` gets the reply once every earlier
   * step is done.
   */
  request<T>(send: () => Promise<T> | null, answer: (reply: T) => void): void {
    let reply: Promise<T> | null = null;
    const posted = this.sent.then(() => {
      reply = send();
      // Awaited in turn below; a failure meanwhile is not unhandled.
      reply?.catch(() => undefined);
    });
    this.sent = posted.catch(() => undefined);
    this.done = Promise.all([this.done, posted])
      .then(async () => {
        if (reply) answer(await reply);
      })
      .catch(this.onError);
  }
}
