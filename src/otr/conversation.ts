/**
 * The state of one conversation with one peer (spec: "The protocol state machine"), shared by
 * the sending and receiving halves of the session. A conversation holds one instance per
 * peer client (v3 instance tags; v2 has the single instance 0), each with its own message
 * state, AKE, data keys and SMP, like libotr's master and child contexts.
 */
import { AKE_NONE, type AkeOutgoing, type AkeResult, type AkeState } from './ake';
import { utf8 } from './bytes';
import { type DataKeyState, encryptData, initialDataKeys } from './data';
import type { DsaPrivateKey } from './dsa';
import type { OtrEvent } from './events';
import type { Invitation } from './invitation';
import { emptyReassembly, fragmentMessage, type Reassembly } from './fragment';
import type { RandomBytes } from './group';
import {
  encodeDhCommit,
  encodeDhKey,
  encodeRevealSignature,
  encodeSignature,
  type Header,
  MSG_DATA,
  MSG_DH_COMMIT,
  MSG_DH_KEY,
  MSG_REVEAL_SIGNATURE,
  MSG_SIGNATURE,
} from './messages';
import { POLICY_DEFAULT } from './policy';
import { initialSmpState, type SmpState } from './smp';
import { encodePlaintext, type Tlv } from './tlv';

export interface OtrEnv {
  random: RandomBytes;
  /** Milliseconds; used for heartbeats only. */
  now: () => number;
}

/** Who we are in every conversation: the long-term key and this client's instance tag. */
export interface Identity {
  privateKey: DsaPrivateKey;
  instanceTag: number;
}

/** How many peer instances a conversation keeps before idle ones are dropped. */
export const MAX_INSTANCES = 16;

export type MessageState = 'PLAINTEXT' | 'ENCRYPTED' | 'FINISHED';

export interface InstanceState {
  theirTag: number;
  version: 0 | 2 | 3;
  msgstate: MessageState;
  ake: AkeState;
  data: DataKeyState | null;
  theirFingerprint: string | null;
  ssid: string | null;
  smp: SmpState;
  lastSentAt: number;
  fragments: Reassembly;
}

export interface ConversationOptions {
  account: string;
  protocol: string;
  peer: string;
  policy?: number;
  /** The network's message-length limit; 0 never fragments. */
  maxFragmentSize?: number;
}

export interface ConversationState {
  format: 1;
  account: string;
  protocol: string;
  peer: string;
  policy: number;
  maxFragmentSize: number;
  /** Keyed by the peer's instance tag in decimal; "0" is v2's instance and v3's unaddressed AKE. */
  instances: Record<string, InstanceState>;
  /** The instance that outgoing messages go to. */
  selected: number;
  /** Whether we advertised OTR with a whitespace tag and whether the peer ignored it. */
  offer: 'none' | 'sent' | 'rejected';
  /** Text typed while encryption was required but not yet set up; sent once private. */
  queued: string[];
  /** The readable text sent after the query tag, in the user's language (see invitation.ts). */
  invitation?: Invitation;
}

export interface ShownMessage {
  text: string;
  encrypted: boolean;
}

/** A user message that went out encrypted in this step, with the wire texts that carry it. */
export interface SentMessage {
  text: string;
  wire: string[];
}

export interface StepResult {
  state: ConversationState;
  send: string[];
  /** User messages among `send` (e.g. text queued until the conversation became private). */
  sent: SentMessage[];
  show: ShownMessage[];
  events: OtrEvent[];
}

export function newInstance(theirTag: number): InstanceState {
  return {
    theirTag,
    version: 0,
    msgstate: 'PLAINTEXT',
    ake: AKE_NONE,
    data: null,
    theirFingerprint: null,
    ssid: null,
    smp: initialSmpState(),
    lastSentAt: 0,
    fragments: emptyReassembly(),
  };
}

export function createConversation(opts: ConversationOptions): ConversationState {
  return {
    format: 1,
    account: opts.account,
    protocol: opts.protocol,
    peer: opts.peer,
    policy: opts.policy ?? POLICY_DEFAULT,
    maxFragmentSize: opts.maxFragmentSize ?? 0,
    instances: { '0': newInstance(0) },
    selected: 0,
    offer: 'none',
    queued: [],
  };
}

/**
 * A working copy: every step mutates a copy and returns it, never the caller's state. A
 * direct walk of the JSON value, about three times cheaper than a JSON.stringify/parse round
 * trip (measured per data message, issue 15), with the same result: keys holding undefined are
 * left out, and anything JSON cannot store (a bigint, a function) is refused.
 */
export function copyState(state: ConversationState): ConversationState {
  try {
    return copyJson(state) as ConversationState;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    // Only now is the path worth building: walk again to name the value JSON cannot store.
    throw new TypeError(`${unstorablePath(state, 'state') ?? 'state'}: ${e.message}`);
  }
}

function copyJson(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = value[i] === undefined ? null : copyJson(value[i]);
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = copyJson(v);
    }
    return out;
  }
  throw new TypeError(`a ${typeof value} cannot be stored as JSON`);
}

function unstorablePath(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined || ['string', 'boolean', 'number'].includes(typeof value)) return undefined;
  if (typeof value !== 'object') return path;
  for (const [key, v] of Object.entries(value)) {
    const found = unstorablePath(v, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Collects what one step sends, shows and reports. */
export class Step {
  readonly send: string[] = [];
  readonly sent: SentMessage[] = [];
  readonly show: ShownMessage[] = [];
  readonly events: OtrEvent[] = [];
  constructor(
    readonly env: OtrEnv,
    readonly me: Identity,
    readonly state: ConversationState,
  ) {}

  instance(tag: number): InstanceState {
    const key = String(tag);
    let inst = this.state.instances[key];
    if (!inst) {
      this.pruneIdleInstances();
      inst = newInstance(tag);
      this.state.instances[key] = inst;
    }
    return inst;
  }

  /**
   * Any message names a sender instance, so a peer could make us hold unbounded state. Past a
   * few instances, those that hold nothing (plaintext, no AKE, no pieces) are dropped.
   */
  private pruneIdleInstances(): void {
    const keys = Object.keys(this.state.instances);
    if (keys.length < MAX_INSTANCES) return;
    for (const key of keys) {
      const inst = this.state.instances[key]!;
      const idle = inst.msgstate === 'PLAINTEXT' && inst.ake.state === 'NONE' && inst.fragments.k === 0;
      if (idle && key !== '0' && Number(key) !== this.state.selected) delete this.state.instances[key];
    }
    // Still full: a half-done AKE with an unknown instance is worth less than a private one.
    if (Object.keys(this.state.instances).length < MAX_INSTANCES) return;
    for (const [key, inst] of Object.entries(this.state.instances)) {
      if (inst.msgstate !== 'ENCRYPTED' && key !== '0' && Number(key) !== this.state.selected) delete this.state.instances[key];
    }
  }

  selected(): InstanceState {
    return this.instance(this.state.selected);
  }

  event(e: OtrEvent): void {
    this.events.push(e);
  }

  msgEvent(name: string, text = ''): void {
    this.events.push({ type: 'msg', name, text });
  }

  /** Sends an encoded message, split to the network's limit. */
  transmit(encoded: string, inst: InstanceState, version: 2 | 3): string[] {
    const pieces = fragmentMessage(encoded, this.state.maxFragmentSize, version, this.me.instanceTag, inst.theirTag);
    this.send.push(...pieces);
    return pieces;
  }

  header(inst: InstanceState, version: 2 | 3, type: number): Header {
    return { version, type, senderTag: version === 3 ? this.me.instanceTag : 0, receiverTag: version === 3 ? inst.theirTag : 0 };
  }

  sendAke(inst: InstanceState, version: 2 | 3, out: AkeOutgoing): void {
    const type = { 'dh-commit': MSG_DH_COMMIT, 'dh-key': MSG_DH_KEY, 'reveal-signature': MSG_REVEAL_SIGNATURE, signature: MSG_SIGNATURE }[out.kind];
    const h = this.header(inst, version, type);
    const encoded =
      out.kind === 'dh-commit' ? encodeDhCommit(h, out.body)
      : out.kind === 'dh-key' ? encodeDhKey(h, out.body)
      : out.kind === 'reveal-signature' ? encodeRevealSignature(h, out.body)
      : encodeSignature(h, out.body);
    this.transmit(encoded, inst, version);
  }

  /** Encrypts and sends one data message on an ENCRYPTED instance. */
  sendData(inst: InstanceState, message: string, tlvs: Tlv[], flags: number): void {
    if (!inst.data || (inst.version !== 2 && inst.version !== 3)) return;
    const header = this.header(inst, inst.version, MSG_DATA);
    const { state, wire } = encryptData(inst.data, header, encodePlaintext(utf8(message), tlvs), flags);
    inst.data = state;
    inst.lastSentAt = this.env.now();
    const pieces = this.transmit(wire, inst, inst.version);
    if (message.length > 0) this.sent.push({ text: message, wire: pieces });
  }

  /** The AKE finished: switch the instance to ENCRYPTED with fresh data keys. */
  goSecure(inst: InstanceState, done: AkeResult): void {
    // Our unaddressed v3 commit (instance "0") is spent once an exchange built on it finishes:
    // left waiting, a replayed D-H Key and Signature could finish it again with the same keys.
    const pending = this.state.instances['0'];
    if (pending && pending !== inst && pending.ake.state === 'AWAITING_DHKEY' && pending.ake.gx === done.ourGx) pending.ake = AKE_NONE;
    if (inst.msgstate === 'ENCRYPTED' && inst.data && sameSessionKeys(inst.data, done)) {
      // The exchange agreed on the keys this session already has (libotr's go_encrypted does the
      // same): new data keys would restart the counters, and a counter reused is a keystream reused.
      this.event({ type: 'still_secure' });
      return;
    }
    const refreshed = inst.msgstate === 'ENCRYPTED' && inst.theirFingerprint === done.theirFingerprint;
    inst.version = done.version;
    inst.msgstate = 'ENCRYPTED';
    inst.data = initialDataKeys(this.env.random, done);
    inst.theirFingerprint = done.theirFingerprint;
    inst.ssid = done.ssid;
    inst.smp = initialSmpState();
    inst.lastSentAt = this.env.now();
    this.state.selected = inst.theirTag;
    if (refreshed) this.event({ type: 'still_secure' });
    else
      this.event({ type: 'gone_secure', version: done.version, fingerprint: done.theirFingerprint, ssid: done.ssid, instanceTag: inst.theirTag });
    const queued = this.state.queued;
    this.state.queued = [];
    for (const text of queued) this.sendData(inst, text, [], 0);
  }

  result(): StepResult {
    return { state: this.state, send: this.send, sent: this.sent, show: this.show, events: this.events };
  }
}

/** The AKE's DH keys are ones this session still holds (its current or previous pair). */
function sameSessionKeys(data: DataKeyState, done: AkeResult): boolean {
  const theirs = data.theirCurrent === done.theirDh || data.theirPrevious === done.theirDh;
  const ours = data.ourCurrent.gx === done.ourGx || data.ourPrevious.gx === done.ourGx;
  return theirs && ours;
}
