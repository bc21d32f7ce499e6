/**
 * The private compose frame laid over the site's composer, and the lock placed beside it: when
 * the frame opens and closes, where it sits, who has the focus around a send, and what happens
 * when the page tampers with it. The controller decides whether a frame is wanted; this decides
 * everything about the frame itself.
 */
import type { SiteAdapter } from '../adapters/core/types';
import { request } from '../messaging/client';
import { frameToHost } from '../messaging/frame-host';
import { t, msg } from '../ui/i18n';
import { composeFrame, placeOver } from './frames';
import { composeTamper } from './frame-guard';
import { fromFrame } from './frame-claims';
import type { Lock } from './lock';

/** How often placement also checks that the compose frame is still seen (frame-guard.ts). */
const GUARD_EVERY_MS = 1000;
/** Re-creations of a tampered compose frame allowed per minute before OffRecord gives up. */
const MAX_RECREATE = 3;
/** How long after a wire text went out the site's box may not take the focus. */
const HOLD_AFTER_SEND_MS = 1000;
const KEY_EVENTS = ['keydown', 'keypress', 'keyup'] as const;

/**
 * The box of the element as laid out, or of its nearest ancestor that is: a mail body that held
 * only protocol messages is hidden behind its status line, and a hidden element's box is empty
 * (placing the lock by it put the lock past the window's left edge).
 */
function shownBox(element: HTMLElement): DOMRect | null {
  for (let el: HTMLElement | null = element; el; el = el.parentElement) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) return box;
  }
  return null;
}

/**
 * The composer's box in this page's coordinates. A rich editor's body may live in a same-origin
 * frame (Roundcube's TinyMCE): its own box is in the frame's coordinates, so the frame's box is
 * the editing area to cover.
 */
function boxInPage(composer: HTMLElement, doc: Document): DOMRect {
  let frame = composer.ownerDocument === doc ? null : composer.ownerDocument.defaultView?.frameElement;
  if (!frame) return composer.getBoundingClientRect();
  while (frame.ownerDocument !== doc && frame.ownerDocument.defaultView?.frameElement) frame = frame.ownerDocument.defaultView.frameElement;
  return frame.getBoundingClientRect();
}

export interface ComposeBoxHooks {
  conversationId(): string | undefined;
  /** The conversation wants a private box now (policy, state, a mail reply being written). */
  wanted(): boolean;
  stopped(): boolean;
}

export class ComposeBox {
  private frame: HTMLIFrameElement | null = null;
  /** Height the compose frame asked for beyond the site's box (its notices and waiting texts). */
  private extra = 0;
  /** Escape in the compose frame hands typing back to the site's box until the lock's menu says. */
  private siteBox = false;
  /** A wire text is going into the site's box: rich editors need the focus there meanwhile. */
  private inserting = false;
  /** The site's box made inert, and until when (just after OffRecord sent through it). */
  private heldBox: HTMLElement | null = null;
  private holdUntil = 0;
  private guardAt = 0;
  private coveredSince = 0;
  private recreated: number[] = [];
  /** The page kept tampering with the compose frame: no new one is placed on this page. */
  private refused = false;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    private readonly lock: Lock,
    private readonly hooks: ComposeBoxHooks,
  ) {}

  start(): void {
    this.doc.defaultView!.addEventListener('message', this.onFrameMessage);
    this.doc.addEventListener('focusin', this.keepKeysPrivate, true);
    for (const type of KEY_EVENTS) this.doc.defaultView!.addEventListener(type, this.catchMisroutedKeys, true);
  }

  stop(): void {
    this.doc.defaultView!.removeEventListener('message', this.onFrameMessage);
    this.doc.removeEventListener('focusin', this.keepKeysPrivate, true);
    for (const type of KEY_EVENTS) this.doc.defaultView!.removeEventListener(type, this.catchMisroutedKeys, true);
    this.release();
    this.frame?.remove();
  }

  /** Its token died with the background's ports (a worker restart): the next sync opens anew. */
  forget(): void {
    this.frame?.remove();
    this.frame = null;
  }

  /** Opens or closes the frame as the conversation now wants. */
  sync(): void {
    const wanted = this.hooks.wanted();
    if (wanted && !this.frame && !this.refused) void this.open();
    else if (!wanted && this.frame) {
      this.frame.remove();
      this.frame = null;
      this.siteBox = false;
      this.release();
      this.lock.setComposer(null);
    }
  }

  /** A wire text starts going into the site's box (WireSender's `sending`). */
  sending(): void {
    // A field takes its value without focus: its box stays held through the send. A mail
    // editor may be either kind (Roundcube's plain text or TinyMCE): ask which is on.
    const composer = this.adapter.composer(this.doc);
    const editor = (composer && this.adapter.mail?.editorFor(composer)) || this.adapter.editor;
    this.inserting = editor !== 'value-setter';
    this.holdUntil = Date.now() + HOLD_AFTER_SEND_MS;
    this.holdSiteBox();
  }

  /** Inserting moved focus into the site's box (rich editors need it there): give it back. */
  refocus(wasInFrame: boolean): void {
    this.inserting = false;
    this.holdUntil = Date.now() + HOLD_AFTER_SEND_MS;
    this.holdSiteBox();
    // Focusing the frame that already has focus is not free: the frame is another process,
    // and a key typed while focus goes round again reaches neither box (a lost 'ü').
    if (!this.frame || this.doc.activeElement === this.frame) return;
    if (wasInFrame || this.focusInSiteBox()) this.frame.focus();
  }

  private focusInSiteBox(): boolean {
    const composer = this.adapter.composer(this.doc);
    const active = composer?.ownerDocument.activeElement ?? null;
    return !!composer && (active === composer || composer.contains(active));
  }

  /** The user types in the private box now. */
  focused(): boolean {
    return !!this.frame && !this.siteBox && this.doc.activeElement === this.frame;
  }

  useSiteBox(on: boolean): void {
    if (!this.frame) return;
    this.siteBox = on;
    this.frame.style.display = on ? 'none' : '';
    this.lock.setComposer(on ? 'site' : 'private');
    this.holdSiteBox();
    if (on) this.adapter.composer(this.doc)?.focus();
    else {
      this.place();
      this.frame.focus();
    }
  }

  /** Only OffRecord's page in the compose frame placed here may ask (a page cannot fake `source` or `origin`). */
  private onFrameMessage = (e: MessageEvent): void => {
    if (!fromFrame(e, this.frame)) return;
    const m = frameToHost(e.data);
    if (m?.offrecord === 'compose-escape') this.useSiteBox(true);
    else if (m?.offrecord === 'compose-size') {
      // At most half the window: the page's messages stay in sight (the list scrolls).
      this.extra = Math.min(Math.ceil(m.height), Math.round(this.doc.defaultView!.innerHeight / 2));
      this.place();
    }
  };

  /**
   * Sites focus their own box by themselves after a send (Converse does), so after each wire
   * text OffRecord sends through it: while the private box is in use, the user's next keys would
   * land in the site's box, in the clear, and be missing from the private box. For a moment after
   * each send the site's box is `inert` (its focus() calls do nothing); one the site rebuilt
   * meanwhile gives the focus straight back. Only then: the site's box stays reachable otherwise
   * (Escape leads there, and so do scripts driving the page).
   */
  private holding(): boolean {
    return !!this.frame?.isConnected && !this.siteBox && !this.inserting && Date.now() < this.holdUntil;
  }

  private keepKeysPrivate = (e: FocusEvent): void => {
    if (!this.holding()) return;
    const composer = this.adapter.composer(this.doc);
    if (composer && e.target instanceof Node && composer.contains(e.target)) this.frame!.focus();
  };

  /**
   * Keys typed in the private box never reach this page, so a trusted key here while the page's
   * focus is on the box was misrouted. Chromium can lose track of which frame has the keyboard
   * when focus moves between the page and the box (another process) at the instant of a click:
   * the box shows the caret, the page's `activeElement` is the box, and every key goes to the
   * page, even after another click. The key is kept from the site's handlers (page listeners
   * registered before this script still saw it: nothing can prevent that), and the focus goes
   * round once, which gives the keyboard back to the box; the lock says the key was lost.
   */
  private catchMisroutedKeys = (e: KeyboardEvent): void => {
    if (!e.isTrusted || this.inserting || !this.focused()) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (e.type !== 'keydown') return;
    this.frame!.blur();
    this.frame!.focus();
    this.lock.showNotice(msg('compose_keys_misrouted'), 8000);
  };

  private holdSiteBox(): void {
    const composer = this.adapter.composer(this.doc);
    const hold = composer && this.holding() ? composer : null;
    if (this.heldBox === hold) return;
    this.release();
    if (hold) {
      hold.inert = true;
      this.heldBox = hold;
      this.doc.defaultView!.setTimeout(() => this.holdSiteBox(), HOLD_AFTER_SEND_MS + 50);
    }
  }

  private release(): void {
    if (this.heldBox) this.heldBox.inert = false;
    this.heldBox = null;
  }

  private async open(): Promise<void> {
    const id = this.hooks.conversationId();
    if (!id) return;
    const placeholder = this.doc.createElement('iframe'); // reserves the slot against double opens
    this.frame = placeholder;
    try {
      const { token } = await request('content.frameToken', { conversationId: id, role: 'compose' });
      if (this.frame !== placeholder || this.hooks.stopped()) return;
      const composer = this.adapter.composer(this.doc);
      const hadFocus = !!composer && (this.doc.activeElement === composer || composer.contains(this.doc.activeElement));
      this.frame = composeFrame(this.doc, token);
      this.extra = 0;
      this.doc.body.append(this.frame);
      this.siteBox = false;
      this.lock.setComposer('private');
      this.place();
      // Only if the focus is still in the site's box when the frame has loaded: the user may
      // have clicked into the private box already (it works before its load event, which waits
      // for all of its page). Focusing the frame again from here then raced that click in
      // Chromium, which went on sending the keys to the page while the box showed the caret.
      if (hadFocus) this.frame.addEventListener('load', () => this.frame && this.focusInSiteBox() && this.frame.focus(), { once: true });
    } catch (e) {
      if (this.frame === placeholder) this.frame = null;
      this.lock.showNotice(msg('notice_compose_failed', (e as Error).message));
    }
  }

  /** Lays the frame over the site's composer and the lock beside it (on a timer and on resize). */
  place = (): void => {
    const composer = this.adapter.composer(this.doc);
    if (!composer) {
      // A mail view: the lock sits above the mail body.
      const body = this.adapter.mail?.bodies(this.doc)[0]?.element;
      const box = body && shownBox(body);
      if (box) this.lock.place(box);
      return;
    }
    this.holdSiteBox();
    const box = boxInPage(composer, this.doc);
    if (!this.lock.host.isConnected) this.doc.body.append(this.lock.host);
    let at: { left: number; top: number } = box;
    if (this.frame?.isConnected && !this.siteBox) {
      at = placeOver(this.frame, box, this.extra);
      // The site's own corner radius; the ring (frames.ts) marks focus as the site's box would.
      this.frame.style.borderRadius = (composer.ownerDocument.defaultView ?? this.doc.defaultView!).getComputedStyle(composer).borderRadius;
    }
    // Above the private box as grown, so it never lies over the box's own Cancel buttons.
    this.lock.place(at.top === box.top ? box : new DOMRect(box.left, at.top, box.width, box.bottom - at.top));
    this.guard(at);
  };

  /**
   * A compose frame the page removed, hid, moved or made transparent is replaced by a new one
   * (fresh token and style), and the lock warns; one covered by the page's element cannot be
   * fixed from here, so the lock warns while it lasts. Past MAX_RECREATE a minute, no new frame.
   */
  private guard(placedAt: { left: number; top: number }): void {
    const f = this.frame;
    // Not the placeholder that waits for its token, not while the user chose the site's box.
    if (!f || this.siteBox || !f.hasAttribute('data-offrecord')) return;
    const now = Date.now();
    if (f.isConnected && now - this.guardAt < GUARD_EVERY_MS) return;
    this.guardAt = now;
    const tamper = composeTamper(f, placedAt);
    if (tamper === null) {
      this.coveredSince = 0;
      if (this.recreated.every((at) => now - at > 5000)) this.lock.setWarning(null);
      return;
    }
    if (tamper === 'covered') {
      // One look may catch a site's own pop-up passing over; still there a second later is not.
      if (this.coveredSince === 0) this.coveredSince = now;
      else this.lock.setWarning(t('guard_covered'));
      return;
    }
    this.recreated = this.recreated.filter((at) => now - at < 60_000);
    f.remove();
    this.frame = null;
    if (this.recreated.length >= MAX_RECREATE) {
      this.refused = true;
      this.lock.setComposer(null);
      this.lock.setWarning(t('guard_gave_up'));
      return;
    }
    this.recreated.push(now);
    this.lock.setWarning(t('guard_recreated'));
    this.sync();
  }
}
