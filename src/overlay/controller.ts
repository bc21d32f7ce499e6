/**
 * One conversation shown in the page: registers it with the background, keeps the lock, the
 * compose frame and the reader frames in place, feeds live OTR texts to the background and
 * sends what it hands back. Sees ciphertext and public state only (DESIGN.md §1).
 */
import type { ConversationRef, SiteAdapter } from '../adapters/core/types';
import { request, RequestError } from '../messaging/client';
import { messageIdOf } from '../messaging/message-id';
import type { ContentPush } from '../messaging/ports';
import type { ConversationView } from '../messaging/types';
import { POLICY_MANUAL } from '../otr/policy';
import { queryMessage } from '../otr/query';
import { composeFrame, placeOver, readerFrame, statusLine, verifyFrame } from './frames';
import { Lock, type LockAction } from './lock';
import { WireSender } from './sender';
import { MessageWatcher, type ConversationMemory, type WatchedMessage } from './watcher';
import { wireKind, statusText, looksLikeOtr } from './wire-kind';

export class ConversationController {
  view: ConversationView | null = null;
  private readonly lock: Lock;
  private readonly sender: WireSender;
  private readonly watcher: MessageWatcher;
  private compose: HTMLIFrameElement | null = null;
  private verify: HTMLIFrameElement | null = null;
  private readonly readers = new Map<Element, string>(); // text element -> message id
  private readonly io: IntersectionObserver;
  private readonly ownTexts = new Set<string>();
  private placeTimer = 0;
  private stopped = false;

  constructor(
    private readonly doc: Document,
    private readonly adapter: SiteAdapter,
    readonly ref: ConversationRef,
    memory: ConversationMemory,
  ) {
    const win = doc.defaultView!;
    this.lock = new Lock(doc, (a) => void this.action(a));
    this.sender = new WireSender(doc, adapter, {
      sent: (t) => this.ownTexts.add(t),
      notice: (t) => this.lock.showNotice(t),
      refocus: () => this.compose?.focus(),
    });
    this.watcher = new MessageWatcher(doc, adapter, (m) => void this.onMessage(m), memory);
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
    await this.register();
    this.watcher.start();
    this.placeTimer = win.setInterval(() => this.place(), 250);
    win.addEventListener('resize', this.place);
    this.place();
  }

  stop(): void {
    this.stopped = true;
    const win = this.doc.defaultView!;
    win.clearInterval(this.placeTimer);
    win.removeEventListener('resize', this.place);
    this.watcher.stop();
    this.io.disconnect();
    this.lock.destroy();
    this.compose?.remove();
    this.verify?.remove();
  }

  /** Also after a worker restart: ports died, so frames need fresh tokens. */
  async register(): Promise<void> {
    const payload = { site: this.adapter.id, account: this.ref.account, peer: this.ref.peerId, title: this.ref.title };
    this.setView(await request('content.register', payload));
    if (this.compose) {
      this.compose.remove();
      this.compose = null;
      this.syncCompose();
    }
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
    const placeholder = this.doc.createElement('iframe'); // reserve the slot against double opens
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
    if (!id || this.verify) return;
    const { token } = await request('content.frameToken', { conversationId: id, role: 'compose' });
    const f = verifyFrame(this.doc, token);
    this.verify = f;
    this.doc.body.append(f);
    // The frame asks to be closed through a message carrying no data but its own name.
    const onMessage = (e: MessageEvent) => {
      if (e.source === f.contentWindow && e.data === 'offrecord:close-verify') {
        f.remove();
        if (this.verify === f) this.verify = null;
        this.doc.defaultView?.removeEventListener('message', onMessage);
      }
    };
    this.doc.defaultView?.addEventListener('message', onMessage);
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
      if (a === 'start' && e instanceof RequestError && e.code === 'sender') {
        // The background does not take 'start' from content scripts yet: asking with a query
        // message is what starting means on the wire anyway, and it is public.
        this.sender.enqueue(queryMessage(POLICY_MANUAL, this.ref.account).split('\n').slice(0, 1));
        return;
      }
      this.lock.showNotice(`OffRecord: ${(e as Error).message}`);
    }
  }

  private async onMessage(m: WatchedMessage): Promise<void> {
    if (!looksLikeOtr(m.wire)) return;
    const kind = wireKind(m.wire);
    const own = m.direction === 'outgoing' || this.ownTexts.has(m.wire);
    if (m.origin !== 'live') return this.showEarlier(m, kind, own);
    // Our own handshake or fragments must not reach our engine: it would answer itself.
    if (own && kind !== 'data') return void statusLine(this.doc, m.textElement, statusText(kind, true));
    const id = this.conversationId;
    if (!id) return;
    try {
      const result = await request('content.incoming', { conversationId: id, text: m.wire });
      if (result.send.length > 0) this.sender.enqueue(result.send);
      if (result.display === 'encrypted') this.queueReader(m.textElement, result.messageId);
      else if (result.display === 'error') statusLine(this.doc, m.textElement, 'Encrypted message could not be verified or read', 'warn');
      else if (result.display === 'duplicate') this.showEarlier(m, kind, own);
      else if (result.display === 'hidden') statusLine(this.doc, m.textElement, statusText(kind, own));
    } catch (e) {
      this.lock.showNotice(`OffRecord: ${(e as Error).message}`);
    }
  }

  /** History: data messages get a reader (cached plaintext, or why not); the rest a status line. */
  private showEarlier(m: WatchedMessage, kind: ReturnType<typeof wireKind>, own: boolean): void {
    if (kind === 'data') this.queueReader(m.textElement, messageIdOf(m.wire));
    else statusLine(this.doc, m.textElement, statusText(kind, own));
  }

  private queueReader(textElement: HTMLElement, messageId: string): void {
    if (this.readers.has(textElement)) return;
    this.readers.set(textElement, messageId);
    this.io.observe(textElement);
  }

  /** Only for messages on screen: a long history stays light. */
  private async showReader(textElement: HTMLElement): Promise<void> {
    const messageId = this.readers.get(textElement);
    const id = this.conversationId;
    this.io.unobserve(textElement);
    if (!messageId || !id || textElement.querySelector('[data-offrecord=reader]')) return;
    try {
      const { token } = await request('content.frameToken', { conversationId: id, role: 'reader', messageId });
      readerFrame(this.doc, textElement, token);
    } catch (e) {
      this.lock.showNotice(`OffRecord could not show a message: ${(e as Error).message}`);
    }
  }
}
