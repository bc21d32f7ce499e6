/**
 * Sends wire texts (ciphertext, AKE, query messages: never plaintext) through the site's own
 * composer, one site message per text, in order, paced by the adapter (sites throttle bursts).
 * Each text must land: inserted (read back by insertText), sent (composer cleared or the text
 * shows up in the message list), otherwise the clipboard fallback tells the user what to do.
 */
import { insertCiphertext, insertText, normaliseComposerText, readComposer } from '../adapters/core/insert';
import type { SiteAdapter } from '../adapters/core/types';
import { normalizeScrapedText } from '../adapters/core/normalize';
import { t } from '../ui/i18n';

export interface SendHooks {
  /** Called just before a text goes into the composer: its echo in the list is ours. */
  sending(text: string): void;
  notice(text: string): void;
  /** Give focus back to the compose frame: it had it before, or the composer took it for the insert. */
  refocus(wasInFrame: boolean): void;
  /** The user's focus is in OffRecord's compose frame (typing there must never reach the page). */
  composeFocused(): boolean;
  /**
   * Another OffRecord frame that has the focus (the verify dialog, where an SMP secret is
   * typed): an insert waits for its keys to pause too, and gives the focus back to it.
   */
  focusedFrame?(): HTMLElement | null;
  /** Webmail, no composer on this screen (a mail view): keep the text for the reply. */
  hold?(text: string): void;
  /**
   * The page still shows this sender's conversation. Sites share one box between their
   * conversations (The Lounge), and the page may switch before OffRecord follows (it polls):
   * a text meant for a channel must never go into a query, nor a pairwise record into a channel.
   */
  shown?(): boolean;
}

/**
 * Inserting with exec-command, before-input or paste focuses the site's box for 120–550 ms, and
 * any key pressed meanwhile would go to the page. So while the compose frame has focus, an
 * insert waits until no key came for this long (the frame reports keys, never which ones).
 */
export const TYPING_IDLE_MS = 800;
const KEY_EVENTS = ['keydown', 'keypress', 'keyup', 'compositionstart', 'compositionupdate', 'compositionend'] as const;

const sleep = (win: Window, ms: number) => new Promise<void>((r) => win.setTimeout(r, ms));

export class WireSender {
  private queue: string[] = [];
  /** Webmail: wire texts that go first in the next mail (an encrypted file's announcement). */
  private carried: string[] = [];
  /** The text taken from the queue that has not gone into the site's box yet. */
  private next: string | null = null;
  private stopped = false;
  private running = false;
  private lastSent = 0;
  private lastKey = 0;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    private readonly hooks: SendHooks,
  ) {}

  enqueue(texts: string[]): void {
    this.queue.push(...texts.filter((t) => t.length > 0));
    if (!this.running && !this.stopped) void this.drain();
  }

  /**
   * The conversation is no longer shown: nothing more goes into the site's box from here. Returns
   * the texts not yet typed there, in order, for the page to send once it shows the conversation.
   */
  stop(): string[] {
    this.stopped = true;
    const left = [...(this.next === null ? [] : [this.next]), ...this.queue];
    this.next = null;
    this.queue = [];
    return left;
  }

  /**
   * Kept for the next mail, ahead of what is typed (the reader shows the typed text). It is also
   * written into the mail's body at once: sent with the site's own Send and nothing typed, the
   * mail still carries the file's key. Typed text later replaces the body with both.
   */
  carry(texts: string[]): void {
    this.carried.push(...texts.filter((t) => t.length > 0));
    void this.stageCarried();
  }

  /** Puts what is carried into the mail's body without sending; says so if it did not land. */
  private async stageCarried(): Promise<void> {
    const composer = this.adapter.composer(this.doc);
    if (this.running || this.carried.length === 0 || !composer) return; // the mail under way takes it
    const editor = this.adapter.mail?.editorFor(composer) ?? this.adapter.editor;
    const landed = await insertText(composer, this.carried.join('\n\n'), editor).catch(() => false);
    // A rich editor took focus for the insert: give it back to the compose frame.
    if (editor !== 'value-setter') this.hooks.refocus(false);
    if (!landed) this.hooks.notice(t('send_carry_failed'));
  }

  /** The compose frame saw a key (relayed by the background). */
  typed(): void {
    this.lastKey = Date.now();
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  private async drain(): Promise<void> {
    this.running = true;
    const win = this.doc.defaultView!;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        // One mail carries every text due: the site's Send leaves the compose screen.
        const text = this.adapter.mail ? [...this.carried.splice(0), ...this.queue.splice(0)].join('\n\n') : this.queue.shift()!;
        this.next = text;
        const wait = this.lastSent + this.adapter.sendPacingMs - Date.now();
        if (wait > 0) await sleep(win, wait);
        if (!(await this.whileShown(win))) return; // stop() took the text back
        const sentBefore = this.lastSent;
        await this.sendOne(text, win);
        if (this.stopped) return;
        this.next = null; // sent, held for a reply, or put back at the head of the queue
        // Nothing reached the site's Send (held, handed to the clipboard, put back): pace from now.
        if (this.lastSent === sentBefore) this.lastSent = Date.now();
      }
    } finally {
      this.running = false;
    }
  }

  private async sendOne(text: string, win: Window): Promise<void> {
    if (text.length > this.adapter.maxMessageLength) {
      this.hooks.notice(t('send_too_long', this.adapter.name));
    }
    const composer = this.adapter.composer(this.doc);
    if (!composer && this.hooks.hold) return this.hooks.hold(text);
    if (!composer) {
      this.hooks.notice(t('send_no_composer'));
      return;
    }
    // Mail editors switch between plain text and rich (Roundcube's TinyMCE): ask which is on.
    const editor = this.adapter.mail?.editorFor(composer) ?? this.adapter.editor;
    const movesFocus = editor !== 'value-setter';
    if (movesFocus) await this.untilIdle(win);
    if (!(await this.whileShown(win))) return;
    // `next` keeps the text until it has left: a stop() during the insert hands it back.
    this.hooks.sending(text);
    const fromFrame = this.hooks.composeFocused();
    const dialog = fromFrame ? null : (this.hooks.focusedFrame?.() ?? null);
    const release = movesFocus || fromFrame || dialog ? this.holdKeys(composer) : () => undefined;
    try {
      const how = await insertCiphertext(composer, text, editor, { focusOnFallback: !fromFrame });
      if (how === 'fallback') {
        this.next = null;
        return; // insert.ts put the ciphertext on the clipboard and said so.
      }
      if (this.stopped) return; // stop() took it back with `next`
      // Inserting takes a moment: a switch meanwhile left the text in the box of a conversation
      // no longer shown (The Lounge keeps each one's unsent line). It goes again from the top.
      if (this.hooks.shown && !this.hooks.shown()) {
        this.next = null;
        this.queue.unshift(text);
        return;
      }
      this.next = null;
      this.adapter.send(this.doc, composer);
      // A site throttles the gap between its sends, so pacing counts from here, not from the
      // echo that confirms this one landed (which on IRC alone takes a server round trip).
      this.lastSent = Date.now();
    } finally {
      release();
      // Back to the dialog the user was typing in, never to the private box, where the rest of
      // a secret and its Enter would go out as a chat message.
      if (dialog && movesFocus) dialog.focus();
      else if (fromFrame || movesFocus) this.hooks.refocus(fromFrame);
    }
    if (!(await this.landed(composer, text, win))) {
      this.hooks.notice(t('send_unconfirmed'));
    }
  }

  /**
   * Waits while the page shows another conversation (until it shows this one again, or the
   * overlay follows and stops this sender). False once stopped.
   */
  private async whileShown(win: Window): Promise<boolean> {
    while (!this.stopped && this.hooks.shown && !this.hooks.shown()) await sleep(win, 100);
    return !this.stopped;
  }

  /** While the user types in the compose frame, wait for a pause before focus may move. */
  private async untilIdle(win: Window): Promise<void> {
    for (;;) {
      const quiet = Date.now() - this.lastKey;
      if (!(this.hooks.composeFocused() || this.hooks.focusedFrame?.()) || quiet >= TYPING_IDLE_MS) return;
      await sleep(win, TYPING_IDLE_MS - quiet);
    }
  }

  /**
   * A key pressed in the instant the site's box holds focus is kept from it and from page
   * listeners registered after ours (those registered earlier still see that a key was pressed,
   * which the idle wait above makes rare). Returns the function that lets keys through again.
   */
  private holdKeys(composer: HTMLElement): () => void {
    const wins = new Set<Window>([this.doc.defaultView!, composer.ownerDocument.defaultView!]);
    let held = 0;
    const stop = (e: Event) => {
      if (!e.isTrusted) return; // the adapter's own synthetic Enter must reach the site
      e.preventDefault();
      e.stopImmediatePropagation();
      if (e.type === 'keydown') held++;
    };
    for (const w of wins) for (const type of KEY_EVENTS) w.addEventListener(type, stop, true);
    return () => {
      for (const w of wins) for (const type of KEY_EVENTS) w.removeEventListener(type, stop, true);
      if (held > 0) this.hooks.notice(t('send_keys_held', String(held)));
    };
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
