/**
 * One conversation shown in the page: registers it with the background, keeps the lock, the
 * compose frame and the reader frames in place, feeds live OTR texts to the background and
 * sends what it hands back. Sees ciphertext and public state only (DESIGN.md §1).
 */
import type { ConversationRef, SiteAdapter } from '../adapters/core/types';
import type { WatchedMessage } from '../adapters/core/watcher';
import { request } from '../messaging/client';
import { frameToHost } from '../messaging/frame-host';
import { messageIdOf } from '../messaging/message-id';
import type { ContentPush } from '../messaging/ports';
import type { ConversationView, IncomingResult } from '../messaging/types';
import { HistoryBatches } from './history-feed';
import { clearStatus, composeFrame, isDecorated, placeOver, statusLine, verifyFrame } from './frames';
import { ReaderFrames } from './readers';
import { Lock, NEUTRAL_SUBJECT, type LockAction } from './lock';
import { normaliseMailElement, setSubjectField } from '../adapters/core/mail-dom';
import { WireSender } from './sender';
import { holdForReply, takeHeld } from './mail-outbox';
import { openAttach, sendAttachments } from './mail-files';
import { composeTamper } from './frame-guard';
import { msg, t } from '../ui/i18n';
import { classify, mayBeOtr } from '../otr/classify';
import { isGroupText, roomDecoration } from './room-posts';
import { earlierDecoration, feedsEngine, pieceGroup, wholeMessageStatus, readerOnArrival, replyDecoration, type Decoration, type SeenMessage } from './decisions';

export type { Decoration };

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

/** The same conversation of the same account (a site names both). */
export const sameConversation = (a: ConversationRef, b: ConversationRef): boolean => a.peerId === b.peerId && a.account === b.account;

/** How often placement also checks that the compose frame is still seen (frame-guard.ts). */
const GUARD_EVERY_MS = 1000;
/** Re-creations of a tampered compose frame allowed per minute before OffRecord gives up. */
const MAX_RECREATE = 3;
/** How long after a wire text went out the site's box may not take the focus. */
const HOLD_AFTER_SEND_MS = 1000;


/** Kept per conversation for the page's lifetime (switching views and back). */
export interface ConversationMemory {
  decorations: Map<string, Decoration>;
}

export interface ControllerHooks {
  /** A wire text went out through the site (the generic adapter learns its own messages). */
  sent?(text: string): void;
  /** The lock was used while the page already showed another conversation. */
  elsewhere?(action: LockAction): void;
}

export class ConversationController {
  view: ConversationView | null = null;
  private readonly lock: Lock;
  private readonly sender: WireSender;
  private compose: HTMLIFrameElement | null = null;
  /** Height the compose frame asked for beyond the site's box (its notices and waiting texts). */
  private composeExtra = 0;
  /** Escape in the compose frame hands typing back to the site's box until the lock's menu says. */
  private siteBox = false;
  /** A wire text is going into the site's box: rich editors need the focus there meanwhile. */
  private inserting = false;
  /** The site's box made inert, and until when (just after OffRecord sent through it). */
  private heldBox: HTMLElement | null = null;
  private holdUntil = 0;
  private verify: HTMLIFrameElement | null = null;
  private readonly readers: ReaderFrames;
  /** Rows of fragmented messages whose last piece has not come yet, by piece group. */
  private readonly pieces = new Map<string, Array<Pick<WatchedMessage, 'element' | 'textElement' | 'text'>>>();
  /** Messages seen before registration finished, and the feed chain (one at a time, in order). */
  private pending: WatchedMessage[] | null = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly history = new HistoryBatches<{ m: WatchedMessage; seen: SeenMessage }>(
    (step) => this.queue(step, false),
    (batch) => this.feedHistory(batch),
  );
  private placeTimer = 0;
  /** Messages that arrived while OffRecord was locked: fed again once it is unlocked. */
  private lockedMessages: WatchedMessage[] = [];
  private stopped = false;
  private guardAt = 0;
  private coveredSince = 0;
  private recreated: number[] = [];
  /** The page kept tampering with the compose frame: no new one is placed on this page. */
  private composeRefused = false;
  /** Room posts whose sender's key had not come yet: asked again when the room changes. */
  private roomWaiting: WatchedMessage[] = [];
  private viewKnown: Promise<void>;
  private firstView: () => void = () => undefined;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    readonly ref: ConversationRef,
    private readonly memory: ConversationMemory,
    private readonly hooks: ControllerHooks = {},
  ) {
    const win = doc.defaultView!;
    this.viewKnown = new Promise((resolve) => (this.firstView = resolve));
    this.lock = new Lock(doc, (a) => void this.action(a), ref.kind === 'channel');
    this.sender = new WireSender(doc, adapter, {
      sending: (t) => {
        // A field takes its value without focus: its box stays held through the send. A mail
        // editor may be either kind (Roundcube's plain text or TinyMCE): ask which is on.
        const composer = adapter.composer(doc);
        const editor = (composer && adapter.mail?.editorFor(composer)) || adapter.editor;
        this.inserting = editor !== 'value-setter';
        this.holdUntil = Date.now() + HOLD_AFTER_SEND_MS;
        this.holdSiteBox();
        hooks.sent?.(t);
      },
      notice: (t) => this.lock.showNotice(t),
      // Only when inserting moved focus into the site's box (rich editors need it there).
      refocus: (wasInFrame) => {
        this.inserting = false;
        this.holdUntil = Date.now() + HOLD_AFTER_SEND_MS;
        this.holdSiteBox();
        // Focusing the frame that already has focus is not free: the frame is another process,
        // and a key typed while focus goes round again reaches neither box (a lost 'ü').
        if (!this.compose || doc.activeElement === this.compose) return;
        const composer = adapter.composer(doc);
        const active = composer?.ownerDocument.activeElement ?? null;
        if (wasInFrame || (composer && (active === composer || composer.contains(active)))) this.compose.focus();
      },
      composeFocused: () => !!this.compose && !this.siteBox && doc.activeElement === this.compose,
      hold: adapter.mail ? (t) => this.holdForReply(t) : undefined,
      shown: () => this.shown(),
    });
    this.readers = new ReaderFrames(doc, () => this.conversationId, (t) => this.lock.showNotice(t));
    if (adapter.mail || adapter.uploads) this.readers.onFileRequest = (reader) => void sendAttachments(doc, adapter, reader).catch((e: unknown) => this.lock.showNotice(msg('notice_attachment_fetch_failed', (e as Error).message)));
  }

  /** The page still shows this conversation (between two views it names none: still ours). */
  private shown(): boolean {
    const now = this.adapter.conversation(this.doc);
    return !now || sameConversation(now, this.ref);
  }

  /** A lock action chosen by the user (the overlay hands over one made on a stale lock). */
  act(a: LockAction): void {
    void this.action(a);
  }

  get conversationId(): string | undefined {
    return this.view?.id;
  }

  async start(): Promise<void> {
    const win = this.doc.defaultView!;
    this.doc.body.append(this.lock.host);
    if (this.adapter.mail?.subject(this.doc)) {
      this.lock.setMailSubject(() => {
        const field = this.adapter.mail?.subject(this.doc);
        if (field) setSubjectField(field, NEUTRAL_SUBJECT);
      });
      this.lock.setMailAttach(!!this.adapter.mail.attachmentInput(this.doc));
    }
    this.placeTimer = win.setInterval(() => this.place(), 250);
    win.addEventListener('resize', this.place);
    win.addEventListener('message', this.onFrameMessage);
    this.doc.addEventListener('focusin', this.keepKeysPrivate, true);
    this.place();
    await this.register();
    if (this.adapter.mail && this.adapter.composer(this.doc)) await this.sendHeld();
    const early = this.pending ?? [];
    this.pending = null;
    for (const m of early) this.handle(m);
  }

  /** Returns the wire texts that had not gone out yet: they go when the page shows us again. */
  stop(): string[] {
    this.stopped = true;
    const win = this.doc.defaultView!;
    win.clearInterval(this.placeTimer);
    win.removeEventListener('resize', this.place);
    win.removeEventListener('message', this.onFrameMessage);
    this.doc.removeEventListener('focusin', this.keepKeysPrivate, true);
    this.release();
    this.readers.stop();
    this.lock.destroy();
    this.compose?.remove();
    this.verify?.remove();
    return this.sender.stop();
  }

  /** Also after a worker restart: ports died, so frames need fresh tokens. */
  async register(): Promise<void> {
    const payload = {
      site: this.adapter.id,
      account: this.ref.account,
      peer: this.ref.peerId,
      title: this.ref.title,
      fragmentSize: this.adapter.maxMessageLength,
    };
    const view = await request('content.register', payload);
    if (this.stopped) return;
    if (this.compose) {
      this.compose.remove();
      this.compose = null;
    }
    this.readers.forgetSpares();
    this.setView(view);
  }

  onPush(push: ContentPush): void {
    if (this.stopped) return;
    if (push.type === 'send') this.sender.enqueue(push.texts);
    else if (push.type === 'typing') this.sender.typed();
    else if (push.type === 'conversation') this.setView(push.view);
    else if (push.type === 'fingerprint-changed')
      this.lock.showKeyWarning(msg('notice_key_changed_was', [this.ref.peerId, push.previous]));
    else if (push.type === 'notice') this.lock.showNotice(push.text);
  }

  private setView(view: ConversationView): void {
    const before = this.view;
    this.firstView();
    // A reply may arrive after a newer push (they travel apart): the older view is dropped.
    if (before?.revision !== undefined && view.revision !== undefined && view.revision < before.revision) return;
    this.view = view;
    // The Lounge renders its upload input with the chat, after OffRecord started here.
    if (this.adapter.uploads) this.lock.setMailAttach(!!this.adapter.uploads.input(this.doc));
    this.lock.update(view);
    this.syncCompose();
    if (before?.locked && !view.locked) this.feedUnlocked();
    if (view.room && this.roomWaiting.length > 0) this.feedRoomAgain();
    // Encrypted messages may arrive: hold spare reader tokens so their frames open at once.
    if (view.state !== 'plaintext' || view.room?.status === 'active') this.readers.warm();
    // Pidgin pops the dialog up when the buddy starts authenticating; we only say so. Secrets are
    // typed only in a frame the user opened with a trusted click, or in the popup (issue 17).
    if (view.smp.status === 'awaiting-answer' && before?.smp.status !== 'awaiting-answer') this.lock.showNotice(t('verify_requested', view.peer), 0);
    // The question's notice goes with it, but never a changed-key warning that came in the same
    // view (a new key exchange ends a pending question).
    else if (before?.smp.status === 'awaiting-answer' && view.smp.status !== 'awaiting-answer' && !this.lock.warning && !view.fingerprintChanged) this.lock.clearNotice();
  }

  /** Under 'always', or once a session exists, the site's own box is never typed in. */
  private needsCompose(): boolean {
    const v = this.view;
    // A mail view has no composer: its reader frames are the whole overlay.
    return !!v && (v.policy === 'always' || v.state !== 'plaintext' || v.room?.status === 'active') && (!this.adapter.mail || !!this.adapter.composer(this.doc));
  }

  /** Mail view: what the engine answered leaves in the user's reply (mail-outbox.ts). */
  private holdForReply(text: string): void {
    const id = this.conversationId;
    if (!id) return;
    holdForReply(id, text).then(
      () => this.lock.showNotice(msg('notice_reply_to_go_on', this.ref.peerId), 0),
      (e: unknown) => this.lock.showNotice(msg('notice_keep_for_reply_failed', (e as Error).message), 0),
    );
  }

  /** Compose screen of a mail conversation: what a mail view kept goes out as this mail. */
  private async sendHeld(): Promise<void> {
    const id = this.conversationId;
    const held = id ? await takeHeld(id) : [];
    if (held.length === 0 || this.stopped) return;
    this.lock.showNotice(msg('notice_sending_next_step', this.ref.peerId));
    this.sender.enqueue(held);
  }

  private syncCompose(): void {
    if (this.needsCompose() && !this.compose && !this.composeRefused) void this.openCompose();
    else if (!this.needsCompose() && this.compose) {
      this.compose.remove();
      this.compose = null;
      this.siteBox = false;
      this.release();
      this.lock.setComposer(null);
    }
  }

  /** Only the compose frame this controller placed may ask (a page cannot fake `source`). */
  private onFrameMessage = (e: MessageEvent): void => {
    if (!this.compose || e.source !== this.compose.contentWindow) return;
    const m = frameToHost(e.data);
    if (m?.offrecord === 'compose-escape') this.useSiteBox(true);
    else if (m?.offrecord === 'compose-size') {
      // At most half the window: the page's messages stay in sight (the list scrolls).
      this.composeExtra = Math.min(Math.ceil(m.height), Math.round(this.doc.defaultView!.innerHeight / 2));
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
    return !!this.compose?.isConnected && !this.siteBox && !this.inserting && Date.now() < this.holdUntil;
  }

  private keepKeysPrivate = (e: FocusEvent): void => {
    if (!this.holding()) return;
    const composer = this.adapter.composer(this.doc);
    if (composer && e.target instanceof Node && composer.contains(e.target)) this.compose!.focus();
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

  private useSiteBox(on: boolean): void {
    if (!this.compose) return;
    this.siteBox = on;
    this.compose.style.display = on ? 'none' : '';
    this.lock.setComposer(on ? 'site' : 'private');
    this.holdSiteBox();
    if (on) this.adapter.composer(this.doc)?.focus();
    else {
      this.place();
      this.compose.focus();
    }
  }

  private async openCompose(): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    const placeholder = this.doc.createElement('iframe'); // reserves the slot against double opens
    this.compose = placeholder;
    try {
      const { token } = await request('content.frameToken', { conversationId: id, role: 'compose' });
      if (this.compose !== placeholder || this.stopped) return;
      const composer = this.adapter.composer(this.doc);
      const hadFocus = !!composer && (this.doc.activeElement === composer || composer.contains(this.doc.activeElement));
      this.compose = composeFrame(this.doc, token);
      this.composeExtra = 0;
      this.doc.body.append(this.compose);
      this.siteBox = false;
      this.lock.setComposer('private');
      this.place();
      if (hadFocus) this.compose.addEventListener('load', () => this.compose?.focus(), { once: true });
    } catch (e) {
      if (this.compose === placeholder) this.compose = null;
      this.lock.showNotice(msg('notice_compose_failed', (e as Error).message));
    }
  }

  private async openVerify(): Promise<void> {
    const id = this.conversationId;
    if (!id || this.verify?.isConnected) return;
    const { token } = await request('content.frameToken', { conversationId: id, role: 'verify' });
    if (this.stopped || this.verify?.isConnected) return;
    const f = verifyFrame(this.doc, token);
    this.verify = f;
    this.doc.body.append(f);
    // The frame asks to be closed with a message carrying nothing but a fixed name.
    const win = this.doc.defaultView!;
    const onMessage = (e: MessageEvent) => {
      if (e.source !== f.contentWindow || frameToHost(e.data)?.offrecord !== 'close-verify') return;
      f.remove();
      if (this.verify === f) this.verify = null;
      win.removeEventListener('message', onMessage);
    };
    win.addEventListener('message', onMessage);
  }

  private place = (): void => {
    const composer = this.adapter.composer(this.doc);
    if (!composer) {
      // A mail view: the lock sits above the mail body.
      const body = this.adapter.mail?.bodies(this.doc)[0]?.element;
      if (body) this.lock.place(body.getBoundingClientRect());
      return;
    }
    this.holdSiteBox();
    const box = boxInPage(composer, this.doc);
    if (!this.lock.host.isConnected) this.doc.body.append(this.lock.host);
    let at: { left: number; top: number } = box;
    if (this.compose?.isConnected && !this.siteBox) {
      at = placeOver(this.compose, box, this.composeExtra);
      // The site's own corner radius; the ring (frames.ts) marks focus as the site's box would.
      this.compose.style.borderRadius = (composer.ownerDocument.defaultView ?? this.doc.defaultView!).getComputedStyle(composer).borderRadius;
    }
    // Above the private box as grown, so it never lies over the box's own Cancel buttons.
    this.lock.place(at.top === box.top ? box : new DOMRect(box.left, at.top, box.width, box.bottom - at.top));
    this.guardCompose(at);
  };

  /**
   * A compose frame the page removed, hid, moved or made transparent is replaced by a new one
   * (fresh token and style), and the lock warns; one covered by the page's element cannot be
   * fixed from here, so the lock warns while it lasts. Past MAX_RECREATE a minute, no new frame.
   */
  private guardCompose(placedAt: { left: number; top: number }): void {
    const f = this.compose;
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
    this.compose = null;
    if (this.recreated.length >= MAX_RECREATE) {
      this.composeRefused = true;
      this.lock.setComposer(null);
      this.lock.setWarning(t('guard_gave_up'));
      return;
    }
    this.recreated.push(now);
    this.lock.setWarning(t('guard_recreated'));
    this.syncCompose();
  }

  private async action(a: LockAction): Promise<void> {
    // Our lock still shows for a moment after the page switched: never act on the wrong one.
    if (!this.shown() && this.hooks.elsewhere) return this.hooks.elsewhere(a);
    // A click before the background answered the registration acts once it has.
    if (!this.view) await this.viewKnown;
    const id = this.conversationId;
    if (!id || this.stopped) return;
    try {
      if (a === 'verify') return await this.openVerify();
      if (a === 'private-box') return this.useSiteBox(false);
      if (a === 'check-key') return void (await request('content.openPopup', { conversationId: id }));
      if (a === 'attach') {
        await openAttach(this.doc, this.adapter, id, { carry: (w) => this.sender.carry(w), send: (w) => this.sender.enqueue(w), notice: (t) => this.lock.showNotice(t, 8000) });
        return;
      }
      if (a === 'room') {
        await request('room.create', { conversationId: id, fragmentSize: this.adapter.maxMessageLength });
        return;
      }
      this.setView(await request(a === 'start' ? 'conversation.start' : 'conversation.end', { conversationId: id }));
    } catch (e) {
      this.lock.showNotice(msg('notice_error', (e as Error).message));
    }
  }

  /** A message the watcher found for this conversation (each element once). */
  handle(m: WatchedMessage): void {
    if (this.stopped) return;
    if (this.pending) {
      this.pending.push(m);
      return;
    }
    if (isGroupText(m.text)) {
      this.queue(() => this.feedRoom(m));
      return;
    }
    if (!mayBeOtr(m.text)) return;
    if (this.adapter.mail) {
      // A mangled mail is said to be damaged; no part of it reaches the engine or the screen.
      const found = normaliseMailElement(m.textElement, this.adapter.mail.quoteSelectors);
      if (found.body.kind === 'damaged') return this.show(m, { kind: 'status', text: msg('reader_damaged_mail', found.body.detail), tone: 'warn' });
      if (m.text.includes('\n')) return this.handleMailParts(m);
    }
    const seen = { text: m.text, wire: classify(m.text), mine: m.direction === 'outgoing', history: m.history };
    // Placed now, not after the messages before it: the frame loads while the background
    // decrypts, and waits on its port for the plaintext.
    const early = readerOnArrival(seen, this.view?.state === 'unverified' || this.view?.state === 'private');
    const reader = early ? this.readers.add(m.textElement, messageIdOf(m.text), true) : undefined;
    if (this.batched(m, seen)) return;
    this.queue(() => this.feed(m, seen, early, reader), feedsEngine(seen));
  }

  /**
   * One mail may carry several OTR messages, one per line (what was due when it was sent, e.g.
   * the last AKE message and a text that waited for it). All are fed in order; only the last
   * one decorates the body, which is one element.
   */
  private handleMailParts(m: WatchedMessage): void {
    const parts = m.text.split('\n').filter((t) => mayBeOtr(t));
    parts.forEach((text, i) => {
      const part = { ...m, text };
      if (i === parts.length - 1) return this.handle(part);
      const seen = { text, wire: classify(text), mine: m.direction === 'outgoing', history: m.history };
      this.queue(() => this.feed(part, seen, false, undefined, true));
    });
  }

  private async feed(m: WatchedMessage, seen: SeenMessage, early: boolean, reader?: string, quiet = false): Promise<void> {
    if (!feedsEngine(seen)) return quiet ? undefined : this.show(m, this.memory.decorations.get(m.text) ?? earlierDecoration(seen), seen);
    const id = this.conversationId;
    if (!id || this.stopped) return;
    // History is fed too (once; the background keeps what it processed) but never answered,
    // except to continue an AKE: the background filters `send` (history-replies.ts).
    // Our own: the background knows which are echoes of what it sent (its `sent` list).
    const result = await request('content.incoming', {
      conversationId: id, text: m.text, history: m.history, ...(seen.mine ? { mine: true } : {}), ...(reader ? { reader } : {}), ...(this.adapter.mail ? { mail: true } : {}),
    });
    this.answered(m, seen, result, early, quiet);
  }

  /**
   * History of one scan goes in one request (history-feed.ts). Not our own history (no engine)
   * nor mail (a mail's query is held for Start even from history, content.incoming `mail`).
   */
  private batched(m: WatchedMessage, seen: SeenMessage): boolean {
    if (!m.history || !feedsEngine(seen) || this.adapter.mail) return false;
    this.history.add({ m, seen });
    return true;
  }

  /** History of one scan, in page order: fed and written at once, then each shown as answered. */
  private async feedHistory(batch: Array<{ m: WatchedMessage; seen: SeenMessage }>): Promise<void> {
    const id = this.conversationId;
    if (!id || this.stopped) return;
    const { results } = await request('content.history', { conversationId: id, texts: batch.map((b) => b.m.text) });
    batch.forEach(({ m, seen }, i) => {
      const result = results[i] ?? { error: { code: 'internal', message: 'no answer' } };
      this.answered(m, seen, 'error' in result ? { messageId: messageIdOf(m.text), display: 'error', send: [] } : result, false, false);
    });
  }

  private answered(m: WatchedMessage, seen: SeenMessage, result: IncomingResult, early: boolean, quiet: boolean): void {
    if (result.send.length > 0) this.sender.enqueue(result.send);
    const d = replyDecoration(seen, result);
    if (early && d?.kind !== 'reader') this.readers.drop(m.textElement);
    if (d && !quiet) this.show(m, d, seen, result.readerToken);
    if (result.display === 'locked') this.lockedMessages.push(m);
  }

  /** Appends a step to the feed chain; one that reaches the engine closes the open history batch. */
  private queue(step: () => Promise<void>, closesHistory = true): void {
    if (closesHistory) this.history.close();
    this.chain = this.chain.then(step).catch((e: unknown) => this.lock.showNotice(msg('notice_error', (e as Error).message)));
  }

  /** A private room's text: decrypted by the background, shown in a reader frame if readable. */
  private async feedRoom(m: WatchedMessage): Promise<void> {
    const known = this.memory.decorations.get(m.text);
    if (known) return this.show(m, known);
    const id = this.conversationId;
    if (!id || this.stopped) return;
    const result = await request('room.incoming', { conversationId: id, from: m.from, text: m.text, fragmentSize: this.adapter.maxMessageLength });
    // A post shown again from history was read (and its key deleted) when it first came.
    const d = m.history && result.display === 'dropped' ? { kind: 'status' as const, text: 'private room post — read earlier', tone: 'info' as const } : roomDecoration(result);
    this.show(m, d);
    if (result.display === 'waiting') {
      this.memory.decorations.delete(m.text);
      this.roomWaiting = [...this.roomWaiting.filter((w) => w.text !== m.text), m].slice(-64);
    }
  }

  private feedRoomAgain(): void {
    for (const m of this.roomWaiting.splice(0)) {
      this.queue(() => {
        clearStatus(m.textElement);
        return this.feedRoom(m);
      });
    }
  }

  private feedUnlocked(): void {
    for (const m of this.lockedMessages.splice(0)) {
      this.memory.decorations.delete(m.text);
      clearStatus(m.textElement);
      const seen = { text: m.text, wire: classify(m.text), mine: m.direction === 'outgoing', history: m.history };
      if (!this.batched(m, seen)) this.queue(() => this.feed(m, seen, false));
    }
  }

  /** Carries out a decision and remembers it for re-rendered elements. */
  private show(m: Pick<WatchedMessage, 'element' | 'textElement' | 'text'>, d: Decoration, seen?: SeenMessage, readerToken?: string): void {
    this.memory.decorations.set(m.text, d);
    if (d.kind === 'status') statusLine(this.doc, m.textElement, d.text, d.tone);
    else if (d.kind === 'hidden') m.element.style.display = 'none';
    else this.readers.add(m.textElement, d.messageId, false, readerToken);
    const group = seen && pieceGroup(seen);
    if (!group) return;
    const rows = this.pieces.get(group.key) ?? [];
    if (!group.last) return void this.pieces.set(group.key, [...rows, m]);
    // All pieces are in: the last one speaks for the whole message, the others' rows go.
    this.pieces.delete(group.key);
    for (const row of rows) this.show(row, { kind: 'hidden' });
    const whole = d.kind === 'status' && d.tone === 'info' ? wholeMessageStatus([...rows, m].map((r) => r.text), seen.mine) : null;
    if (whole) this.show(m, { kind: 'status', text: whole, tone: 'info' });
  }

  /** A message element the site rebuilt (view switch, re-render) is shown as before. */
  rerender(m: WatchedMessage): void {
    if (this.pending || this.stopped) return;
    const d = this.memory.decorations.get(m.text);
    if (!d || this.readers.has(m.textElement) || isDecorated(m.textElement)) return;
    this.show(m, d);
  }
}
