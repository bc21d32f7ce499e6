/**
 * Reader frames of one conversation (issue 12). A long history stays light and arrival stays
 * fast:
 * - a message arriving live gets its frame at once, in the same task, from a spare token held
 *   ahead (no round trip); the frame loads while the background decrypts, and the background
 *   pushes the plaintext on the frame's port the moment it has it (bench: the token round trip
 *   waited behind the decryption in the worker, ~50 ms);
 * - history gets a frame only when it comes on screen (IntersectionObserver), and only when
 *   the background can show it: a message read earlier whose text is no longer kept gets a
 *   status line "encrypted earlier" instead (display 'gone'), so an old history costs no frames;
 * - a frame off screen for more than 30 s is released; scrolling back makes a new one, which
 *   shows the plaintext if the background kept it, else "encrypted earlier";
 * - frames are placed in batches in one animation frame: all reads (box, font, colour) first,
 *   then all writes, so placing 50 costs one layout, never one per frame.
 * The box takes the ciphertext's place. A frame placed on arrival keeps the ciphertext's height
 * until it says how tall its text is (a resize message); one placed from a token (history, a
 * message scrolled to) takes one line at once, what the frame shows first while it loads.
 */
import { request } from '../messaging/client';
import { msg } from '../ui/i18n';
import { frameToHost, readerHash, type ReaderLook } from '../messaging/frame-host';
import { canMoveFrames, moveReaderFrame, readerFrame, warmReaderFrame } from './frames';
import { claimedFrame } from './frame-claims';

export const RELEASE_AFTER_MS = 30_000;
const SWEEP_MS = 5_000;
/** Spare tokens held, and how long one is trusted to be live (the background keeps them 10 min). */
export const SPARES = 4;
const SPARE_MAX_AGE_MS = 8 * 60_000;
/** How long used spares wait to be replaced (see rewarm). */
export const REWARM_DELAY_MS = 400;
/** Spares left at which the used ones are replaced at once instead (see rewarm). */
export const LOW_SPARES = 1;
/** A history message's token (it came with the feed) is used only this fresh (the background keeps it 60 s). */
const GIVEN_TOKEN_MAX_AGE_MS = 45_000;
/** Placement passes in one animation frame: rows that came on screen as placed rows shrank. */
const MAX_PASSES = 12;

/** What placing a frame reads of a row's computed style (see kindOf). */
interface RowKind {
  position: string;
  display: string;
  look: ReaderLook;
  /** One line's height in pixels. */
  line: number;
}
const MAX_KINDS = 16;
/** How far from view a row's frame stays shown: half a screen above and below. */
const NEAR_MARGIN = '50% 0px';
const showFrame = (frame: HTMLIFrameElement, shown: boolean) => (frame.style.display = shown ? '' : 'none');
const kindKey = (el: HTMLElement) => `${el.tagName} ${el.className}`;

interface Reader {
  messageId: string;
  /**
   * The background waits for its plaintext instead of saying "unavailable": placed as it
   * arrived, or history added before the background answered it.
   */
  pending: boolean;
  frame: HTMLIFrameElement | null;
  /** A token request or a placement is under way. */
  busy: boolean;
  offSince: number | null;
  /** More than half a screen from view: its frame is kept but not shown (see onNear). */
  far: boolean;
  /** The element's own style attribute, put back when the reader is dropped. */
  style: string | null;
  /** The ciphertext's look (read once; the frame copies it). */
  look?: ReaderLook;
  /** The height the frame last asked for. */
  height?: number;
  /** A token that came with the message's feed (history), and when. */
  given?: { token: string; at: number };
}

export class ReaderFrames {
  private readonly readers = new Map<HTMLElement, Reader>();
  /** Each placed frame's row, for the frame's messages (claimedFrame names the frame). */
  private readonly rowOf = new WeakMap<HTMLIFrameElement, HTMLElement>();
  private readonly ready: Array<{ el: HTMLElement; token: string }> = [];
  /** History rows waiting for their text, each to take one line in the next animation frame. */
  private readonly toCover: HTMLElement[] = [];
  private spares: Array<{ token: string; at: number }> = [];
  /** Spares already loaded in a hidden frame (where frames can be moved), and the look each has. */
  private warmFrames: Array<{ token: string; at: number; frame: HTMLIFrameElement; styled: boolean }> = [];
  private sparesAsked = 0;
  /** The site's look, read from the first message placed in an animation frame. */
  private look: ReaderLook | undefined;
  private readonly kinds = new Map<string, RowKind>();
  private raf = 0;
  /** Inside place(): what it makes ready is placed in its next pass. */
  private placing = false;
  private rewarmTimer = 0;
  private stopped = false;
  private readonly io: IntersectionObserver;
  private readonly near: IntersectionObserver;
  private readonly sweep: number;
  private readonly win: Window & typeof globalThis;
  /** A reader frame asks for its mail's encrypted attachments (webmail, mail-files.ts). */
  onFileRequest: ((reader: Window, origin: string) => void) | null = null;

  constructor(
    private readonly doc: Document,
    private readonly conversationId: () => string | undefined,
    private readonly onError: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.win = doc.defaultView as Window & typeof globalThis;
    this.io = new this.win.IntersectionObserver((entries) => this.onIntersect(entries));
    // scrollMargin widens the chat's own scroll box too, where the browser knows it (Chromium).
    const margin = { rootMargin: NEAR_MARGIN, scrollMargin: NEAR_MARGIN } as IntersectionObserverInit;
    this.near = new this.win.IntersectionObserver((entries) => this.onNear(entries), margin);
    this.sweep = this.win.setInterval(() => this.release(), SWEEP_MS);
    this.win.addEventListener('message', this.onMessage);
  }

  has(textElement: HTMLElement): boolean {
    return this.readers.has(textElement);
  }

  get size(): number {
    return this.readers.size;
  }

  /** Frames now in the page (for the bench and tests). */
  get placed(): number {
    let n = 0;
    for (const r of this.readers.values()) if (r.frame) n++;
    return n;
  }

  /** Holds spare tokens so the next message's frame needs no round trip. */
  warm(): void {
    const id = this.conversationId();
    if (!id) return;
    const t = this.now();
    this.spares = this.spares.filter((s) => t - s.at < SPARE_MAX_AGE_MS);
    for (const w of this.warmFrames.filter((x) => t - x.at >= SPARE_MAX_AGE_MS)) this.unwarm(w);
    for (; this.spares.length + this.warmFrames.length + this.sparesAsked < SPARES; this.sparesAsked++) {
      request('content.frameToken', { conversationId: id, role: 'reader', pending: true })
        .then(({ token }) => {
          if (this.conversationId() !== id || this.stopped) return;
          if (!canMoveFrames(this.doc)) return void this.spares.push({ token, at: this.now() });
          const frame = warmReaderFrame(this.doc, token, readerHash(this.look ?? {}));
          this.warmFrames.push({ token, at: this.now(), frame, styled: !!this.look });
        })
        .catch(() => undefined)
        .finally(() => this.sparesAsked--);
    }
  }

  /**
   * Replaces the spares just used, a little later: a new frame loading competes for the
   * extension's renderer with the frames about to get their plaintext (npm run bench: up to ~120
   * ms added to the arrival's delay), and for the page's own rendering of the messages that
   * used them. Four are held, so a burst of a few messages needs no new frame at all. A longer
   * burst that leaves at most LOW_SPARES gets them replaced at once: the next message would
   * otherwise load a frame of its own after a token round trip (npm run bench, libotr sender:
   * ~360 ms instead of ~30 ms for a warm one), which costs more than the competition.
   */
  private rewarm(): void {
    if (this.spares.length + this.warmFrames.length + this.sparesAsked <= LOW_SPARES) {
      if (this.rewarmTimer) this.win.clearTimeout(this.rewarmTimer);
      this.rewarmTimer = 0;
      this.warm();
      return;
    }
    if (this.rewarmTimer) return;
    this.rewarmTimer = this.win.setTimeout(() => {
      this.rewarmTimer = 0;
      if (!this.stopped) this.warm();
    }, REWARM_DELAY_MS);
  }

  /** After a worker restart the background forgot every token. */
  forgetSpares(): void {
    this.spares = [];
    for (const w of [...this.warmFrames]) this.unwarm(w);
  }

  private unwarm(w: { frame: HTMLIFrameElement }): void {
    w.frame.remove();
    this.warmFrames = this.warmFrames.filter((x) => x !== w);
  }

  /**
   * A reader for this message: at once when it arrives live, else once it is on screen.
   * `waitForText`: the background waits for the plaintext (the message is still being
   * decrypted) instead of saying it has none. Returns
   * the token of a warm frame now placed for it: the feed of the message names it to the
   * background (content.incoming `reader`), which posts the plaintext straight to that frame.
   */
  add(textElement: HTMLElement, messageId: string, live: boolean, token?: string, waitForText = live): string | undefined {
    const known = this.readers.get(textElement);
    if (known?.messageId === messageId) {
      // Added before the answer (history, waiting for its text): the answer's token saves a
      // round trip if its frame is not asked for yet.
      if (token && !known.frame && !known.busy) known.given = { token, at: this.now() };
      return;
    }
    if (known) this.drop(textElement);
    const r: Reader = { messageId, pending: waitForText, frame: null, busy: false, offSince: null, far: false, style: null, ...(token ? { given: { token, at: this.now() } } : {}) };
    this.readers.set(textElement, r);
    this.io.observe(textElement);
    if (!live) {
      if (waitForText) this.coverSoon(textElement);
      return;
    }
    const t = this.now();
    const warm = this.warmFrames.find((w) => t - w.at < SPARE_MAX_AGE_MS && w.frame.isConnected);
    const spare = warm ? undefined : this.spares.shift();
    if (warm) this.warmFrames = this.warmFrames.filter((w) => w !== warm);
    this.rewarm();
    if (warm && moveReaderFrame(warm.frame, textElement)) r.frame = warm.frame;
    else if (spare && t - spare.at < SPARE_MAX_AGE_MS) r.frame = readerFrame(this.doc, textElement, spare.token, readerHash(this.look ?? {}, messageId));
    else {
      warm?.frame.remove();
      return void this.open(textElement);
    }
    // Placed now, without reading any geometry.
    r.pending = false;
    this.framed(textElement, r.frame);
    const kind = this.knownKind(textElement);
    if (kind) {
      // A row like one already read: covered in this task, all writes, nothing read, and no
      // animation frame of ours.
      this.cover(textElement, r, kind);
      return warm?.token;
    }
    // Takes no room until its box is covered in the next animation frame: nothing moves or is
    // covered before then.
    Object.assign(r.frame.style, { position: 'absolute', height: '0' });
    r.busy = true;
    this.ready.push({ el: textElement, token: '' });
    this.schedule();
    return warm?.token;
  }

  /** Takes the reader away (the message turned out to be no readable data message). */
  drop(textElement: HTMLElement): void {
    const r = this.readers.get(textElement);
    if (!r) return;
    this.readers.delete(textElement);
    this.io.unobserve(textElement);
    this.removeFrame(textElement, r);
    if (r.style !== null) {
      if (r.style) textElement.setAttribute('style', r.style);
      else textElement.removeAttribute('style');
    }
  }

  stop(): void {
    this.stopped = true;
    for (const w of [...this.warmFrames]) this.unwarm(w);
    this.io.disconnect();
    this.near.disconnect();
    this.win.clearInterval(this.sweep);
    this.win.removeEventListener('message', this.onMessage);
    if (this.raf) this.win.cancelAnimationFrame(this.raf);
    if (this.rewarmTimer) this.win.clearTimeout(this.rewarmTimer);
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const el = e.target as HTMLElement;
      const r = this.readers.get(el);
      if (!r) continue;
      if (e.isIntersecting) {
        r.offSince = null;
        if (!r.frame && !r.busy) this.open(el);
      } else if (r.frame) r.offSince ??= this.now();
    }
  }

  /**
   * Frames of rows far from view are not displayed, but not removed: the document stays, so
   * scrolling back shows the text at once, but the page no longer lays them out and composites
   * them on every frame it renders (npm run bench: the ~100 frames of rows a chat had scrolled
   * away doubled the time to show a new 10-message batch). Removal waits for RELEASE_AFTER_MS
   * off screen.
   */
  private onNear(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const r = this.readers.get(e.target as HTMLElement);
      if (!r) continue;
      r.far = !e.isIntersecting;
      if (r.frame) showFrame(r.frame, !r.far);
    }
  }

  private open(el: HTMLElement): void {
    const r = this.readers.get(el);
    const id = this.conversationId();
    if (!r || !id) return;
    r.busy = true;
    const given = this.takeGiven(r);
    if (given) {
      this.ready.push({ el, token: given });
      this.schedule();
      return;
    }
    const payload = { conversationId: id, role: 'reader' as const, messageId: r.messageId, ...(r.pending ? { pending: true } : {}) };
    r.pending = false; // a frame made again later shows what the background kept, or nothing
    request('content.frameToken', payload).then(
      ({ token }) => {
        if (this.readers.get(el) !== r) return;
        this.ready.push({ el, token });
        this.schedule();
      },
      (e: unknown) => {
        r.busy = false;
        this.onError(msg('reader_show_failed', (e as Error).message));
      },
    );
  }

  /** The token that came with the message, once, if still fresh. */
  private takeGiven(r: Reader): string | undefined {
    const given = r.given;
    delete r.given;
    return given && this.now() - given.at < GIVEN_TOKEN_MAX_AGE_MS ? given.token : undefined;
  }

  /** Places what is ready in the next animation frame (once; a pass under way takes it itself). */
  private schedule(): void {
    if (!this.raf && !this.placing) this.raf = this.win.requestAnimationFrame(() => this.place());
  }

  /**
   * One animation frame: read every box first, then write every frame. Placed rows take one line,
   * so rows above come on screen: those whose token came with the feed are placed in the same
   * frame (one more layout per pass), not an IntersectionObserver callback later each.
   */
  private place(): void {
    this.raf = 0;
    this.placing = true;
    try {
      this.coverWaiting();
      for (let pass = 0; pass < MAX_PASSES && this.ready.length; pass++) {
        const placed = this.placeBatch(this.ready.splice(0));
        if (!placed) break;
        for (const el of this.cameOnScreen(placed)) this.open(el);
      }
    } finally {
      this.placing = false;
    }
    if (this.ready.length) this.schedule();
  }

  /**
   * Readers without a frame, with their token at hand (or history still being decrypted, whose
   * tokens are asked for at once), now in view: within the window and within the box that
   * scrolls the rows just placed (one layout for all of them).
   */
  private cameOnScreen(near: HTMLElement): HTMLElement[] {
    const candidates = [...this.readers].filter(([el, r]) => !r.frame && !r.busy && (r.given || r.pending) && el.isConnected);
    if (!candidates.length) return [];
    const clip = this.clipOf(near);
    return candidates
      .filter(([el]) => {
        const box = el.getBoundingClientRect();
        return box.bottom > clip.top && box.top < clip.bottom && box.right > clip.left && box.left < clip.right && box.height > 0;
      })
      .map(([el]) => el);
  }

  /** The window's box, narrowed to the nearest ancestor that scrolls. */
  private clipOf(el: HTMLElement): { top: number; bottom: number; left: number; right: number } {
    const clip = { top: 0, bottom: this.win.innerHeight, left: 0, right: this.win.innerWidth };
    for (let a = el.parentElement; a && a !== this.doc.body && a !== this.doc.documentElement; a = a.parentElement) {
      const overflow = this.win.getComputedStyle(a).overflowY;
      if (overflow !== 'auto' && overflow !== 'scroll' && overflow !== 'hidden') continue;
      const box = a.getBoundingClientRect();
      return { top: Math.max(clip.top, box.top), bottom: Math.min(clip.bottom, box.bottom), left: Math.max(clip.left, box.left), right: Math.min(clip.right, box.right) };
    }
    return clip;
  }

  /**
   * History still being decrypted takes one line per row at once, every row, framed or not: the
   * rows on screen then are those that stay there, and their frames are asked for together, not
   * a few per token round trip as placed rows shrank (npm run bench: five rounds, ~1 s, while
   * the background was busy decrypting).
   */
  private coverSoon(el: HTMLElement): void {
    this.toCover.push(el);
    this.schedule();
  }

  private coverWaiting(): void {
    const rows = this.toCover.splice(0).filter((el) => this.readers.has(el) && el.isConnected);
    const kinds = rows.map((el) => this.kindOf(el));
    rows.forEach((el, i) => {
      const r = this.readers.get(el)!;
      if (r.style === null && !r.frame) this.cover(el, r, kinds[i]!, Math.floor(kinds[i]!.line));
    });
  }

  /** Places one batch; returns one of its elements (null when none was placed). */
  private placeBatch(ready: Array<{ el: HTMLElement; token: string }>): HTMLElement | null {
    const batch = ready.filter(({ el }) => this.readers.has(el) && el.isConnected);
    // Every read first (style, and the box of rows placed from a token), then every write.
    const reads = batch.map(({ el, token }) => ({ kind: this.kindOf(el), height: token ? el.getBoundingClientRect().height : 0 }));
    batch.forEach(({ el, token }, i) => {
      const r = this.readers.get(el)!;
      const { kind, height } = reads[i]!;
      r.busy = false;
      r.look ??= kind.look;
      if (!token) {
        this.cover(el, r, kind); // placed on arrival, before this row's kind was known
        return;
      }
      // A frame placed now loads later, and shows one line ('…') first: its row takes that line
      // at once, so the rows this brings on screen get their frames in this pass, not a frame
      // load later (npm run bench: 200 history messages came on screen a few at a time, ~17
      // frame loads in a row). Rather under than over: a row that then grows pushes others
      // away, one that shrinks pulls more rows on screen ('normal' line height is over 1em).
      if (r.style === null) this.cover(el, r, kind, Math.floor(Math.min(height, kind.line)));
      this.removeFrame(el, r);
      r.frame = readerFrame(this.doc, el, token, readerHash(r.look));
      this.framed(el, r.frame);
    });
    return batch[0]?.el ?? null;
  }

  /**
   * Hides the ciphertext under the frame. Its box keeps the ciphertext's own height (the frame
   * fills it) until the frame says how tall its text is, or takes `height` now. The ciphertext
   * stays in the site's DOM (its framework owns it) but is not shown.
   */
  private cover(el: HTMLElement, r: Reader, kind: RowKind, height?: number): void {
    if (r.style === null) {
      r.style = el.getAttribute('style') ?? '';
      if (kind.position === 'static') el.style.position = 'relative';
      if (kind.display === 'inline') el.style.display = 'inline-block';
      Object.assign(el.style, { overflow: 'hidden', color: 'transparent', userSelect: 'none' });
    }
    const known = r.height ?? height;
    if (known !== undefined) el.style.height = `${known}px`;
    if (r.frame) r.frame.style.height = '100%';
  }

  /**
   * The computed style that placing needs, read once per kind of row (tag and class): a site's
   * message rows of one kind share it. Rows with a style attribute of their own are read alone.
   */
  private kindOf(el: HTMLElement): RowKind {
    const known = this.knownKind(el);
    if (known) return known;
    const cs = this.win.getComputedStyle(el);
    const kind: RowKind = {
      position: cs.position,
      display: cs.display,
      look: { fontSize: cs.fontSize, fontFamily: cs.fontFamily, color: cs.color, lineHeight: cs.lineHeight },
      line: parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) || 16,
    };
    if (!el.hasAttribute('style') && this.kinds.size < MAX_KINDS) this.kinds.set(kindKey(el), kind);
    if (!this.look) {
      this.look = kind.look;
      // Warm frames loaded before the site's look was known are made again with it.
      const plain = this.warmFrames.filter((w) => !w.styled);
      if (plain.length)
        queueMicrotask(() => {
          for (const w of plain) this.unwarm(w);
          this.warm();
        });
    }
    return kind;
  }

  private knownKind(el: HTMLElement): RowKind | undefined {
    return el.hasAttribute('style') ? undefined : this.kinds.get(kindKey(el));
  }

  /** The frame measured its text: the box follows it (its width is the site's). */
  private onMessage = (e: MessageEvent): void => {
    const frame = claimedFrame(e);
    const el = frame && this.rowOf.get(frame);
    const r = el && this.readers.get(el);
    // A frame taken out of its row has no say over the row.
    const m = r && r.frame === frame ? frameToHost(e.data) : null;
    if (!el || !r || !m) return;
    if (m.offrecord === 'file-request') return this.onFileRequest?.(e.source as Window, e.origin);
    if (m.offrecord !== 'reader-size' || r.far) return; // a frame not shown has no width to measure at; it measures again when shown
    r.height = Math.ceil(m.height);
    if (r.style !== null) el.style.height = `${r.height}px`;
  };

  private release(): void {
    const t = this.now();
    for (const [el, r] of this.readers) {
      if (r.frame && r.offSince !== null && t - r.offSince > RELEASE_AFTER_MS) {
        this.removeFrame(el, r);
        r.offSince = null;
      }
    }
  }

  /**
   * A frame is now in the row: its messages are heard, and whether the row is near view is
   * watched. Only framed rows are (a history holds hundreds of rows without a frame, and each
   * observed row costs every rendering update an intersection).
   */
  private framed(el: HTMLElement, frame: HTMLIFrameElement): void {
    this.rowOf.set(frame, el);
    this.near.observe(el);
  }

  private removeFrame(el: HTMLElement, r: Reader): void {
    if (!r.frame) return;
    r.frame.remove();
    r.frame = null;
    this.near.unobserve(el);
    r.far = false;
  }
}
