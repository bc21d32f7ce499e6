/**
 * Issue 11 in `npm run bench`: what persisting conversations in IndexedDB costs, beside
 * today's in-memory path (storage.session, which is a structured clone in memory), measured
 * in the same run. Node has no IndexedDB: this runs on fake-indexeddb, an in-memory
 * implementation, so the figures measure OffRecord's own work (unwrapping the key, sealing and
 * opening records, JSON) plus fake-indexeddb's, not a browser's disk.
 *  - restoring 100 persisted conversations when the worker starts;
 *  - 200 unread history messages fed through the session manager (decrypt + persist each);
 *  - bytes stored per conversation.
 */
import 'fake-indexeddb/auto';
import { ConversationKey } from '../src/background/conversation-key';
import { ConversationStore, type StoredConversation } from '../src/background/conversation-store';
import { openDatabase } from '../src/background/idb';
import { SessionManager } from '../src/background/session-manager';
import { TrustStore } from '../src/background/trust-store';
import { generateDsaKey } from '../src/otr/dsa';
import { generateInstanceTag } from '../src/otr/instance-tag';
import { createConversation, receiveMessage, sendMessage, startOtr, type ConversationState, type Identity, type OtrEnv } from '../src/otr/session';
import { median } from './stats';

const env: OtrEnv = { random: (n) => crypto.getRandomValues(new Uint8Array(n)), now: () => Date.now() };
const CONVERSATIONS = 100;
const HISTORY = 200;
const RUNS = 21;

interface Peer {
  me: Identity;
  state: ConversationState;
}

function peer(account: string, other: string): Peer {
  return { me: { privateKey: generateDsaKey(env.random), instanceTag: generateInstanceTag(env.random) }, state: createConversation({ account, peer: other, protocol: 'thelounge' }) };
}

/** Two engines through the AKE and a few messages: a realistic mid-conversation state. */
function privatePair(): { alice: Peer; bob: Peer } {
  const alice = peer('alice', 'bob');
  const bob = peer('bob', 'alice');
  let queue: { to: Peer; text: string }[] = [];
  const step = (p: Peer, r: { state: ConversationState; send: string[] }, to: Peer) => {
    p.state = r.state;
    queue.push(...r.send.map((text) => ({ to, text })));
  };
  const deliver = () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      for (const { to, text } of batch) step(to, receiveMessage(env, to.me, to.state, text), to === alice ? bob : alice);
    }
  };
  step(alice, startOtr(env, alice.me, alice.state), bob);
  deliver();
  for (let i = 0; i < 10; i++) {
    const [from, to] = i % 2 ? [bob, alice] : [alice, bob];
    step(from, sendMessage(env, from.me, from.state, `message ${i}`), to);
    deliver();
  }
  if (!Object.values(alice.state.instances).some((x) => x.msgstate === 'ENCRYPTED')) throw new Error('the pair did not become private');
  return { alice, bob };
}

function conversation(i: number, state: ConversationState): StoredConversation {
  const id = ['thelounge', 'alice', `peer${i}`].map(encodeURIComponent).join('/');
  const hex = () => Array.from(env.random(8), (b) => b.toString(16).padStart(2, '0')).join('');
  return {
    id, site: 'thelounge', account: 'alice', peer: `peer${i}`, title: `peer${i}`, policy: 'manual', state,
    seen: Array.from({ length: 50 }, hex), sent: Array.from({ length: 50 }, hex), smp: { status: 'idle', progress: 0 },
    lastActivity: Date.now(), queuedIds: [],
  };
}

const noKek = { passphraseSet: () => false, currentKek: () => null };
let dbCounter = 0;

async function timeAsync(runs: number, body: () => Promise<void>): Promise<number> {
  await body();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await body();
    out.push(performance.now() - t);
  }
  return median(out);
}

async function restoreBench(state: ConversationState) {
  const db = await openDatabase(`bench-persist-${dbCounter++}`);
  const store = new ConversationStore(db, new ConversationKey(db, env.random, noKek), env.random);
  const records = Array.from({ length: CONVERSATIONS }, (_, i) => conversation(i, state));
  for (const c of records) await store.put(c);
  const indexedDb = await timeAsync(RUNS, async () => {
    // A waking worker: a fresh key object (unwrap included) reading every record.
    const loaded = await new ConversationStore(db, new ConversationKey(db, env.random, noKek), env.random).loadAll();
    if (loaded.conversations.length !== CONVERSATIONS) throw new Error('restore lost a conversation');
  });
  // Today's path: storage.session hands back a structured clone of what was saved.
  const session = Object.fromEntries(records.map((c) => [`offrecord:conv:${c.id}`, { ...c, tabs: [] }]));
  const memory = await timeAsync(RUNS, async () => {
    const all = structuredClone(session);
    const restored = new Map<string, unknown>();
    for (const [k, v] of Object.entries(all)) if (k.startsWith('offrecord:conv:')) restored.set(k, v);
    if (restored.size !== CONVERSATIONS) throw new Error('lost a conversation');
  });
  const raw = await new Promise<unknown[]>((resolve) => {
    const r = db.transaction('conversations').objectStore('conversations').getAll();
    r.onsuccess = () => resolve(r.result);
  });
  // Bytes kept: the sealed payload and nonce as binary, plus the clear fields as JSON would take.
  const diskBytes = median(
    raw.map((r) => {
      const { nonce, ct, ...clear } = r as { nonce: Uint8Array; ct: Uint8Array };
      return nonce.byteLength + ct.byteLength + JSON.stringify(clear).length;
    }),
  );
  const memoryBytes = median(records.map((c) => JSON.stringify({ ...c, tabs: [] }).length));
  db.close();
  return { indexedDb, memory, diskBytes, memoryBytes };
}

/** 200 history messages through the session manager, persisted (IndexedDB) or in memory only. */
async function historyBench(inMemory: boolean): Promise<number> {
  const { alice, bob } = privatePair();
  const db = await openDatabase(`bench-history-${dbCounter++}`);
  const realStore = new ConversationStore(db, new ConversationKey(db, env.random, noKek), env.random);
  const memory = new Map<string, unknown>();
  const store = inMemory
    ? ({ ...realStore, loadAll: async () => ({ conversations: [], tombstones: [], problems: [] }), put: async (c: StoredConversation) => void memory.set(c.id, structuredClone(c)) } as unknown as ConversationStore)
    : realStore;
  const sessions = new SessionManager({
    keys: { identityFor: async () => alice.me },
    trust: new TrustStore(db),
    persistence: { loadAll: async () => new Map(), save: async (entries) => void Object.entries(entries).forEach(([k, v]) => memory.set(k, v)), remove: async (k) => void memory.delete(k) },
    store,
    env,
    notify: () => undefined,
    toContent: () => undefined,
  });
  await sessions.restore();
  const view = await sessions.register({ origin: 'http://localhost:9000', site: 'thelounge', account: 'alice', peer: 'bob', policy: 'manual', fragmentSize: 0 });
  // Alice's engine state from the pair, as if restored from a previous opening.
  sessions.life.records.get(view.id)!.state = alice.state;
  const wires: string[] = [];
  for (let i = 0; i < HISTORY; i++) {
    const r = sendMessage(env, bob.me, bob.state, `history message ${i}`);
    bob.state = r.state;
    wires.push(...r.send);
  }
  const t = performance.now();
  let shown = 0;
  for (const w of wires) if ((await sessions.receive(view.id, w, true)).display === 'encrypted') shown++;
  const elapsed = performance.now() - t;
  if (shown !== HISTORY) throw new Error(`history: ${shown} of ${HISTORY} decrypted`);
  db.close();
  return elapsed;
}

export async function benchPersistence(log: (s: string) => void): Promise<string[]> {
  log('persistence: restore');
  const { alice } = privatePair();
  const restore = await restoreBench(alice.state);
  log('persistence: history');
  const historyDb = await historyBench(false);
  const historyMem = await historyBench(true);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  return [
    '',
    '## Persisted conversations (issue 11)',
    '',
    'IndexedDB here is fake-indexeddb (Node has none): the figures are OffRecord\'s own work plus that in-memory implementation, not a browser\'s disk. "In memory" is today\'s storage.session path (a structured clone), measured in the same run.',
    '',
    '| measure | IndexedDB, sealed | in memory | ratio |',
    '|---|---|---|---|',
    `| restore ${CONVERSATIONS} conversations at worker start (median of ${RUNS}) | ${restore.indexedDb.toFixed(1)} ms | ${restore.memory.toFixed(1)} ms | ${ratio(restore.indexedDb, restore.memory)} |`,
    `| ${HISTORY} unread history messages fed, decrypted and saved one by one | ${historyDb.toFixed(0)} ms | ${historyMem.toFixed(0)} ms | ${ratio(historyDb, historyMem)} |`,
    `| bytes stored per conversation (mid-conversation, 50+50 markers) | ${restore.diskBytes} | ${restore.memoryBytes} | ${ratio(restore.diskBytes, restore.memoryBytes)} |`,
    '',
    `- ${restore.indexedDb <= 50 ? 'PASS' : 'FAIL'} restoring ${CONVERSATIONS} persisted conversations ≤ 50 ms (${restore.indexedDb.toFixed(1)} ms)`,
  ];
}

/** Prints the section and appends it to the bench report (bench/index.ts calls this last). */
export async function appendPersistenceSection(reportPath: string, log: (s: string) => void): Promise<void> {
  const { appendFileSync } = await import('node:fs');
  const text = (await benchPersistence(log)).join('\n') + '\n';
  process.stdout.write(text);
  appendFileSync(reportPath, text);
}
