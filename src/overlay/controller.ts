/**
 * One conversation shown in the page: registers it with the background, keeps the lock, the
 * compose frame and the reader frames in place, feeds live OTR texts to the background and
 * sends what it hands back. Sees ciphertext and public state only (DESIGN.md §1).
 */
import type { ConversationRef, SiteAdapter } from '../adapters/core/types';
import type { WatchedMessage } from '../adapters/core/watcher';
import { request } from '../messaging/client';
import { messageIdOf } from '../messaging/message-id';
import type { ContentPush } from '../messaging/ports';
import type { ConversationView } from '../messaging/types';
import { composeFrame, isDecorated, placeOver, readerFrame, statusLine, verifyFrame } from './frames';
import { Lock, type LockAction } from './lock';
import { WireSender } from './sender';
import { classify, mayBeOtr, type WireText } from '../otr/classify';
import { statusText } from './decisions';

/** How a message was shown, by its wire text, so a re-rendered element is shown the same way. */
export type Decoration = { kind: 'reader'; messageId: string } | { kind: 'status'; text: string; tone: 'info' | 'warn' };

/** Kept per conversation for the page's lifetime (switching views and back). */
export interface ConversationMemory {
  decorations: Map<string, Decoration>;
}

export interface ControllerHooks {
  /** A wire text went out through the site (the generic adapter learns its own messages). */
  sent?(text: string): void;
}

export class ConversationController {
  view: ConversationView | null = null;
  private readonly lock: Lock;
  private readonly sender: WireSender;
  private compose: HTMLIFrameElement | null = null;
  private verify: HTMLIFrameElement | null = null;
  /** Reader frames waiting to come on screen: text element -> message id. */
  private readonly readers = new Map<Element, string>();
  private readonly io: IntersectionObserver;
  /** Wire texts this page sent (own echoes are fed only when they are ours). */
  private readonly ownTexts = new Set<string>();
  /** Messages seen before registration finished, and the feed chain (one at a time, in order). */
  private pending: WatchedMessage[] | null = [];
  private chain: Promise<void> = Promise.resolve();
  private placeTimer = 0;
  private stopped = false;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    readonly ref: ConversationRef,
    private readonly memory: ConversationMemory,
    hooks: ControllerHooks = {},
  ) {
    const win = doc.defaultView!;
    this.lock = new Lock(doc, (a) => void this.action(a));
    this.sender = new WireSender(doc, adapter, {
      sending: (t) => {
        this.ownTexts.add(t);
        hooks.sent?.(t);
      },
      notice: (t) => this.lock.showNotice(t),
      // Only when inserting moved focus into the site's box (rich editors need it there).
      refocus: () => {
        const composer = adapter.composer(doc);
        if (composer && (doc.activeElement === composer || composer.contains(doc.activeElement))) this.compose?.focus();
      },
    });
    this.io = new win.IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) void this.showReader(e.target as HTMLElement);
    });
  }

  get conversationId(): string | undefined {
    return this.view?.id;
  }

  async start(): Promise<void> {
    const win = this.doc.defaultView!;
    this.doc.body.append(this.lock.host);
    this.placeTimer = win.setInterval(() => this.place(), 250);
    win.addEventListener('resize', this.place);
    this.place();
    await this.register();
    const early = this.pending ?? [];
    this.pending = null;
    for (const m of early) this.handle(m);
  }

  stop(): void {
    this.stopped = true;
    const win = this.doc.defaultView!;
    win.clearInterval(this.placeTimer);
    win.removeEventListener('resize', this.place);
    this.io.disconnect();
    this.lock.destroy();
    this.compose?.remove();
    this.verify?.remove();
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
    this.setView(view);
  }

  onPush(push: ContentPush): void {
    if (this.stopped) return;
    if (push.type === 'send') this.sender.enqueue(push.texts);
    else if (push.type === 'conversation') this.setView(push.view);
    else if (push.type === 'fingerprint-changed')
      this.lock.showNotice(`Warning: ${this.ref.peerId}'s key changed (was ${push.previous}). Check it in the OffRecord popup.`, 0);
    else if (push.type === 'notice') this.lock.showNotice(push.text);
  }

  private setView(view: ConversationView): void {
    const before = this.view;
    this.view = view;
    this.lock.update(view);
    this.syncCompose();
    // Pidgin pops the dialog up when the buddy starts authenticating: so do we.
    if (view.smp.status === 'awaiting-answer' && before?.smp.status !== 'awaiting-answer') void this.openVerify();
  }

  /** Under 'always', or once a session exists, the site's own box is never typed in. */
  private needsCompose(): boolean {
    const v = this.view;
    return !!v && (v.policy === 'always' || v.state !== 'plaintext');
  }

  private syncCompose(): void {
    if (this.needsCompose() && !this.compose) void this.openCompose();
    else if (!this.needsCompose() && this.compose) {
      this.compose.remove();
      this.compose = null;
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
      this.doc.body.append(this.compose);
      this.place();
      if (hadFocus) this.compose.addEventListener('load', () => this.compose?.focus(), { once: true });
    } catch (e) {
      if (this.compose === placeholder) this.compose = null;
      this.lock.showNotice(`OffRecord could not open its private message box: ${(e as Error).message}`);
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
      if (e.source !== f.contentWindow || e.data !== 'offrecord:close-verify') return;
      f.remove();
      if (this.verify === f) this.verify = null;
      win.removeEventListener('message', onMessage);
    };
    win.addEventListener('message', onMessage);
  }

  private place = (): void => {
    const composer = this.adapter.composer(this.doc);
    if (!composer) return;
    const box = composer.getBoundingClientRect();
    this.lock.place(box);
    if (this.compose?.isConnected) placeOver(this.compose, box);
  };

  private async action(a: LockAction): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    try {
      if (a === 'verify') return await this.openVerify();
      this.setView(await request(a === 'start' ? 'conversation.start' : 'conversation.end', { conversationId: id }));
    } catch (e) {
      this.lock.showNotice(`OffRecord: ${(e as Error).message}`);
    }
  }

  /** A message the watcher found for this conversation (each element once). */
  handle(m: WatchedMessage): void {
    if (this.stopped) return;
    if (this.pending) {
      this.pending.push(m);
      return;
    }
    if (!mayBeOtr(m.text)) return;
    this.chain = this.chain.then(() => this.feed(m)).catch((e: unknown) => this.lock.showNotice(`OffRecord: ${(e as Error).message}`));
  }

  private async feed(m: WatchedMessage): Promise<void> {
    const wire = classify(m.text);
    const mine = m.direction === 'outgoing';
    // History (a reload's replay) and our own messages sent from elsewhere never feed the engine.
    if (m.history || (mine && !this.ownTexts.has(m.text))) return this.showEarlier(m.textElement, m.text, wire, mine);
    const id = this.conversationId;
    if (!id || this.stopped) return;
    const result = await request('content.incoming', { conversationId: id, text: m.text });
    if (result.send.length > 0) this.sender.enqueue(result.send);
    if (result.display === 'encrypted') this.decorate(m.textElement, m.text, { kind: 'reader', messageId: result.messageId });
    else if (result.display === 'error') this.decorate(m.textElement, m.text, { kind: 'status', text: 'Encrypted message could not be verified or read', tone: 'warn' });
    else if (result.display === 'duplicate') this.showEarlier(m.textElement, m.text, wire, mine);
    else if (result.display === 'hidden') this.decorate(m.textElement, m.text, { kind: 'status', text: statusText(wire, mine), tone: 'info' });
  }

  /** Data messages get a reader (cached plaintext, or why not); the rest a status line. */
  private showEarlier(textElement: HTMLElement, text: string, wire: WireText, mine: boolean): void {
    const known = this.memory.decorations.get(text);
    if (known) return this.decorate(textElement, text, known);
    if (wire.kind === 'encoded' && wire.type === 'data') this.decorate(textElement, text, { kind: 'reader', messageId: messageIdOf(text) });
    else this.decorate(textElement, text, { kind: 'status', text: statusText(wire, mine), tone: 'info' });
  }

  private decorate(textElement: HTMLElement, wire: string, d: Decoration): void {
    this.memory.decorations.set(wire, d);
    if (d.kind === 'status') statusLine(this.doc, textElement, d.text, d.tone);
    else if (!this.readers.has(textElement)) {
      this.readers.set(textElement, d.messageId);
      this.io.observe(textElement);
    }
  }

  /** After a scan: elements the site rebuilt (view switch, re-render) are shown as before. */
  redecorate(): void {
    if (this.pending || this.stopped) return;
    const list = this.adapter.messageList(this.doc);
    if (!list || this.memory.decorations.size === 0) return;
    for (const m of this.adapter.messages(list)) {
      if (isDecorated(m.textElement) || this.readers.has(m.textElement)) continue;
      const d = this.memory.decorations.get(m.text);
      if (d) this.decorate(m.textElement, m.text, d);
    }
  }

  /** Only for messages on screen: a long history stays light. */
  private async showReader(textElement: HTMLElement): Promise<void> {
    const messageId = this.readers.get(textElement);
    const id = this.conversationId;
    this.io.unobserve(textElement);
    if (!messageId || !id || isDecorated(textElement)) return;
    try {
      const { token } = await request('content.frameToken', { conversationId: id, role: 'reader', messageId });
      if (!this.stopped) readerFrame(this.doc, textElement, token);
    } catch (e) {
      this.lock.showNotice(`OffRecord could not show a message: ${(e as Error).message}`);
    }
  }
}
