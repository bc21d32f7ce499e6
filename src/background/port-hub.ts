/**
 * Live ports: popup/options event listeners, content scripts by (tab, frame), and frames bound
 * by their one-time token. Frames are the only place plaintext is posted to: a reader frame gets
 * the plaintext of the message its token names, a compose frame's text goes to the engine.
 */
import { contentPush } from './content-view';
import { SchemaError } from '../messaging/check';
import { frameRoleOf, type FrameRole } from '../messaging/frames';
import { frameHello, frameSend, frameTyping, frameVerify, type BackgroundToFrame, type ContentPush, type PushEvent } from '../messaging/ports';
import { isStoreError, storeFail } from './errors';
import type { From, PortHandlers, PortLike } from './router';
import type { SessionManager, TabRef } from './session-manager';
import type { FrameTokens, TokenGrant } from './tokens';
import type { RoomManager } from './rooms/room-manager';
import type { SecurityMark } from '../messaging/types';

/** How long a reader placed on arrival waits for its message to be decrypted. */
const PENDING_READER_MS = 10_000;
/**
 * Frames claimed within this long of each other share one read of the security mark: a screenful
 * of history claims ~40 readers at once, and each read waited its turn in IndexedDB behind the
 * history's own writes. A mark drawn anew is read again at once (forgetMark).
 */
const MARK_SHARED_MS = 1_000;

const tabKey = (t: TabRef) => `${t.tabId}:${t.frameId}`;

/**
 * Posts on a port that may have closed meanwhile (Chromium throws "Attempting to use a
 * disconnected port object"): false if it did, and the caller forgets the port.
 */
function postTo(port: PortLike, message: unknown): boolean {
  try {
    port.postMessage(message);
    return true;
  } catch {
    return false;
  }
}

export class PortHub implements PortHandlers {
  private eventPorts = new Set<PortLike>();
  private contentPorts = new Map<string, PortLike>();
  private framePorts = new Map<PortLike, { conversationId: string; role: FrameRole }>();
  private sessions!: SessionManager;
  private rooms: RoomManager | null = null;
  private securityMark: (() => Promise<SecurityMark>) | null = null;
  private markRead: { at: number; mark: Promise<SecurityMark> } | null = null;

  constructor(private readonly tokens: FrameTokens) {}

  attach(sessions: SessionManager): void {
    this.sessions = sessions;
  }

  /** Where the security mark comes from: claimed frames alone get it (issue 17 item 1). */
  attachMark(mark: () => Promise<SecurityMark>): void {
    this.securityMark = mark;
    this.markRead = null;
  }

  /** A new mark was drawn (security.newMark). */
  forgetMark(): void {
    this.markRead = null;
  }

  private mark(read: () => Promise<SecurityMark>): Promise<SecurityMark> {
    const now = Date.now();
    if (!this.markRead || now - this.markRead.at > MARK_SHARED_MS) {
      const mark = read().catch((e: unknown) => {
        if (this.markRead?.mark === mark) this.markRead = null;
        throw e;
      });
      this.markRead = { at: now, mark };
    }
    return this.markRead.mark;
  }

  /** A channel with an active private room: its compose frame posts to the room (issue 13). */
  attachRooms(rooms: RoomManager): void {
    this.rooms = rooms;
  }

  /** One port that went without our hearing of it never keeps the others from their push. */
  broadcast(event: PushEvent): void {
    for (const p of [...this.eventPorts]) if (!postTo(p, event)) this.eventPorts.delete(p);
    if (event.type === 'conversation') {
      for (const [p, b] of [...this.framePorts]) {
        if (b.conversationId !== event.view.id) continue;
        // Waiting texts go to compose frames only (extension origin), never to the page.
        const ok =
          postTo(p, { type: 'conversation', view: event.view } satisfies BackgroundToFrame) &&
          (b.role !== 'compose' || postTo(p, { type: 'queued', items: this.sessions.queuedTexts(b.conversationId) } satisfies BackgroundToFrame));
        if (!ok) this.framePorts.delete(p);
      }
    }
  }

  toContent(tab: TabRef, push: ContentPush): void {
    const key = tabKey(tab);
    const port = this.contentPorts.get(key);
    if (port && !postTo(port, contentPush(push)) && this.contentPorts.get(key) === port) this.contentPorts.delete(key);
  }

  events(port: PortLike): void {
    this.eventPorts.add(port);
    port.onDisconnect.addListener(() => this.eventPorts.delete(port));
  }

  content(port: PortLike, from: From): void {
    const key = tabKey({ tabId: from.tabId!, frameId: from.frameId! });
    this.contentPorts.set(key, port);
    // What content scripts post on the port are requests, which the router answers.
    port.onDisconnect.addListener(() => {
      if (this.contentPorts.get(key) === port) this.contentPorts.delete(key);
    });
  }

  frame(port: PortLike, from: From): void {
    let greeted = false;
    let nonce: string | null = null;
    let closed = false;
    /** What the frame was claimed for, once it was. */
    let claimed: { grant: TokenGrant; token: string } | null = null;
    const post = (m: BackgroundToFrame) => {
      if (!closed && !postTo(port, m)) closed = true;
    };
    const fail = (code: string, message: string) => {
      post({ type: 'error', code, message });
      try {
        port.disconnect();
      } catch {
        // closed already
      }
    };
    const guard = async (step: () => Promise<void>) => {
      try {
        await step();
      } catch (e) {
        if (e instanceof SchemaError) return fail('schema', e.message);
        if (isStoreError(e)) return fail(e.code, e.message);
        return fail('internal', String(e));
      }
    };
    port.onDisconnect.addListener(() => {
      closed = true;
      this.framePorts.delete(port);
      if (nonce) this.tokens.forget(nonce);
      if (!claimed) return;
      const { grant, token } = claimed;
      this.tokens.left(from.tabId, from.frameId, grant, token);
      // A reader closes its port once it shows its text. Any other frame keeps its port while
      // its page lives: closed, that page went, and the element may now show the page's own
      // document (srcdoc, its address), so the content script that placed it is told.
      if (grant.role !== 'reader') this.toContent({ tabId: grant.tabId, frameId: grant.frameId }, { type: 'frame-gone', conversationId: grant.conversationId, token });
    });
    port.onMessage.addListener((message) => {
      if (greeted) return;
      void guard(async () => {
        const hello = frameHello(message, 'frame');
        greeted = true;
        // The frame posted the same nonce to its parent window; the content script that placed it
        // claims it with the token (tokens.ts). Until then this port gets nothing.
        const fresh = this.tokens.hello(hello.nonce, frameRoleOf(from.context) ?? 'reader', from.tabId, from.frameId, (grant, token) => {
          nonce = null;
          claimed = { grant, token };
          void guard(() => this.granted(port, from, grant, token, hello.messageId, post, fail, () => closed));
        });
        if (!fresh) return fail('token', 'that nonce was said already');
        nonce = hello.nonce;
      });
    });
  }

  /** The frame was claimed by the content script that placed it: it now serves its grant. */
  private async granted(
    port: PortLike,
    from: From,
    grant: TokenGrant,
    token: string,
    helloMessageId: string | undefined,
    post: (m: BackgroundToFrame) => void,
    fail: (code: string, message: string) => void,
    closed: () => boolean,
  ): Promise<void> {
    const role = grant.role;
    const mark = this.securityMark ? await this.mark(this.securityMark) : undefined;
    // The frame went while the mark was read: its disconnect was heard already, so a port kept
    // now would stay for good (and every push to its conversation would post to a dead port).
    if (closed()) {
      this.tokens.served(token);
      return;
    }
    this.framePorts.set(port, { conversationId: grant.conversationId, role });
    if (role === 'reader') return this.serveReader(port, from, grant, token, helloMessageId, mark, post, fail);
    if (mark) post({ type: 'mark', mark });
    post({ type: 'ready', role, conversationId: grant.conversationId, view: await this.sessions.viewOf(grant.conversationId) });
    if (role === 'compose') {
      post({ type: 'queued', items: this.sessions.queuedTexts(grant.conversationId) });
      port.onMessage.addListener((m) => void this.composeSend(port, m, grant.conversationId, { tabId: grant.tabId, frameId: grant.frameId }, from));
    } else if (role === 'verify') {
      port.onMessage.addListener((m) => void this.verifyAction(port, m, grant.conversationId, { tabId: grant.tabId, frameId: grant.frameId }));
    }
  }

  /**
   * A reader needs no view, only its plaintext, as soon as there is one. Text at hand goes in one
   * message with the mark: a screenful of history readers loads on one busy renderer thread,
   * where a second message waited behind every other frame's work (npm run bench's history
   * page: ~0.3 s). A reader that waits for its text shows its mark meanwhile.
   */
  private async serveReader(
    port: PortLike,
    from: From,
    grant: TokenGrant,
    token: string,
    helloMessageId: string | undefined,
    mark: SecurityMark | undefined,
    post: (m: BackgroundToFrame) => void,
    fail: (code: string, message: string) => void,
  ): Promise<void> {
    let markDue = mark;
    const markNow = () => {
      if (markDue) post({ type: 'mark', mark: markDue });
      markDue = undefined;
    };
    const deliver = async (messageId: string) => {
      let files = this.sessions.filesFor(grant.conversationId, messageId);
      let text = await this.sessions.plaintextFor(grant.conversationId, messageId, from.tabId);
      if (text === null && grant.pending) {
        markNow();
        await this.sessions.whenReceived(grant.conversationId, messageId, PENDING_READER_MS);
        files = this.sessions.filesFor(grant.conversationId, messageId);
        text = await this.sessions.plaintextFor(grant.conversationId, messageId, from.tabId);
      }
      const withMark = markDue ? { mark: markDue } : {};
      markDue = undefined;
      // A file's key goes only with its message's text, to the same reader frame.
      post(text === null ? { type: 'unavailable', messageId, ...withMark } : { type: 'plaintext', messageId, text, ...(files.length ? { files } : {}), ...withMark });
    };
    const messageId = grant.messageId ?? (grant.pending ? helloMessageId : undefined);
    // From here a message named for this frame (tokens.bind) is told by park's deliver.
    this.tokens.served(token);
    if (messageId) return await deliver(messageId);
    markNow();
    if (!grant.pending) return fail('token', 'a reader must name its message');
    // A warm reader (loaded ahead, then moved into the message's row): its content script
    // names the message with that message's feed (tokens.bind).
    const unpark = this.tokens.park(token, grant, (id) => void deliver(id).catch((e: unknown) => fail('internal', String(e))));
    port.onDisconnect.addListener(unpark);
  }

  /**
   * A compose or verify frame says a key was pressed (no key, no text): relayed to the content
   * script that placed the frame only, never through the page, so that an insert into the site's
   * box waits for the user's pause (sender.ts). False for any other message.
   */
  private typing(message: unknown, conversationId: string, tab: TabRef): boolean {
    if ((message as { type?: unknown } | null)?.type !== 'typing') return false;
    frameTyping(message, 'frame');
    this.toContent(tab, { type: 'typing', conversationId });
    return true;
  }

  /** SMP and trust from the verify frame, for its token's conversation alone (item 8). */
  private async verifyAction(port: PortLike, message: unknown, conversationId: string, tab: TabRef): Promise<void> {
    try {
      if (this.typing(message, conversationId, tab)) return;
      const { action, secret, question } = frameVerify(message, 'frame');
      const needSecret = () => secret ?? storeFail('invalid', 'a secret is needed');
      const view =
        action === 'smp.start'
          ? await this.sessions.smpStart(conversationId, needSecret(), question)
          : action === 'smp.answer'
            ? await this.sessions.smpAnswer(conversationId, needSecret())
            : action === 'smp.abort'
              ? await this.sessions.smpAbort(conversationId)
              : await this.sessions.verifyManual(conversationId);
      postTo(port, { type: 'conversation', view } satisfies BackgroundToFrame);
    } catch (e) {
      const code = e instanceof SchemaError ? 'schema' : isStoreError(e) ? e.code : 'internal';
      postTo(port, { type: 'error', code, message: e instanceof Error ? e.message : String(e) } satisfies BackgroundToFrame);
    }
  }

  private async composeSend(port: PortLike, message: unknown, conversationId: string, tab: TabRef, from: From): Promise<void> {
    if (from.context !== 'compose-frame') return;
    try {
      if (this.typing(message, conversationId, tab)) return;
      const { text } = frameSend(message, 'frame');
      const ref = this.sessions.refOf(conversationId);
      const room = this.rooms?.activeRoom(ref.site, ref.account, ref.peer);
      if (room) {
        this.rooms!.showing(ref.site, ref.account, ref.peer, tab, conversationId, ref.fragmentSize);
        await this.rooms!.post(room, text, tab);
        postTo(port, { type: 'sent', queued: false } satisfies BackgroundToFrame);
        return;
      }
      const { queued } = await this.sessions.send(conversationId, text, tab);
      postTo(port, { type: 'sent', queued } satisfies BackgroundToFrame);
    } catch (e) {
      const code = e instanceof SchemaError ? 'schema' : isStoreError(e) ? e.code : 'internal';
      postTo(port, { type: 'error', code, message: e instanceof Error ? e.message : String(e) } satisfies BackgroundToFrame);
    }
  }
}
