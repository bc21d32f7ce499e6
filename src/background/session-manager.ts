/**
 * One OTR conversation per (site, account, peer) (DESIGN.md §4; the peer's instance tags live
 * inside the engine state). Every operation on a conversation runs on that conversation's
 * promise chain, so two tabs showing one chat still have one writer. After each step the whole
 * record goes to storage.session, so a restarted worker resumes mid-AKE, mid-SMP or between
 * data messages. Plaintext leaves only through plaintextFor(), which the router calls for the
 * reader frame holding a token for that message.
 */
import {
  abortSmp, answerSmp, conversationStatus, createConversation, endOtr, isOtrError, receiveMessage, sendMessage,
  startOtr, startSmp, type ConversationState, type Identity, type OtrEnv, type OtrEvent, type StepResult,
} from '../otr/index';
import { classify, isEarlierFragment, isEncodedWire, isOtrTraffic } from '../otr/classify';
import { messageIdOf } from '../messaging/message-id';
import type { ConversationView, IncomingDisplay, IncomingResult, SitePolicy, SmpView } from '../messaging/types';
import type { ContentPush, PushEvent } from '../messaging/ports';
import { storeFail } from './errors';
import { policyBits } from './config-store';
import type { SessionPersistence } from './session-persistence';
import { humanFingerprint, type TrustStore } from './trust-store';

export interface TabRef {
  tabId: number;
  frameId: number;
}

interface ConversationRecord {
  id: string;
  site: string;
  account: string;
  peer: string;
  title: string;
  policy: SitePolicy;
  state: ConversationState;
  /** Ids of OTR wire texts already processed (bounded): duplicate delivery is a no-op. */
  seen: string[];
  /** Ids of wire texts we sent, so our own echo is not fed to the engine. */
  sent: string[];
  smp: SmpView;
  fingerprintChanged?: { previous: string; current: string };
  tabs: TabRef[];
  /** The adapter's own message-length limit, which caps the site's fragment size. */
  adapterLimit?: number;
}

export interface SessionDeps {
  keys: { identityFor(site: string, account: string): Promise<Identity> };
  trust: TrustStore;
  persistence: SessionPersistence;
  env: OtrEnv;
  /** Pushes: to popup/options (PushEvent) and to the content script of a tab (ContentPush). */
  notify(event: PushEvent): void;
  toContent(tab: TabRef, push: ContentPush): void;
}

const SEEN_LIMIT = 1000;
const ERROR_NAMES = new Set(['RCVDMSG_UNREADABLE', 'RCVDMSG_MALFORMED', 'RCVDMSG_GENERAL_ERR']);

/** The site's fragment size capped by what the adapter knows the site accepts (0 = never). */
export function effectiveFragmentSize(siteSize: number, adapterLimit: number | undefined): number {
  if (!adapterLimit) return siteSize;
  return siteSize > 0 ? Math.min(siteSize, adapterLimit) : adapterLimit;
}

export function conversationIdOf(site: string, account: string, peer: string): string {
  return [site, account, peer].map(encodeURIComponent).join('/');
}

function bounded(list: string[], id: string): string[] {
  const next = [...list, id];
  return next.length > SEEN_LIMIT ? next.slice(next.length - SEEN_LIMIT) : next;
}

export class SessionManager {
  private records = new Map<string, ConversationRecord>();
  private chains = new Map<string, Promise<unknown>>();
  /** messageId -> plaintext, for reader frames; persisted until delivered (see below). */
  private plaintext = new Map<string, string>();
  /** Reader frames waiting for a message still being received (see whenReceived). */
  private arrivals = new Map<string, Array<() => void>>();
  retention: 'off' | 'session' = 'off';

  constructor(private readonly deps: SessionDeps) {}

  /** Loads conversations and undelivered plaintext a previous worker left in storage.session. */
  async restore(): Promise<void> {
    for (const [key, value] of await this.deps.persistence.loadAll()) {
      if (key.startsWith('conv:')) {
        const r = value as ConversationRecord;
        if (r && typeof r === 'object' && typeof r.id === 'string' && r.state && typeof r.state === 'object') this.records.set(r.id, r);
      } else if (key.startsWith('plain:') && typeof value === 'string') this.plaintext.set(key.slice(6), value);
    }
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.chains.set(id, run.catch(() => undefined));
    return run;
  }

  private record(id: string): ConversationRecord {
    const r = this.records.get(id);
    if (!r) storeFail('not-found', 'no such conversation; the page must register it first');
    return r;
  }

  private async save(r: ConversationRecord): Promise<void> {
    await this.deps.persistence.save(`conv:${r.id}`, r);
  }

  private async keep(messageId: string, text: string): Promise<void> {
    this.plaintext.set(messageId, text);
    this.received(messageId);
    await this.deps.persistence.save(`plain:${messageId}`, text);
  }

  /**
   * A reader frame may open while its message is still being received (the content script
   * places it on arrival, so the frame loads while the message is decrypted): it waits here
   * until the plaintext is kept, the receive ends without any, or `timeoutMs` passes.
   */
  whenReceived(messageId: string, timeoutMs: number): Promise<void> {
    if (this.plaintext.has(messageId)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.received(messageId), timeoutMs);
      const list = this.arrivals.get(messageId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.arrivals.set(messageId, list);
    });
  }

  private received(messageId: string): void {
    const list = this.arrivals.get(messageId);
    this.arrivals.delete(messageId);
    for (const done of list ?? []) done();
  }

  /** Plaintext for a reader frame. With retention 'off' it is dropped once delivered. */
  async plaintextFor(messageId: string): Promise<string | null> {
    const text = this.plaintext.get(messageId) ?? null;
    if (text !== null && this.retention === 'off') {
      this.plaintext.delete(messageId);
      // Not awaited: the reader shows the text while storage forgets it.
      this.deps.persistence.remove(`plain:${messageId}`).catch(() => undefined);
    }
    return text;
  }

  register(
    input: { site: string; account: string; peer: string; title?: string; policy: SitePolicy; fragmentSize: number; adapterLimit?: number },
    tab?: TabRef,
  ): Promise<ConversationView> {
    const id = conversationIdOf(input.site, input.account, input.peer);
    return this.serial(id, async () => {
      let r = this.records.get(id);
      if (!r) {
        const state = createConversation({
          account: input.account,
          protocol: input.site,
          peer: input.peer,
          policy: policyBits(input.policy),
          maxFragmentSize: input.fragmentSize,
        });
        r = { id, site: input.site, account: input.account, peer: input.peer, title: input.title ?? input.peer, policy: input.policy, state, seen: [], sent: [], smp: { status: 'idle', progress: 0 }, tabs: [] };
        const change = await this.deps.trust.pendingChange(input.site, input.account, input.peer);
        if (change) r.fingerprintChanged = change;
        this.records.set(id, r);
      }
      if (input.adapterLimit !== undefined) r.adapterLimit = input.adapterLimit;
      this.applyPolicy(r, input.policy, input.fragmentSize);
      if (input.title) r.title = input.title;
      if (tab) r.tabs = [...r.tabs.filter((t) => t.tabId !== tab.tabId || t.frameId !== tab.frameId), tab];
      await this.save(r);
      return this.view(r);
    });
  }

  /** Feeds one wire text seen in the page. The answer never carries plaintext. */
  receive(id: string, text: string): Promise<IncomingResult> {
    const done = () => this.received(messageIdOf(text));
    return this.serial(id, async (): Promise<IncomingResult> => {
      const r = this.record(id);
      const messageId = messageIdOf(text);
      if (r.sent.includes(messageId)) return { messageId, display: this.plaintext.has(messageId) ? 'encrypted' : 'hidden', send: [] };
      // Only encoded messages are deduplicated: each is unique (keys, counters, randomness), so
      // the same text twice is a replay; query and error messages legitimately repeat. A
      // fragment before the last is not unique (the first piece of two data messages in a row
      // can be the same), so it is always fed; the message is judged at its last piece.
      const wire = classify(text);
      const otr = isEncodedWire(wire) && !isEarlierFragment(wire);
      if (otr && r.seen.includes(messageId)) return { messageId, display: 'duplicate', send: [] };
      const me = await this.deps.keys.identityFor(r.site, r.account);
      let result: StepResult;
      try {
        result = receiveMessage(this.deps.env, me, r.state, text);
      } catch (e) {
        if (!isOtrError(e)) throw e;
        this.deps.notify({ type: 'notice', conversationId: id, name: 'RCVDMSG_MALFORMED', text: e.message });
        if (otr) r.seen = bounded(r.seen, messageId);
        await this.save(r);
        return { messageId, display: 'error', send: [] };
      }
      if (otr) r.seen = bounded(r.seen, messageId);
      let display: IncomingDisplay = 'hidden';
      const secret = result.show.filter((m) => m.encrypted).map((m) => m.text);
      if (secret.length > 0) {
        await this.keep(messageId, secret.join('\n'));
        display = 'encrypted';
      } else if (result.show.length > 0) display = 'plain';
      else if (result.events.some((e) => e.type === 'msg' && ERROR_NAMES.has(e.name))) display = 'error';
      await this.apply(r, result, 'reply');
      return { messageId, display, send: result.send };
    }).finally(done);
  }

  /** Plaintext typed in the compose frame of `tab`: encrypted (or queued) and handed to that tab. */
  send(id: string, text: string, tab: TabRef): Promise<{ queued: boolean }> {
    return this.serial(id, async () => {
      const r = this.record(id);
      if (r.fingerprintChanged) storeFail('fingerprint-changed', `${r.peer}'s key changed; acknowledge it before sending`);
      const me = await this.deps.keys.identityFor(r.site, r.account);
      const result = sendMessage(this.deps.env, me, r.state, text);
      const queued = conversationStatus(result.state).queued > conversationStatus(r.state).queued;
      await this.apply(r, result, tab);
      return { queued };
    });
  }

  private action(id: string, step: (me: Identity, state: ConversationState) => StepResult): Promise<ConversationView> {
    return this.serial(id, async () => {
      const r = this.record(id);
      const me = await this.deps.keys.identityFor(r.site, r.account);
      const result = step(me, r.state);
      await this.apply(r, result, 'last');
      return this.view(r);
    });
  }

  start(id: string): Promise<ConversationView> {
    return this.action(id, (me, s) => startOtr(this.deps.env, me, s));
  }
  end(id: string): Promise<ConversationView> {
    return this.action(id, (me, s) => endOtr(this.deps.env, me, s));
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
  async updateSite(site: string, policy: SitePolicy, fragmentSize: number): Promise<void> {
    for (const r of [...this.records.values()].filter((x) => x.site === site)) {
      await this.serial(r.id, async () => {
        this.applyPolicy(r, policy, fragmentSize);
        await this.save(r);
        const view = await this.view(r);
        this.deps.notify({ type: 'conversation', view });
        for (const t of r.tabs) this.deps.toContent(t, { type: 'conversation', view });
      });
    }
  }

  /** A stricter policy set later must reach conversations made before it (never fail open). */
  private applyPolicy(r: ConversationRecord, policy: SitePolicy, fragmentSize: number): void {
    r.policy = policy;
    r.state = { ...r.state, policy: policyBits(policy), maxFragmentSize: effectiveFragmentSize(fragmentSize, r.adapterLimit) };
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
      await this.serial(r.id, async () => {
        const view = await this.view(r);
        this.deps.notify({ type: 'conversation', view });
        for (const t of r.tabs) this.deps.toContent(t, { type: 'conversation', view });
      });
    }
  }

  /** Known peers changed (trust, a new sighting): open popups show the new list. */
  private async peersChanged(): Promise<void> {
    this.deps.notify({ type: 'peers', peers: await this.deps.trust.list() });
  }

  /** After the user acknowledged a changed key for this contact. */
  clearChange(site: string, account: string, peer: string): Promise<void> {
    const id = conversationIdOf(site, account, peer);
    if (!this.records.has(id)) return Promise.resolve();
    return this.serial(id, async () => {
      const r = this.record(id);
      delete r.fingerprintChanged;
      await this.save(r);
      this.deps.notify({ type: 'conversation', view: await this.view(r) });
    });
  }

  /** Records the step, reacts to its events, hands wire texts to the tab, persists, notifies. */
  /**
   * `deliver`: 'reply' when the caller returns the wire texts itself (receive), a tab for the
   * compose frame's own tab, 'last' for popup actions (the tab that registered most recently).
   */
  private async apply(r: ConversationRecord, result: StepResult, deliver: TabRef | 'reply' | 'last'): Promise<void> {
    r.state = result.state;
    // Our own OTR traffic comes back to us in the page; it must never be fed to the engine.
    for (const wire of result.send) if (isOtrTraffic(classify(wire))) r.sent = bounded(r.sent, messageIdOf(wire));
    // What we typed is shown over the last piece that carries it (also for text that waited
    // for the conversation to become private and went out in a later step).
    for (const m of result.sent) {
      const last = m.wire[m.wire.length - 1];
      if (last) await this.keep(messageIdOf(last), m.text);
    }
    for (const event of result.events) await this.onEvent(r, event);
    await this.save(r);
    const target = deliver === 'last' ? r.tabs[r.tabs.length - 1] : deliver === 'reply' ? undefined : deliver;
    if (result.send.length > 0 && target) this.deps.toContent(target, { type: 'send', conversationId: r.id, texts: result.send });
    const view = await this.view(r);
    this.deps.notify({ type: 'conversation', view });
    for (const t of r.tabs) this.deps.toContent(t, { type: 'conversation', view });
  }

  private async onEvent(r: ConversationRecord, event: OtrEvent): Promise<void> {
    if (event.type === 'gone_secure') {
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
      const progress = Math.max(0, Math.min(1, event.progress / 100));
      const status: SmpView['status'] =
        event.status === 'ASK_FOR_SECRET' || event.status === 'ASK_FOR_ANSWER' ? 'awaiting-answer'
        : event.status === 'IN_PROGRESS' ? 'in-progress'
        : event.status === 'SUCCESS' ? 'succeeded'
        : event.status === 'ABORT' ? 'aborted'
        : 'failed';
      r.smp = event.question === undefined ? { status, progress } : { status, progress, question: event.question };
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
    } else if (event.type === 'msg') {
      this.deps.notify({ type: 'notice', conversationId: r.id, name: event.name, text: event.text });
    }
  }

  async view(r: ConversationRecord): Promise<ConversationView> {
    const s = conversationStatus(r.state);
    const trust = s.theirFingerprint ? await this.deps.trust.trustOf(s.theirFingerprint) : undefined;
    const state = s.msgstate === 'PLAINTEXT' ? 'plaintext' : s.msgstate === 'FINISHED' ? 'finished' : trust === 'unverified' ? 'unverified' : 'private';
    const view: ConversationView = {
      id: r.id, site: r.site, account: r.account, peer: r.peer, title: r.title, state, version: s.version,
      smp: r.smp, policy: r.policy, queued: s.queued,
    };
    if (s.theirFingerprint) view.fingerprint = humanFingerprint(s.theirFingerprint);
    if (trust) view.trust = trust;
    if (r.fingerprintChanged) view.fingerprintChanged = r.fingerprintChanged;
    return view;
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
  refOf(id: string): { site: string; account: string; peer: string; fingerprint?: string } {
    const r = this.record(id);
    const fp = conversationStatus(r.state).theirFingerprint;
    return fp ? { site: r.site, account: r.account, peer: r.peer, fingerprint: fp } : { site: r.site, account: r.account, peer: r.peer };
  }

  /** Forgets a tab's registrations when it closes. */
  async dropTab(tabId: number): Promise<void> {
    for (const r of this.records.values()) {
      if (!r.tabs.some((t) => t.tabId === tabId)) continue;
      await this.serial(r.id, async () => {
        r.tabs = r.tabs.filter((t) => t.tabId !== tabId);
        await this.save(r);
      });
    }
  }
}
