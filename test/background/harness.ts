/**
 * A whole background (stores, sessions, router, ports) on fake-indexeddb and fakeBrowser's
 * storage.session, plus fake ports and senders, so tests drive it the way the browser does.
 */
import { toHex } from '../../src/otr/bytes';
import 'fake-indexeddb/auto';
import { ConfigStore } from '../../src/background/config-store';
import { createHandlers } from '../../src/background/handlers';
import { openDatabase } from '../../src/background/idb';
import { KeyStore, type KekCache } from '../../src/background/key-store';
import { cryptoRandom, inlineGenerator } from '../../src/background/keygen';
import { PortHub } from '../../src/background/port-hub';
import { createRouter, type PortLike, type SenderInfo } from '../../src/background/router';
import { invitationFor } from '../../src/background/invitation-text';
import { SessionManager } from '../../src/background/session-manager';
import { ConversationKey } from '../../src/background/conversation-key';
import { followIdentity } from '../../src/background/conversation-life';
import { ConversationStore } from '../../src/background/conversation-store';
import type { OtrEnv } from '../../src/otr/index';
import { sessionStoragePersistence } from '../../src/background/session-persistence';
import { FrameTokens } from '../../src/background/tokens';
import { TrustStore } from '../../src/background/trust-store';
import { bufferPort } from '../../src/background/main';
import type { PayloadOf, Reply, RequestKind, ResponseOf } from '../../src/messaging/schema';
import { TEST_SCRYPT } from './helpers';

export const RUNTIME_ID = 'offrecord-test-id';
export const ORIGIN = `chrome-extension://${RUNTIME_ID}`;
export const ENV = { runtimeId: RUNTIME_ID, extensionOrigin: ORIGIN };

export const senders = {
  popup: { id: RUNTIME_ID, url: `${ORIGIN}/popup.html`, origin: ORIGIN } satisfies SenderInfo,
  options: { id: RUNTIME_ID, url: `${ORIGIN}/options.html`, origin: ORIGIN, tab: { id: 9 }, frameId: 0 } satisfies SenderInfo,
  content: (tabId = 1, frameId = 0): SenderInfo => ({ id: RUNTIME_ID, url: 'http://localhost:9000/', origin: 'http://localhost:9000', tab: { id: tabId }, frameId }),
  compose: (tabId = 1, frameId = 5): SenderInfo => ({ id: RUNTIME_ID, url: `${ORIGIN}/compose.html`, origin: ORIGIN, tab: { id: tabId }, frameId }),
  reader: (tabId = 1, frameId = 6): SenderInfo => ({ id: RUNTIME_ID, url: `${ORIGIN}/reader.html`, origin: ORIGIN, tab: { id: tabId }, frameId }),
  verify: (tabId = 1, frameId = 7): SenderInfo => ({ id: RUNTIME_ID, url: `${ORIGIN}/verify.html`, origin: ORIGIN, tab: { id: tabId }, frameId }),
};

export class FakePort implements PortLike {
  /**
   * What the background posted, as the frame acts on it: a reader's text that carries the
   * security mark (port-hub.ts serveReader) counts as the mark, then the text, so tests read
   * marks and texts alike however they travelled. `wire` holds each message as it was sent.
   */
  posted: unknown[] = [];
  wire: unknown[] = [];
  disconnected = false;
  private messageListeners: ((m: unknown) => void)[] = [];
  private disconnectListeners: (() => void)[] = [];
  constructor(
    readonly name: string,
    readonly sender: SenderInfo,
  ) {}
  postMessage(m: unknown) {
    const copy = JSON.parse(JSON.stringify(m)) as { type?: string; mark?: unknown };
    this.wire.push(copy);
    if (copy.type !== 'mark' && copy.mark !== undefined) {
      const { mark, ...rest } = copy;
      this.posted.push({ type: 'mark', mark }, rest);
    } else this.posted.push(copy);
  }
  disconnect() {
    this.disconnected = true;
    for (const l of this.disconnectListeners) l();
  }
  onMessage = { addListener: (fn: (m: unknown) => void) => void this.messageListeners.push(fn) };
  onDisconnect = { addListener: (fn: () => void) => void this.disconnectListeners.push(fn) };
  /** What the other end posts. */
  deliver(m: unknown) {
    for (const l of this.messageListeners) l(m);
  }
  of<T>(type: string): T[] {
    return this.posted.filter((m) => (m as { type?: string }).type === type) as T[];
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

export type Background = Awaited<ReturnType<typeof makeBackground>>;

export interface BackgroundOptions {
  env?: OtrEnv;
  maxConversations?: number;
  kekCache?: KekCache;
}

/** `dbName` and `prefix` stay the same across a simulated worker restart. */
export async function makeBackground(dbName: string, prefix: string, opts: BackgroundOptions = {}) {
  const db = await openDatabase(dbName);
  const keys = new KeyStore(db, { generator: inlineGenerator, random: cryptoRandom, scrypt: TEST_SCRYPT, ...(opts.kekCache ? { kekCache: opts.kekCache } : {}) });
  const conversationKey = new ConversationKey(db, cryptoRandom, keys);
  keys.onReseal((previous, next) => conversationKey.resealed(previous, next));
  const store = new ConversationStore(db, conversationKey, cryptoRandom);
  const trust = new TrustStore(db);
  const config = new ConfigStore(db, cryptoRandom);
  const tokens = new FrameTokens(cryptoRandom);
  const hub = new PortHub(tokens);
  const sessions = new SessionManager({
    keys,
    trust,
    persistence: sessionStoragePersistence(prefix),
    store,
    env: opts.env ?? { random: cryptoRandom, now: Date.now },
    ...(opts.maxConversations ? { maxConversations: opts.maxConversations } : {}),
    notify: (e) => hub.broadcast(e),
    toContent: (tab, push) => hub.toContent(tab, push),
    invitation: async (account) => invitationFor(account, (await config.settings()).storeLinks),
  });
  hub.attach(sessions);
  hub.attachMark(() => config.securityMark());
  keys.onStatus((status) => void followIdentity(status, conversationKey, sessions.life));
  await keys.init();
  await keys.whenReady();
  // As main.ts: the Privacy setting is known before the plaintext cache is restored.
  sessions.retention = (await config.settings()).historyRetention;
  await sessions.restore();
  const router = createRouter(ENV, createHandlers({ keys, trust, config, sessions, tokens }), hub);
  async function ask<K extends RequestKind>(sender: SenderInfo, kind: K, payload: PayloadOf<K>): Promise<ResponseOf<K>> {
    const reply = (await router.handleMessage({ kind, payload }, sender)) as Reply<ResponseOf<K>>;
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.value;
  }
  function connect(name: string, sender: SenderInfo): FakePort {
    const port = new FakePort(name, sender);
    router.handleConnect(bufferPort(port));
    return port;
  }
  /**
   * A frame says hello on its port and is claimed by the content script that placed it, as in the
   * browser (frame-claims.ts): the nonce the frame said and the token go back in content.frameClaim.
   * `content`: the claiming content script (by default frame 0 of the frame's tab).
   */
  async function present(frame: FakePort, token: string, opts: { content?: SenderInfo; messageId?: string } = {}): Promise<boolean> {
    const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
    frame.deliver({ type: 'hello', nonce, ...(opts.messageId ? { messageId: opts.messageId } : {}) });
    await settle();
    // A port the background refused said nothing: a claim would wait for its hello in vain.
    if (frame.disconnected) return false;
    const claimed = await ask(opts.content ?? senders.content(frame.sender.tab?.id), 'content.frameClaim', { token, nonce }).then(
      (r) => r.claimed,
      () => false,
    );
    await settle();
    return claimed;
  }
  return { db, keys, trust, config, sessions, store, conversationKey, tokens, hub, router, ask, connect, present, close: () => db.close() };
}
