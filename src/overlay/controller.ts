/**
 * One conversation shown in the page: registers it with the background, keeps the lock, the
 * compose frame and the reader frames in place, feeds live OTR texts to the background and
 * sends what it hands back. Sees ciphertext and public state only (DESIGN.md §1).
 */
import type { ConversationRef, SiteAdapter } from '../adapters/core/types';
import type { WatchedMessage } from '../adapters/core/watcher';
import { request, requestsKeepOrder } from '../messaging/client';
import { frameToHost } from '../messaging/frame-host';
import { messageIdOf } from '../messaging/message-id';
import type { ContentPush } from '../messaging/ports';
import type { ConversationView, IncomingResult } from '../messaging/types';
import { HistoryBatches } from './history-feed';
import { InOrder } from './in-order';
import { clearStatus, isDecorated, statusLine, verifyFrame } from './frames';
import { frameGone, fromFrame } from './frame-claims';
import { ComposeBox } from './compose-box';
import { ReaderFrames } from './readers';
import { Lock, NEUTRAL_SUBJECT, type LockAction } from './lock';
import { normaliseMailElement, setSubjectField } from '../adapters/core/mail-dom';
import { WireSender } from './sender';
import { holdForReply, takeHeld } from './mail-outbox';
import { openAttach, sendAttachments } from './mail-files';
import { msg, t } from '../ui/i18n';
import { classify, isEarlierFragment, mayBeOtr } from '../otr/classify';
import { isGroupText, roomDecoration } from './room-posts';
import { earlierDecoration, feedsEngine, pieceGroup, wholeMessageStatus, readerOnArrival, replyDecoration, type Decoration, type SeenMessage } from './decisions';

export type { Decoration };

/** The same conversation of the same account (a site names both). */
export const sameConversation = (a: ConversationRef, b: ConversationRef): boolean => a.peerId === b.peerId && a.account === b.account;

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
  private readonly compose: ComposeBox;
  private verify: HTMLIFrameElement | null = null;
  private readonly readers: ReaderFrames;
  /** Rows of fragmented messages whose last piece has not come yet, by piece group. */
  private readonly pieces = new Map<string, Array<Pick<WatchedMessage, 'element' | 'textElement' | 'text'>>>();
  /** Messages seen before registration finished, and the feed chain (one at a time, in order). */
  private pending: WatchedMessage[] | null = [];
  private chain: Promise<void> = Promise.resolve();
  private answers = new InOrder();
  private readonly history = new HistoryBatches<{ m: WatchedMessage; seen: SeenMessage; early: boolean }>(
    (step) => this.queue(step, false),
    (batch) => this.feedHistory(batch),
  );
  private placeTimer = 0;
  /** Messages that arrived while OffRecord was locked: fed again once it is unlocked. */
  private lockedMessages: WatchedMessage[] = [];
  private stopped = false;
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
    this.viewKnown = new Promise((resolve) => (this.firstView = resolve));
    this.lock = new Lock(doc, (a) => void this.action(a), ref.kind === 'channel');
    this.compose = new ComposeBox(doc, adapter, this.lock, {
      conversationId: () => this.conversationId,
      wanted: () => this.needsCompose(),
      stopped: () => this.stopped,
    });
    this.sender = new WireSender(doc, adapter, {
      sending: (t) => {
        this.compose.sending();
        hooks.sent?.(t);
      },
      notice: (t) => this.lock.showNotice(t),
      refocus: (wasInFrame) => this.compose.refocus(wasInFrame),
      composeFocused: () => this.compose.focused(),
      focusedFrame: () => {
        const active = doc.activeElement;
        return active instanceof HTMLIFrameElement && active.matches('iframe[data-offrecord=verify], iframe[data-offrecord=attach]') ? active : null;
      },
      hold: adapter.mail ? (t) => this.holdForReply(t) : undefined,
      shown: () => this.shown(),
    });
    this.readers = new ReaderFrames(doc, () => this.conversationId, (t) => this.lock.showNotice(t));
    if (adapter.mail || adapter.uploads) this.readers.onFileRequest = (reader, origin) => void sendAttachments(doc, adapter, reader, origin).catch((e: unknown) => this.lock.showNotice(msg('notice_attachment_fetch_failed', (e as Error).message)));
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
    this.placeTimer = win.setInterval(() => this.compose.place(), 250);
    win.addEventListener('resize', this.compose.place);
    this.compose.start();
    this.compose.place();
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
    win.removeEventListener('resize', this.compose.place);
    this.compose.stop();
    this.readers.stop();
    this.lock.destroy();
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
      ...(this.ref.kind ? { kind: this.ref.kind } : {}),
    };
    const view = await request('content.register', payload);
    if (this.stopped) return;
    this.compose.forget();
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
    else if (push.type === 'frame-gone') frameGone(push.token);
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
    this.compose.sync();
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
      if (!fromFrame(e, f) || frameToHost(e.data)?.offrecord !== 'close-verify') return;
      f.remove();
      if (this.verify === f) this.verify = null;
      win.removeEventListener('message', onMessage);
    };
    win.addEventListener('message', onMessage);
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
      if (a === 'private-box') return this.compose.useSiteBox(false);
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
    const when = readerOnArrival(seen, (this.view?.state === 'unverified' || this.view?.state === 'private') && !this.view.locked);
    const early = when !== null;
    const reader = when ? this.readers.add(m.textElement, messageIdOf(m.text), when === 'now', undefined, true) : undefined;
    if (this.batched(m, seen, early)) return;
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
    if (!feedsEngine(seen)) return quiet ? undefined : this.answers.handle(Promise.resolve(), () => this.show(m, this.memory.decorations.get(m.text) ?? earlierDecoration(seen), seen));
    const id = this.conversationId;
    if (!id || this.stopped) return;
    // History is fed too (once; the background keeps what it processed) but never answered,
    // except to continue an AKE: the background filters `send` (history-replies.ts).
    // Our own: the background knows which are echoes of what it sent (its `sent` list).
    const asked = request('content.incoming', {
      conversationId: id, text: m.text, history: m.history, ...(seen.mine ? { mine: true } : {}), ...(reader ? { reader } : {}), ...(this.adapter.mail ? { mail: true } : {}),
    });
    const handled = this.answers.handle(asked, (result) => this.answered(m, seen, result, early, quiet));
    // A piece before the last only has to reach the background before the next one, and the
    // port keeps that order: the next piece goes now, not after this one's answer waited for
    // the background's write (on IRC nearly every private message is two pieces or more).
    if (!isEarlierFragment(seen.wire) || !requestsKeepOrder()) return handled;
    handled.catch((e: unknown) => this.lock.showNotice(msg('notice_error', (e as Error).message)));
  }

  /**
   * History of one scan goes in one request (history-feed.ts). Not our own history (no engine)
   * nor mail (a mail's query is held for Start even from history, content.incoming `mail`).
   */
  private batched(m: WatchedMessage, seen: SeenMessage, early = false): boolean {
    if (!m.history || !feedsEngine(seen) || this.adapter.mail) return false;
    this.history.add({ m, seen, early });
    return true;
  }

  /** History of one scan, in page order: fed and written at once, then each shown as answered. */
  private async feedHistory(batch: Array<{ m: WatchedMessage; seen: SeenMessage; early: boolean }>): Promise<void> {
    const id = this.conversationId;
    if (!id || this.stopped) return;
    const { results } = await request('content.history', { conversationId: id, texts: batch.map((b) => b.m.text) });
    batch.forEach(({ m, seen, early }, i) => {
      const result = results[i] ?? { error: { code: 'internal', message: 'no answer' } };
      this.answered(m, seen, 'error' in result ? { messageId: messageIdOf(m.text), display: 'error', send: [] } : result, early, false);
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
    const d = m.history && result.display === 'dropped' ? { kind: 'status' as const, text: msg('room_post_read_earlier'), tone: 'info' as const } : roomDecoration(result);
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
