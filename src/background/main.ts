/**
 * Builds the background: opens the database, loads the stores, restores conversations from
 * IndexedDB (and the plaintext cache from storage.session), and wires the router to the browser's message and port events. Listeners are
 * registered synchronously first (MV3 delivers the waking event only to listeners added in the
 * first turn) and wait for the services to be ready.
 */
import browser from 'webextension-polyfill';
import { invitationFor } from './invitation-text';
import { ConfigStore } from './config-store';
import { UserSiteScripts, type ScriptApis } from './content-scripts';
import { createHandlers, type Services } from './handlers';
import { openDatabase } from './idb';
import { KeyStore, type KekCache } from './key-store';
import { accountKey } from './key-records';
import { holdsSecrets } from './session-wire';
import { cryptoRandom, inlineGenerator, pageGenerator, type KeyGenerator } from './keygen';
import { PortHub } from './port-hub';
import { listenForWorkerFrames } from './worker-frames';
import { FRAMES } from '../messaging/frames';
import { createRouter, type Handlers, type PortLike, type SenderInfo } from './router';
import { StoreError, isStoreError } from './errors';
import { REQUEST_KINDS } from '../messaging/schema';
import { SessionManager } from './session-manager';
import { ConversationKey } from './conversation-key';
import { followIdentity } from './conversation-life';
import { ConversationStore } from './conversation-store';
import { sessionStoragePersistence } from './session-persistence';
import { FrameTokens } from './tokens';
import { TrustStore } from './trust-store';
import { RoomManager } from './rooms/room-manager';
import { RoomStore } from './rooms/room-store';
import { fromHex, toHex } from '../otr/bytes';

const kekCache: KekCache = {
  async get() {
    const v = (await browser.storage.session.get('offrecord-kek'))['offrecord-kek'];
    return typeof v === 'string' ? fromHex(v) : null;
  },
  async set(kek) {
    if (kek) await browser.storage.session.set({ 'offrecord-kek': toHex(kek) });
    else await browser.storage.session.remove('offrecord-kek');
  },
};

function chooseGenerator(): KeyGenerator {
  const hasOffscreen = !!(globalThis as { chrome?: { offscreen?: unknown } }).chrome?.offscreen;
  return hasOffscreen || typeof document !== 'undefined' ? pageGenerator : inlineGenerator;
}

export async function buildServices(hub: PortHub, tokens: FrameTokens, generator: KeyGenerator = chooseGenerator()): Promise<Services> {
  const db = await openDatabase();
  const keys = new KeyStore(db, { generator, random: cryptoRandom, kekCache });
  const trust = new TrustStore(db);
  const config = new ConfigStore(db, cryptoRandom);
  trust.contactLog = (await config.settings()).contactLog;
  const conversationKey = new ConversationKey(db, cryptoRandom, keys);
  keys.onReseal((previous, next) => conversationKey.resealed(previous, next));
  const sessions = new SessionManager({
    keys,
    trust,
    persistence: sessionStoragePersistence(),
    store: new ConversationStore(db, conversationKey, cryptoRandom),
    // Read at call time, so a test can move the clock inside this realm (expiry end to end).
    env: { random: cryptoRandom, now: () => Date.now() },
    notify: (e) => hub.broadcast(e),
    toContent: (tab, push) => hub.toContent(tab, push),
    invitation: async (account) => invitationFor(account, (await config.settings()).storeLinks),
  });
  // A conversation that is private or in a key exchange keeps its account's instance tag (item 7).
  keys.tagsInUse = () => [...sessions.life.records.values()].filter((r) => holdsSecrets(r.state)).map((r) => accountKey(r.site, r.account));
  hub.attach(sessions);
  hub.attachMark(() => config.securityMark());
  keys.onStatus((status) => {
    hub.broadcast({ type: 'identity', status });
    void followIdentity(status, conversationKey, sessions.life).catch((e: unknown) => console.warn('OffRecord: conversations after lock change:', e));
  });
  await keys.init().catch(() => undefined); // the error is in keys.status() for the popup
  const settings = await config.settings();
  sessions.retention = settings.historyRetention;
  sessions.life.idleDays = settings.idleDays;
  await sessions.restore();
  const rooms = new RoomManager({
    sessions, trust, store: new RoomStore(db, conversationKey, cryptoRandom), env: { random: cryptoRandom, now: Date.now },
    toContent: (tab, push) => hub.toContent(tab, push),
    changed: (site, account, channel) => sessions.roomChanged(site, account, channel),
  });
  sessions.roomOf = (site, account, channel) => rooms.summary(site, account, channel);
  hub.attachRooms(rooms);
  // Rooms are sealed like conversations: while OffRecord is locked they load at unlock.
  let roomsLoaded = false;
  const loadRooms = async (): Promise<void> => {
    if (roomsLoaded || keys.status().state !== 'ready') return;
    roomsLoaded = true;
    await rooms.restore().catch((e: unknown) => {
      roomsLoaded = false;
      console.warn('OffRecord: private rooms not loaded:', e);
    });
  };
  keys.onStatus(() => void loadRooms());
  await loadRooms();
  // Idle conversations also end while the chat is not open (whenever the background runs).
  setInterval(() => void sessions.life.sweep().catch(() => undefined), 60 * 60 * 1000);
  const scripts = new UserSiteScripts(browser as unknown as ScriptApis);
  const sitesChanged = () => {
    void config
      .sites()
      .then((sites) => scripts.sync(sites.filter((x) => !x.builtIn).flatMap((x) => x.origins)))
      .catch((e: unknown) => console.warn('OffRecord: content scripts for added sites:', e));
  };
  sitesChanged();
  return { keys, trust, config, sessions, tokens, sitesChanged, rooms, markChanged: () => hub.forgetMark() };
}

export function startBackground(): void {
  const tokens = new FrameTokens(cryptoRandom);
  const hub = new PortHub(tokens);
  const ready = buildServices(hub, tokens);
  const base = new URL(browser.runtime.getURL('/'));
  const frames = new URL(browser.runtime.getURL(`/${FRAMES.reader.page}` as '/reader.html'));
  const env = { runtimeId: browser.runtime.id, extensionOrigin: `${base.protocol}//${base.host}`, frameOrigin: `${frames.protocol}//${frames.host}` };
  // Storage that cannot even be opened (e.g. a database from a newer OffRecord) must still
  // reach the popup as a clear error, not as requests that never get an answer.
  const router = ready.then(
    (services) => createRouter(env, createHandlers(services), hub),
    (e: unknown) => createRouter(env, failedHandlers(e), hub),
  );

  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) =>
    router.then((r) => r.handleMessage(message, sender as SenderInfo)),
  );
  browser.runtime.onConnect.addListener((port) => {
    const buffered = bufferPort(port as unknown as PortLike);
    void router.then((r) => r.handleConnect(buffered));
  });
  listenForWorkerFrames(env, router);
  browser.tabs.onRemoved.addListener((tabId) => void ready.then((s) => s.sessions.dropTab(tabId), () => undefined));
}

/** Every request refused with the storage error; identity.status reports it for the popup. */
function failedHandlers(e: unknown): Handlers {
  const err = isStoreError(e) ? e : new StoreError('corrupt', `OffRecord cannot open its storage: ${String(e)}`);
  const handlers: Record<string, () => Promise<unknown>> = {};
  for (const kind of REQUEST_KINDS) handlers[kind] = () => Promise.reject(err);
  handlers['identity.status'] = async () => ({ state: 'error', code: err.code, message: err.message });
  return handlers as unknown as Handlers;
}

/**
 * Holds a port's messages until the router attaches its listener: a frame posts its token
 * right after connecting, while a waking worker may still be opening the database.
 */
export function bufferPort(port: PortLike): PortLike {
  const queue: unknown[] = [];
  let forward: ((m: unknown) => void)[] | null = null;
  port.onMessage.addListener((m) => (forward ? forward.forEach((f) => f(m)) : queue.push(m)));
  return {
    name: port.name,
    sender: port.sender,
    postMessage: (m) => port.postMessage(m),
    disconnect: () => port.disconnect(),
    onDisconnect: port.onDisconnect,
    onMessage: {
      addListener(fn) {
        const first = forward === null;
        forward = [...(forward ?? []), fn];
        if (first) for (const m of queue.splice(0)) fn(m);
      },
    },
  };
}
