/**
 * Sends wire texts (ciphertext, AKE, query messages: never plaintext) through the site's own
 * composer, one site message per text, in order, paced by the adapter (sites throttle bursts).
 * Each text must land: inserted (read back by insertText), sent (composer cleared or the text
 * shows up in the message list), otherwise the clipboard fallback tells the user what to do.
 */
import { insertCiphertext, normaliseComposerText, readComposer } from '../adapters/core/insert';
import type { SiteAdapter } from '../adapters/core/types';
import { normalizeScrapedText } from '../adapters/core/normalize';

export interface SendHooks {
  /** Called just before a text goes into the composer: its echo in the list is ours. */
  sending(text: string): void;
  notice(text: string): void;
  /** Give focus back to the compose frame after the composer took it for the insert. */
  refocus(): void;
}

const sleep = (win: Window, ms: number) => new Promise<void>((r) => win.setTimeout(r, ms));

export class WireSender {
  private queue: string[] = [];
  private running = false;
  private lastSent = 0;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    private readonly hooks: SendHooks,
  ) {}

  enqueue(texts: string[]): void {
    this.queue.push(...texts.filter((t) => t.length > 0));
    if (!this.running) void this.drain();
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  private async drain(): Promise<void> {
    this.running = true;
    const win = this.doc.defaultView!;
    try {
      while (this.queue.length > 0) {
        const text = this.queue.shift()!;
        const wait = this.lastSent + this.adapter.sendPacingMs - Date.now();
        if (wait > 0) await sleep(win, wait);
        await this.sendOne(text, win);
        this.lastSent = Date.now();
      }
    } finally {
      this.running = false;
    }
  }

  private async sendOne(text: string, win: Window): Promise<void> {
    if (text.length > this.adapter.maxMessageLength) {
      this.hooks.notice(`An encrypted message is longer than ${this.adapter.name} allows; it may be cut.`);
    }
    const composer = this.adapter.composer(this.doc);
    if (!composer) {
      this.hooks.notice(`OffRecord can't find the message box on this page: an encrypted message was not sent.`);
      return;
    }
    this.hooks.sending(text);
    try {
      // On 'fallback' insert.ts put the ciphertext on the clipboard and told the user to paste it.
      if ((await insertCiphertext(composer, text, this.adapter.editor)) === 'fallback') return;
      this.adapter.send(this.doc, composer);
    } finally {
      this.hooks.refocus();
    }
    if (!(await this.landed(composer, text, win))) {
      this.hooks.notice('OffRecord could not confirm an encrypted message was sent; check the chat.');
    }
  }

  /** The composer emptied or the text appeared in the list, within a few seconds. */
  private async landed(composer: HTMLElement, text: string, win: Window): Promise<boolean> {
    const want = normalizeScrapedText(text);
    for (let waited = 0; waited < 5000; waited += 50) {
      const list = this.adapter.messageList(this.doc);
      if (list && this.adapter.messages(list).some((m) => normalizeScrapedText(m.text) === want)) return true;
      if (waited >= 300 && normaliseComposerText(readComposer(composer)) === '') return true;
      await sleep(win, 50);
    }
    return false;
  }
}
