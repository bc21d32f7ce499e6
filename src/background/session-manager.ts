/**
 * One OTR conversation per (site, account, peer) (DESIGN.md §4; the peer's instance tags live
 * inside the engine state). Every operation on a conversation runs on that conversation's
 * promise chain: one background serves every tab and window, so two tabs showing one chat
 * still have one writer. Each step is written to IndexedDB (conversation-store.ts, one
 * transaction) BEFORE its ciphertext is handed to a page and before a reader can get its
 * plaintext, so a killed browser resumes from the state before or after a message, never one
 * that reuses keys. Plaintext leaves only through plaintextFor(), for a reader frame holding a
 * token for that message. Loading, expiry, the cap and faults are in conversation-life.ts.
 */
import {
  abortSmp, answerSmp, conversationStatus, createConversation, endOtr, isOtrError, receiveMessage, sendMessage, POLICY_REQUIRE_ENCRYPTION,
  startOtr, startSmp, useExtraSymmetricKey, type ConversationState, type Identity, type Invitation, type OtrEnv, type OtrEvent, type StepResult,
} from '../otr/index';
import { carriesPlaintext, classify, isEarlierFragment, isEncodedWire, isOtrTraffic } from '../otr/classify';
import type { Tlv } from '../otr/tlv';
import { messageIdOf } from '../messaging/message-id';
import type { ConversationView, FileKeyView, HistoryEntryResult, IncomingDisplay, IncomingResult, RoomSummary, SitePolicy } from '../messaging/types';
import { announcedFiles, fileKeyOf, WaitingFiles } from './file-keys';
import { fromHex } from '../otr/bytes';
import { ENCRYPTED_FILE_USE } from '../files/encrypted-file';
import type { ContentPush, PushEvent } from '../messaging/ports';
import { storeFail } from './errors';
import { policyBits } from './config-store';
import { ConversationLife, type LiveConversation, type TabRef } from './conversation-life';
import type { ConversationStore } from './conversation-store';
import { feedsFromHistory, historyReplies } from './history-replies';
import { feedBatch, HistoryCommit } from './history-batch';
import { withOfflineOffer } from './offline-offer';
import type { SessionPersistence } from './session-persistence';
import { holdQuery, mustHold, takeHeldQuery } from './held-query';
import { isTrigger, ReplyLimiter, triggerKey, withoutTags } from './reply-limit';
import {
  bounded, conversationIdOf, originOfConversation, markerOf, rollBack, snapshot, effectiveFragmentSize, quietDisplay, stillEnded, syncQueuedIds,
  notInPrivate,
} from './session-wire';
import { conversationView, smpViewOf } from './session-view';
import { PlaintextCache } from './plaintext-cache';
import type { TrustStore } from './trust-store';

export type { TabRef } from './conversation-life';
export { conversationIdOf, effectiveFragmentSize } from './session-wire';

export interface SessionDeps {
  keys: { identityFor(site: string, account: string): Promise<Identity> };
  trust: TrustStore;
  /** storage.session: the plaintext cache ("until the browser closes"), never on disk. */
  persistence: SessionPersistence;
  /** IndexedDB: what survives the browser. */
  store: ConversationStore;
  env: OtrEnv;
  /** At most this many conversations on disk (default 1,000). */
  maxConversations?: number;
  /** Pushes: to popup/options (PushEvent) and to the content script of a tab (ContentPush). */
  notify(event: PushEvent): void;
  toContent(tab: TabRef, push: ContentPush): void;
  /** The invitation sent after the query tag, in the user's language (engine English without it). */
  invitation?(account: string): Promise<Invitation>;
}

/** Who sent a TLV the engine left to the application (a group-room record). */
export interface TlvSource {
  site: string;
  account: string;
  peer: string;
}

export class SessionManager {
  readonly life: ConversationLife;
  /**
   * Called on the conversation's own chain for each TLV the engine does not handle: it must
   * not wait for that conversation (rooms queue the work on their own chain).
   */
  onTlv: ((from: TlvSource, tlvType: number, value: string) => void) | null = null;
  /** Called the same way when a conversation becomes private (rooms send what waited for it). */
  onPrivate: ((peer: TlvSource) => void) | null = null;
  /** A channel's private room for its view (lock state, popup); set by the room manager. */
  roomOf: ((site: string, account: string, channel: string) => Promise<RoomSummary | undefined>) | null = null;
  private chains = new Map<string, Promise<unknown>>();
  /** Decrypted texts for reader frames (plaintext-cache.ts). */
  readonly plaintext: PlaintextCache;
  private readonly limiter: ReplyLimiter;
  /** The view last pushed per conversation: one that did not change is not pushed again. */
  private readonly pushed = new Map<string, string>();
  private revision = 0;
  /** Received file announcements waiting for the text of their mail (file-keys.ts). */
  private readonly waitingFiles: WaitingFiles;

  constructor(private readonly deps: SessionDeps) {
    this.limiter = new ReplyLimiter(deps.env.now);
    this.waitingFiles = new WaitingFiles(deps.env.now);
    this.life = new ConversationLife(deps, (id, fn) => this.serial(id, fn), (r) => this.pushView(r));
    this.plaintext = new PlaintextCache(deps.persistence, (id) => this.records.get(id)?.tabs.map((t) => t.tabId));
    // Locked: nothing decrypted stays behind, in memory or in storage.session.
    this.life.onLock = () => {
      this.plaintext.clear();
      for (const id of this.records.keys()) this.waitingFiles.take(id);
    };
  }

  /** The Privacy setting: keep decrypted texts until the browser closes, or not at all (switching to it purges). */
  get retention(): 'off' | 'session' {
    return this.plaintext.retention;
  }

  set retention(value: 'off' | 'session') {
    this.plaintext.retention = value;
  }

  private get records(): Map<string, LiveConversation> {
    return this.life.records;
  }

  /** Loads persisted conversations (IndexedDB) and the plaintext cache (storage.session). */
  async restore(): Promise<void> {
    this.plaintext.restore(await this.deps.persistence.loadAll());
    await this.life.load();
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.chains.set(id, run.catch(() => undefined));
    return run;
  }

  /**
   * Runs one step on r: if it throws (a failed write included), r is as before the step, in
   * memory as on disk, so the next step cannot reuse or skip what the failed one did.
   */
  private async step<T>(r: LiveConversation, fn: () => Promise<T>): Promise<T> {
    const before = snapshot(r);
    try {
      return await fn();
    } catch (e) {
      rollBack(r, before);
      throw e;
    }
  }

  private record(id: string): LiveConversation {
    const r = this.records.get(id);
    if (!r) storeFail('not-found', 'no such conversation; the page must register it first');
    return r;
  }

  private usable(r: LiveConversation): void {
    if (r.locked) storeFail('locked', 'locked — unlock OffRecord');
  }

  private keep(r: LiveConversation, messageId: string, text: string, files?: FileKeyView[]): Promise<void> {
    return this.plaintext.keep(r.id, messageId, text, r.tabs.map((t) => t.tabId), files);
  }

  /** A reader frame opened while its message is still being received waits for it. */
  whenReceived(conversationId: string, messageId: string, timeoutMs: number): Promise<void> {
    return this.plaintext.whenReceived(conversationId, messageId, timeoutMs);
  }

  /**
   * Plaintext for a reader frame in `tabId`. With retention 'off' it is dropped once every tab
   * showing the conversation has shown it (a message is decrypted once, shown in each tab).
   */
  async plaintextFor(conversationId: string, messageId: string, tabId?: number): Promise<string | null> {
    if (this.lockedOut(conversationId)) return null;
    return this.plaintext.take(conversationId, messageId, tabId);
  }

  /** The file keys a kept message carries (read before plaintextFor, which may drop the entry). */
  filesFor(conversationId: string, messageId: string): FileKeyView[] {
    if (this.lockedOut(conversationId)) return [];
    return this.plaintext.files(conversationId, messageId);
  }

  /** OffRecord, or this conversation, is locked: no kept text or file key leaves. */
  private lockedOut(conversationId: string): boolean {
    return this.life.locked || this.records.get(conversationId)?.locked === true;
  }

  /**
   * Announces an encrypted file to the peer (TLV 8, use ENCRYPTED_FILE_USE, use-data = its hash)
   * and returns the per-file key and the wire text that carries the announcement. The wire is
   * not pushed to the page: the attach frame hands it over with the encrypted file, and it
   * leaves with the next mail. Only a private conversation has an extra symmetric key.
   */
  announceFile(id: string, useData: string): Promise<{ fileKey: string; wire: string[] }> {
    return this.serial(id, async () => {
      const r = this.record(id);
      this.usable(r);
      if (r.fingerprintChanged) storeFail('fingerprint-changed', `${r.peer}'s key changed; acknowledge it before sending`);
      if (conversationStatus(r.state).msgstate !== 'ENCRYPTED') storeFail('invalid', 'files are encrypted only in a private conversation: start it first');
      return this.step(r, async () => {
        const me = await this.deps.keys.identityFor(r.site, r.account);
        const result = useExtraSymmetricKey(this.deps.env, me, r.state, ENCRYPTED_FILE_USE, fromHex(useData));
        const symkey = result.events.find((e) => e.type === 'symkey');
        if (symkey?.type !== 'symkey') return storeFail('invalid', 'the conversation gave no extra symmetric key');
        // Saved before the key leaves, as for every step (a restart cannot reuse this slot's counter).
        await this.apply(r, { ...result, sent: [] }, 'reply', true);
        return { fileKey: fileKeyOf(symkey.key, useData).fileKey, wire: result.send };
      });
    });
  }

  /** Plaintext from elsewhere (a room post) for the reader frames of these tabs, as ours. */
  keepForReaders(scope: string, messageId: string, text: string, tabIds: number[]): Promise<void> {
    return this.plaintext.keep(scope, messageId, text, tabIds);
  }

  /**
   * Sends TLVs (no text) over the private conversation with `peer`. Returns false when that is
   * not possible now (no such conversation, locked, changed key, not private): then OTR is
   * started if it is not, and the caller keeps what it sent for later.
   */
  sendTlvs(site: string, account: string, peer: string, tlvs: Tlv[]): Promise<boolean> {
    const id = this.contactConversation(site, account, peer);
    if (id === undefined) return Promise.resolve(false);
    return this.serial(id, async () => {
      const r = this.record(id);
      if (r.locked || r.fingerprintChanged) return false;
      const me = await this.deps.keys.identityFor(r.site, r.account);
      const msgstate = conversationStatus(r.state).msgstate;
      if (msgstate !== 'ENCRYPTED') {
        if (msgstate === 'PLAINTEXT') await this.step(r, () => this.apply(r, startOtr(this.deps.env, me, r.state), 'last', true));
        return false;
      }
      const result = sendMessage(this.deps.env, me, r.state, '', tlvs);
      await this.step(r, () => this.apply(r, { ...result, sent: [] }, 'last', true));
      return true;
    });
  }

  register(
    input: {
      origin: string; site: string; account: string; peer: string; title?: string; policy: SitePolicy; fragmentSize: number; adapterLimit?: number;
      kind?: 'channel' | 'direct';
    },
    tab?: TabRef,
  ): Promise<ConversationView> {
    const id = conversationIdOf(input.origin, input.site, input.account, input.peer);
    return this.serial(id, async () => {
      let r = this.records.get(id);
      if (!r) {
        const state = createConversation({
          account: input.account, protocol: input.site, peer: input.peer, policy: policyBits(input.policy), maxFragmentSize: input.fragmentSize,
        });
        const fresh: LiveConversation = {
          id, site: input.site, account: input.account, peer: input.peer, title: input.title ?? input.peer, policy: input.policy, state,
          seen: [], sent: [], smp: { status: 'idle', progress: 0 }, tabs: [], lastActivity: this.deps.env.now(), queuedIds: [],
        };
        const change = await this.deps.trust.pendingChange(input.site, input.account, input.peer);
        if (change) fresh.fingerprintChanged = change;
        r = this.life.adopt(fresh);
      }
      if (input.adapterLimit !== undefined) r.adapterLimit = input.adapterLimit;
      if (input.kind) r.kind = input.kind;
      this.applyPolicy(r, input.policy, input.fragmentSize);
      if (input.title) r.title = input.title;
      if (tab) r.tabs = [...r.tabs.filter((t) => t.tabId !== tab.tabId || t.frameId !== tab.frameId), tab];
      if (tab) this.life.registered(r, tab);
      await this.life.expireIfIdle(r);
      await this.life.save(r);
      return this.view(r);
    });
  }

  /**
   * Feeds one wire text seen in the page. The answer never carries plaintext. `history`: the
   * page showed it from before this page load, so the engine's answers are filtered by
   * history-replies.ts (history never talks back). `mine`: the page shows it as sent by the
   * user; only the echoes of what this manager sent (`sent`) are ours, the rest was sent from
   * elsewhere or before and never reaches the engine.
   */
  /**
   * `mail`: a mail body. Mail is read whenever its reader gets to it, so a mail's query, shown
   * from history, is held under 'manual' as a live one is (Start answers it), never answered.
   */
  receive(id: string, text: string, history = false, mine = false, mail = false): Promise<IncomingResult> {
    const done = () => this.plaintext.received(id, messageIdOf(text));
    return this.serial(id, async () => this.framedOnlyIfKept(id, text, await this.receiveOne(this.record(id), text, history, mine, mail))).finally(done);
  }

  /**
   * A data message shown "encrypted earlier" gets a reader frame only when its text is kept here
   * (the Privacy setting, a second tab): otherwise a frame could only say it has none, and an old
   * history (every message after a browser restart) would cost an extension frame per message
   * on screen. 'gone' is a status line saying the same. Checked once the step is written, when
   * the cache holds whatever this feed decrypted.
   */
  private framedOnlyIfKept(id: string, text: string, result: IncomingResult): IncomingResult {
    if (result.display !== 'earlier' && result.display !== 'duplicate') return result;
    if (!carriesPlaintext(classify(text)) || this.plaintext.has(id, result.messageId)) return result;
    return { ...result, display: 'gone' };
  }

  /**
   * History of one scan, in page order (history-batch.ts): each text goes through receive's
   * rules in turn, then the conversation is written once, and only then is any plaintext kept
   * for readers. A malformed entry or a failed step gets its typed error at its position; a
   * failed write fails the batch, in memory as on disk, with nothing shown.
   */
  receiveHistory(id: string, texts: unknown[]): Promise<HistoryEntryResult[]> {
    return this.serial(id, async () => {
      const r = this.record(id);
      // Before the batch's step, as receiveOne does for a single text.
      await this.life.expireIfIdle(r);
      const commit = new HistoryCommit();
      const results = await this.step(r, () =>
        feedBatch(texts, commit, {
          feed: (text) => this.receiveOne(r, text, true, false, false, commit),
          checkpoint: () => {
            const before = snapshot(r);
            return () => rollBack(r, before);
          },
          save: (durability) => this.life.save(r, durability),
        }),
      );
      await commit.run();
      if (commit.dirty) await this.pushView(r);
      return results.map((x, i) => ('display' in x && typeof texts[i] === 'string' ? this.framedOnlyIfKept(id, texts[i], x) : x));
    }).finally(() => {
      for (const t of texts) if (typeof t === 'string') this.plaintext.received(id, messageIdOf(t));
    });
  }

  /** receive's rules for one text, on r's chain; with `commit`, writing is left to the batch. */
  private async receiveOne(r: LiveConversation, text: string, history: boolean, mine: boolean, mail: boolean, commit?: HistoryCommit): Promise<IncomingResult> {
    const id = r.id;
    const messageId = messageIdOf(text);
    if (r.locked) return { messageId, display: 'locked', send: [] };
    if (mine && (history || !r.sent.includes(markerOf(messageId)))) return { messageId, display: 'earlier', send: [] };
    if (r.sent.includes(markerOf(messageId))) return { messageId, display: this.plaintext.has(id, messageId) ? 'encrypted' : 'hidden', send: [] };
    // Only encoded messages are deduplicated: each is unique (keys, counters, randomness), so
    // the same text twice is a replay; query and error messages legitimately repeat. A
    // fragment before the last is not unique (the first piece of two data messages in a row
    // can be the same), so it is always fed; the message is judged at its last piece.
    const wire = classify(text);
    const otr = isEncodedWire(wire) && !isEarlierFragment(wire);
    if (otr && r.seen.includes(markerOf(messageId))) return { messageId, display: 'duplicate', send: [] };
    const heldFromMail = mail && !mine && mustHold(r, wire);
    if (history && !heldFromMail && !feedsFromHistory(wire)) return { messageId, display: wire.kind !== 'plaintext' ? 'hidden' : 'plain', send: [] };
    // Issue 16 (held-query.ts): under 'manual' a peer's query waits for the user's Start.
    if ((!history || heldFromMail) && mustHold(r, wire)) {
      const before = { heldQuery: r.heldQuery, peerAsked: r.peerAsked };
      if (holdQuery(r, wire.versions)) {
        if (commit) commit.add('strict');
        else {
          try {
            await this.life.save(r);
          } catch (e) {
            // Not held after all, as on disk: the same query again is held and saved then.
            Object.assign(r, before);
            if (before.heldQuery === undefined) delete r.heldQuery;
            throw e;
          }
          await this.pushView(r);
        }
      }
      return { messageId, display: 'hidden', send: [] };
    }
    let fed = text;
    if (!history && isTrigger(wire)) {
      // Issue 17 item 2 (reply-limit.ts): page text cannot make the engine answer at will.
      const secure = conversationStatus(r.state).msgstate === 'ENCRYPTED';
      if (secure && wire.kind === 'query') {
        if (!this.limiter.allowRefresh(id)) return { messageId, display: 'hidden', send: [] };
      } else if (secure && wire.kind === 'plaintext') fed = withoutTags(text);
      else if (!this.limiter.allow(id, triggerKey(wire))) return { messageId, display: wire.kind === 'plaintext' ? 'plain' : 'hidden', send: [] };
    }
    // Before the step, so a step that fails cannot roll the wiped keys back (a batch expired first).
    if (!commit) await this.life.expireIfIdle(r);
    return this.step(r, () => this.feed(r, fed, messageId, otr, history, commit));
  }

  private async feed(r: LiveConversation, text: string, messageId: string, otr: boolean, history: boolean, commit?: HistoryCommit): Promise<IncomingResult> {
    const id = r.id;
    const me = await this.deps.keys.identityFor(r.site, r.account);
    let result: StepResult;
    try {
      result = receiveMessage(this.deps.env, me, r.state, text);
    } catch (e) {
      if (!isOtrError(e)) throw e;
      this.deps.notify({ type: 'notice', conversationId: id, name: 'RCVDMSG_MALFORMED', text: e.message });
      if (otr) r.seen = bounded(r.seen, markerOf(messageId));
      if (commit) commit.add('strict');
      else await this.life.save(r);
      return { messageId, display: 'error', send: [] };
    }
    if (otr) r.seen = bounded(r.seen, markerOf(messageId));
    const kind = classify(text).kind;
    if (kind === 'query') r.peerAsked = true;
    // Any OTR answer (an AKE message, an error) means the peer's client speaks OTR.
    if (kind !== 'plaintext' && kind !== 'query') delete r.asked;
    // A conversation whose record could not be read lost its marks of what history it had read:
    // its page's history is old news it may have answered already, so none of it answers now.
    const send = !history ? result.send : r.ended === 'corrupt' ? [] : historyReplies(r.state, result);
    const secret = result.show.filter((m) => m.encrypted).map((m) => m.text);
    let display: IncomingDisplay = quietDisplay(result.events, result.show.length > 0, history);
    if (secret.length > 0) display = 'encrypted';
    else if (r.ended === 'expired' && (display !== 'hidden' || notInPrivate(result.events))) display = 'expired';
    // Saved before the reader may ask for the text and before the page gets the replies; the
    // reader gets it as soon as it is saved, before the view (trust and room reads) is pushed.
    const files = announcedFiles(result.events);
    let kept: (() => Promise<void>) | undefined;
    if (secret.length > 0) kept = () => this.keep(r, messageId, secret.join('\n'), [...this.waitingFiles.take(id), ...files]);
    else if (files.length > 0) {
      // An announcement alone: it waits for the text of its mail, and shows by itself if none.
      this.waitingFiles.add(id, files);
      kept = () => this.keep(r, messageId, '', files);
      display = 'encrypted';
    }
    await this.apply(r, { ...result, send }, 'reply', true, kept, commit);
    return { messageId, display, send };
  }

  /** Plaintext typed in the compose frame of `tab`: encrypted (or queued) and handed to that tab. */
  send(id: string, text: string, tab: TabRef): Promise<{ queued: boolean }> {
    return this.serial(id, async () => {
      const r = this.record(id);
      this.usable(r);
      // Before the step: the refusal below would otherwise roll the wiped keys back into memory.
      await this.life.expireIfIdle(r);
      if (r.fingerprintChanged) storeFail('fingerprint-changed', `${r.peer}'s key changed; acknowledge it before sending`);
      // Refused, not dropped: the compose frame keeps the text (nothing goes out in the clear).
      const msgstate = conversationStatus(r.state).msgstate;
      if (msgstate === 'FINISHED') {
        storeFail('invalid', r.ended === 'expired' ? 'this private conversation expired; restart it from the lock' : 'the private conversation ended; end or restart it from the lock');
      }
      // The engine passes text through unencrypted unless the policy requires encryption (then it
      // queues it): the conversation may have ended, or never started, since the user typed.
      if (msgstate !== 'ENCRYPTED' && !(r.state.policy & POLICY_REQUIRE_ENCRYPTION)) {
        storeFail('invalid', 'the conversation is not private: nothing was sent; start it from the lock');
      }
      return this.step(r, async () => {
        const me = await this.deps.keys.identityFor(r.site, r.account);
        const result = withOfflineOffer(this.deps.env, me, sendMessage(this.deps.env, me, r.state, text), true);
        const queued = conversationStatus(result.state).queued > conversationStatus(r.state).queued;
        await this.apply(r, result, tab, true);
        return { queued };
      });
    });
  }

  /** Drops one text waiting for the conversation to become private; it is never sent. */
  cancelQueued(id: string, queuedId: string, tabId?: number): Promise<ConversationView> {
    return this.serial(id, async () => {
      const r = this.record(id);
      this.usable(r);
      if (tabId !== undefined && !r.tabs.some((t) => t.tabId === tabId)) storeFail('invalid', 'that conversation is not shown in this tab');
      const i = r.queuedIds.indexOf(queuedId);
      if (i < 0) storeFail('not-found', 'that message is no longer waiting (sent or cancelled)');
      await this.step(r, async () => {
        r.state = { ...r.state, queued: r.state.queued.filter((_, j) => j !== i) };
        r.queuedIds = r.queuedIds.filter((_, j) => j !== i);
        await this.life.save(r);
      });
      await this.pushView(r);
      return this.view(r);
    });
  }

  /** Texts waiting in a conversation, for its compose frames only (extension origin). */
  queuedTexts(id: string): { id: string; text: string }[] {
    const r = this.records.get(id);
    if (!r || r.locked) return [];
    return r.queuedIds.map((qid, i) => ({ id: qid, text: r.state.queued[i] ?? '' }));
  }

  private action(id: string, step: (me: Identity, state: ConversationState) => StepResult, activity = true): Promise<ConversationView> {
    return this.serial(id, async () => {
      const r = this.record(id);
      this.usable(r);
      const me = await this.deps.keys.identityFor(r.site, r.account);
      await this.step(r, () => this.apply(r, step(me, r.state), 'last', activity));
      return this.view(r);
    });
  }

  /** The query carries the invitation as the settings give it now (links may have changed). */
  async start(id: string): Promise<ConversationView> {
    const invitation = await this.deps.invitation?.(this.record(id).account);
    this.record(id).peerAsked = false;
    return this.action(id, (me, s) => {
      // The peer's held query is answered: the AKE starts now, with no second round trip.
      const held = takeHeldQuery(this.record(id));
      if (held && conversationStatus(s).msgstate !== 'ENCRYPTED') return receiveMessage(this.deps.env, me, s, held);
      const result = withOfflineOffer(this.deps.env, me, startOtr(this.deps.env, me, invitation ? { ...s, invitation } : s));
      // Remembered so the lock can offer the invitation if no answer comes (lock.ts).
      const query = result.send.find((t) => classify(t).kind === 'query');
      if (query && conversationStatus(s).msgstate !== 'ENCRYPTED') this.record(id).asked = { at: this.deps.env.now(), invitation: query };
      return result;
    });
  }
  /**
   * Ends at once: what is written to disk afterwards holds no session keys, and the texts and
   * file keys kept for its readers are forgotten (a reader placed again shows "unavailable").
   */
  end(id: string): Promise<ConversationView> {
    return this.action(id, (me, s) => {
      this.plaintext.forget(id);
      this.waitingFiles.take(id);
      const result = endOtr(this.deps.env, me, s);
      const fresh = createConversation({ account: s.account, protocol: s.protocol, peer: s.peer, policy: s.policy, maxFragmentSize: s.maxFragmentSize });
      return { ...result, state: fresh };
    });
  }
  smpStart(id: string, secret: string, question?: string): Promise<ConversationView> {
    return this.action(id, (me, s) => startSmp(this.deps.env, me, s, secret, question));
  }
  smpAnswer(id: string, secret: string): Promise<ConversationView> {
    return this.action(id, (me, s) => answerSmp(this.deps.env, me, s, secret));
  }
  smpAbort(id: string): Promise<ConversationView> {
    return this.action(id, (me, s) => abortSmp(this.deps.env, me, s));
  }

  /** The site's settings changed: every live conversation on it follows at once. */
  async updatePolicies(policyFor: (origin: string, adapterId: string) => { policy: SitePolicy; fragmentSize: number }): Promise<void> {
    for (const r of [...this.records.values()]) {
      const { policy, fragmentSize } = policyFor(originOfConversation(r.id), r.site);
      await this.serial(r.id, async () => {
        this.applyPolicy(r, policy, fragmentSize);
        await this.life.save(r);
        await this.pushView(r);
      });
    }
  }

  /** A stricter policy set later must reach conversations made before it (never fail open). */
  private applyPolicy(r: LiveConversation, policy: SitePolicy, fragmentSize: number): void {
    r.policy = policy;
    r.state = { ...r.state, policy: policyBits(policy), maxFragmentSize: effectiveFragmentSize(fragmentSize, r.adapterLimit) };
  }

  /** The user compared fingerprints out of band: trust 'manual' for the peer's fingerprint. */
  async verifyManual(conversationId: string): Promise<ConversationView> {
    const ref = this.refOf(conversationId);
    if (!ref.fingerprint) storeFail('invalid', 'the conversation is not private: there is no fingerprint to verify');
    await this.deps.trust.setTrust(ref.fingerprint, 'manual');
    await this.trustChanged(ref.fingerprint);
    return this.viewOf(conversationId);
  }

  /**
   * A fingerprint's trust changed (verified by hand, by SMP elsewhere, taken back, forgotten):
   * every conversation showing that key shows its new state at once, popup and lock alike.
   * `except` is the conversation whose own step already pushes its view.
   */
  async trustChanged(fingerprint: string, except?: string): Promise<void> {
    await this.peersChanged();
    const fp = fingerprint.replace(/\s+/g, '').toLowerCase();
    for (const r of [...this.records.values()]) {
      if (r.id === except || conversationStatus(r.state).theirFingerprint?.toLowerCase() !== fp) continue;
      await this.serial(r.id, () => this.pushView(r));
    }
  }

  /** Known peers changed (trust, a new sighting): open popups show the new list. */
  private async peersChanged(): Promise<void> {
    this.deps.notify({ type: 'peers', peers: await this.deps.trust.list() });
  }

  /**
   * The conversation with a contact, whatever page origin it was opened on (ids include the
   * origin): the one with the latest activity. Group rooms address members this way.
   */
  contactConversation(site: string, account: string, peer: string, kind?: 'channel'): string | undefined {
    let best: LiveConversation | undefined;
    for (const r of this.records.values()) {
      if (r.site !== site || r.account !== account || r.peer !== peer) continue;
      if (kind && r.kind !== kind) continue;
      if (!best || (r.lastActivity ?? 0) > (best.lastActivity ?? 0)) best = r;
    }
    return best?.id;
  }

  /** After the user acknowledged a changed key for this contact. */
  async clearChange(site: string, account: string, peer: string): Promise<void> {
    // One contact may be open on several origins (ids include the origin): clear them all.
    const ids = [...this.records.values()].filter((r) => r.site === site && r.account === account && r.peer === peer).map((r) => r.id);
    for (const id of ids) {
      await this.serial(id, async () => {
        const r = this.record(id);
        await this.step(r, async () => {
          delete r.fingerprintChanged;
          await this.life.save(r);
        });
        this.deps.notify({ type: 'conversation', view: await this.view(r) });
      });
    }
  }

  /**
   * Issue 17 item 5: a content script may act only on conversations its own tab and frame
   * registered, so a page cannot start, end, feed or take frames for another tab's chat.
   */
  assertRegisteredBy(id: string, tab: TabRef): void {
    const r = this.records.get(id);
    if (!r || !r.tabs.some((t) => t.tabId === tab.tabId && t.frameId === tab.frameId)) {
      storeFail('not-found', 'no such conversation in this tab; the page must register it first');
    }
  }

  /**
   * Records the step, persists it, then hands wire texts to the tab and pushes the new view.
   * `deliver`: 'reply' when the caller returns the wire texts itself (receive), a tab for the
   * compose frame's own tab, 'last' for popup actions (the tab that registered most recently).
   * `kept`: the plaintext a received message carried, handed to its readers once saved.
   * `commit`: a history batch's, which writes once for all its steps and then runs the rest.
   */
  private async apply(
    r: LiveConversation, result: StepResult, deliver: TabRef | 'reply' | 'last', activity: boolean, kept?: () => Promise<void>, commit?: HistoryCommit,
  ): Promise<void> {
    r.state = result.state;
    r.queuedIds = syncQueuedIds(r.queuedIds, r.state, this.deps.env.random);
    if (r.ended && !stillEnded(r.state)) delete r.ended;
    if (activity) r.lastActivity = this.deps.env.now();
    // Our own OTR traffic comes back to us in the page; it must never be fed to the engine.
    for (const wire of result.send) if (isOtrTraffic(classify(wire))) r.sent = bounded(r.sent, markerOf(messageIdOf(wire)));
    for (const event of result.events) await this.onEvent(r, event);
    // A message read that sends nothing and changes nothing but keys and counters need not
    // wait for the disk's flush (ConversationStore.put); anything that leaves does.
    const readOnly = deliver === 'reply' && result.send.length === 0 && result.events.every((e) => e.type === 'msg' || e.type === 'tlv');
    const durability = readOnly ? 'relaxed' : 'strict';
    if (commit) return commit.add(durability, () => this.saved(r, result, deliver, kept));
    await this.life.save(r, durability);
    await this.saved(r, result, deliver, kept);
    await this.pushView(r);
  }

  /** What a step does once it is written: plaintext to readers, rooms told, wire texts handed over. */
  private async saved(r: LiveConversation, result: StepResult, deliver: TabRef | 'reply' | 'last', kept?: () => Promise<void>): Promise<void> {
    // Its readers get the text now; its copy in storage.session follows (plaintext-cache.ts).
    void kept?.();
    // After a macrotask: this step's own AKE replies leave first, so data sent on going
    // private does not reach a peer that has not finished the AKE yet.
    // Also on a refresh: two AKEs crossing end in a second one, and what a room sent under the
    // first keys may be unreadable to the peer (rooms send their hand-over again).
    if (result.events.some((e) => e.type === 'gone_secure' || e.type === 'still_secure') && this.onPrivate) {
      const onPrivate = this.onPrivate;
      const peer = { site: r.site, account: r.account, peer: r.peer };
      setTimeout(() => onPrivate(peer), 0);
    }
    // What we typed is shown over the last piece that carries it (also for text that waited
    // for the conversation to become private and went out in a later step).
    for (const m of result.sent) {
      const last = m.wire[m.wire.length - 1];
      if (last && result.send.includes(last)) void this.keep(r, messageIdOf(last), m.text);
    }
    const target = deliver === 'last' ? r.tabs[r.tabs.length - 1] : deliver === 'reply' ? undefined : deliver;
    if (result.send.length > 0 && target) this.deps.toContent(target, { type: 'send', conversationId: r.id, texts: result.send });
  }

  /**
   * The same view to the popup, every tab showing the conversation and their frames, when it
   * changed (most wire texts, each fragment, change nothing the page shows). Anyone arriving
   * later gets the view on registering or with their frame's `ready`.
   */
  private async pushView(r: LiveConversation): Promise<void> {
    const view = await this.view(r);
    const { revision: _revision, ...content } = view;
    const key = JSON.stringify(content);
    if (this.pushed.get(r.id) === key) return;
    this.pushed.set(r.id, key);
    this.deps.notify({ type: 'conversation', view });
    for (const t of r.tabs) this.deps.toContent(t, { type: 'conversation', view });
  }

  private async onEvent(r: LiveConversation, event: OtrEvent): Promise<void> {
    if (event.type === 'gone_secure') {
      r.peerAsked = false;
      delete r.heldQuery;
      delete r.asked;
      this.limiter.settled(r.id);
      const seen = await this.deps.trust.observe(r.site, r.account, r.peer, event.fingerprint);
      await this.peersChanged();
      if (seen.changed) {
        r.fingerprintChanged = seen.changed;
        const push = { type: 'fingerprint-changed' as const, conversationId: r.id, ...seen.changed };
        this.deps.notify(push);
        for (const t of r.tabs) this.deps.toContent(t, push);
      }
      r.smp = { status: 'idle', progress: 0 };
    } else if (event.type === 'smp') {
      r.smp = smpViewOf(event);
      const status = r.smp.status;
      // As in Pidgin: answering someone's question proves them nothing about the asker, so
      // only the asker (or either side of a shared secret) marks the peer verified.
      if (status === 'succeeded' && event.question === undefined) {
        const fp = conversationStatus(r.state).theirFingerprint;
        if (fp) {
          await this.deps.trust.setTrust(fp, 'smp');
          // Not awaited: this runs on r's own chain, and r's view goes out with this step.
          void this.trustChanged(fp, r.id).catch(() => undefined);
        }
      }
      this.deps.notify({ type: 'smp', conversationId: r.id, smp: r.smp });
    } else if (event.type === 'tlv') {
      this.onTlv?.({ site: r.site, account: r.account, peer: r.peer }, event.tlvType, event.value);
    } else if (event.type === 'msg') {
      this.deps.notify({ type: 'notice', conversationId: r.id, name: event.name, text: event.text });
    }
  }

  async view(r: LiveConversation): Promise<ConversationView> {
    const view = await conversationView(r, this.deps.trust);
    this.revision = Math.max(this.deps.env.now(), this.revision + 1);
    // Rooms live in the sealed store: while OffRecord is locked the view goes without them.
    const room = await this.roomOf?.(r.site, r.account, r.peer).catch(() => undefined);
    return room ? { ...view, room, revision: this.revision } : { ...view, revision: this.revision };
  }

  /** A room in this channel changed: every conversation showing the channel shows it. */
  roomChanged(site: string, account: string, channel: string): void {
    for (const r of this.records.values()) {
      if (r.site === site && r.account === account && r.peer === channel) void this.serial(r.id, () => this.pushView(r)).catch(() => undefined);
    }
  }

  async viewOf(id: string): Promise<ConversationView> {
    return this.view(this.record(id));
  }

  /** Conversations registered from this tab (the popup's current tab). */
  async listForTab(tabId: number): Promise<ConversationView[]> {
    const out: ConversationView[] = [];
    for (const r of this.records.values()) if (r.tabs.some((t) => t.tabId === tabId)) out.push(await this.view(r));
    return out;
  }

  /** A conversation's site and account, for trust actions from the popup. */
  refOf(id: string): { site: string; account: string; peer: string; fingerprint?: string; fragmentSize: number } {
    const r = this.record(id);
    const fp = conversationStatus(r.state).theirFingerprint;
    // The effective size (site setting and adapter limit): a channel's room posts split to it too.
    const ref = { site: r.site, account: r.account, peer: r.peer, fragmentSize: r.state.maxFragmentSize };
    return fp ? { ...ref, fingerprint: fp } : ref;
  }

  /** Forgets a tab's registrations when it closes (tabs are not persisted), and the texts it waited for. */
  async dropTab(tabId: number): Promise<void> {
    this.plaintext.dropTab(tabId);
    for (const r of this.records.values()) {
      if (!r.tabs.some((t) => t.tabId === tabId)) continue;
      await this.serial(r.id, async () => {
        r.tabs = r.tabs.filter((t) => t.tabId !== tabId);
      });
    }
  }
}
