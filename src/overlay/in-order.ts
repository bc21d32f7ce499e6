/**
 * The content script's answers from the background, handled in the order their texts were fed
 * whenever each arrives: a piece of a message before the last is sent without waiting for its
 * answer (controller.ts), yet its row must be counted before the last piece's answer hides it.
 */
export class InOrder {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `use` with `answer`'s value once every earlier answer was handled (or failed). */
  handle<T>(answer: Promise<T>, use: (value: T) => void): Promise<void> {
    const handled = this.tail.then(() => answer).then(use);
    this.tail = handled.catch(() => undefined);
    return handled;
  }
}
