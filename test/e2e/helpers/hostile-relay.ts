/**
 * Issue 17 item 4: two hostile chat pages (helpers/hostile-site.ts) joined as a chat server would
 * join them, by the test: what one page sends shows in the other's list as an incoming message.
 * The test may hold back what one side sends, to show it somewhere else first.
 */

export interface RelaySide {
  /** Everything the page sent so far (its spy's `sent`). */
  sent(): Promise<string[]>;
  /** Shows the texts in the page's list as incoming messages. */
  deliver(texts: string[]): Promise<void>;
}

/** Runs in a hostile page: shows each text as an incoming message. */
export function deliverToList(texts: string[]): void {
  const list = document.getElementById('list')!;
  for (const text of texts) {
    const li = document.createElement('li');
    li.textContent = text;
    list.append(li);
  }
}

export class Relay {
  /** What `from` sent while held, not delivered yet. */
  readonly held: string[] = [];
  holding = false;
  private readonly done = [0, 0];
  private readonly timer: ReturnType<typeof setInterval>;
  private busy = false;

  constructor(private readonly sides: [RelaySide, RelaySide]) {
    this.timer = setInterval(() => void this.tick(), 150);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const i of [0, 1]) {
        const sent = await this.sides[i]!.sent();
        const fresh = sent.slice(this.done[i]);
        this.done[i] = sent.length;
        if (fresh.length === 0) continue;
        if (i === 0 && this.holding) this.held.push(...fresh);
        else await this.sides[1 - i]!.deliver(fresh);
      }
    } catch {
      // A page closing or navigating: the next tick tries again.
    } finally {
      this.busy = false;
    }
  }

  /** Delivers what was held, and what comes next, again. */
  async release(): Promise<void> {
    this.holding = false;
    const texts = this.held.splice(0);
    if (texts.length) await this.sides[1]!.deliver(texts);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
