/**
 * Records real conversations through the engine's public API, to seed the fuzzer: every wire
 * message (with the plaintext of each data message, decrypted on the side of its receiver) and
 * a JSON snapshot of a session in each AKE, data and SMP state, taken just before the message
 * that session expects next. Sessions: v3 and v2 AKE, data messages, SMP with and without a
 * question, SMP abort, extra symmetric key, END, and a v3 conversation fragmented at 140.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../src/otr/bytes';
import { decryptData } from '../../src/otr/data';
import { generateDsaKey, privateKeyToJson } from '../../src/otr/dsa';
import { decodeMessage, isEncodedMessage } from '../../src/otr/messages';
import { POLICY_ALLOW_V2, POLICY_DEFAULT, POLICY_ERROR_START_AKE, POLICY_WHITESPACE_START_AKE } from '../../src/otr/policy';
import {
  abortSmp,
  answerSmp,
  type ConversationState,
  createConversation,
  endOtr,
  type Identity,
  type OtrEnv,
  receiveMessage,
  sendMessage,
  startOtr,
  startSmp,
  type StepResult,
  useExtraSymmetricKey,
} from '../../src/otr/session';

export interface WireMessage {
  text: string;
  /** Index in capture order; a snapshot accepts only data messages sent after its own index. */
  seq: number;
  /** Conversation ("v3", "v2", "frag") and receiving side ("alice" | "bob"). */
  conv: string;
  to: string;
  /** Hex of the decrypted plaintext (message, NUL, TLVs) for data messages. */
  plain?: string;
  /** The UTF-8 text a data message carries (what a receiver would show). */
  shown?: string;
}

export interface Snapshot {
  name: string;
  conv: string;
  side: string;
  seq: number;
  me: { key: ReturnType<typeof privateKeyToJson>; tag: number };
  state: string;
  /** The other side at the same moment, to encrypt valid data messages to this session. */
  peer?: { me: { key: ReturnType<typeof privateKeyToJson>; tag: number }; state: string };
}

export interface Capture {
  messages: WireMessage[];
  snapshots: Snapshot[];
  /** Extra seeds from test/fixtures/captured/*.json (any string there that starts with ?OTR). */
  external: string[];
}

// Set per capture: seeded randomness and a clock that ticks 1 ms per reading, so a capture is
// the same for the same seed and a failing input can be replayed from the seed alone.
let env: OtrEnv;

interface Side {
  name: string;
  me: Identity;
  state: ConversationState;
  asked: boolean;
}

class Recorder {
  readonly messages: WireMessage[] = [];
  readonly snapshots: Snapshot[] = [];
  private queue: { to: Side; text: string }[] = [];
  constructor(
    readonly conv: string,
    readonly a: Side,
    readonly b: Side,
  ) {}

  private other(s: Side): Side {
    return s === this.a ? this.b : this.a;
  }

  apply(s: Side, r: StepResult): void {
    s.state = r.state;
    for (const e of r.events) if (e.type === 'smp' && (e.status === 'ASK_FOR_ANSWER' || e.status === 'ASK_FOR_SECRET')) s.asked = true;
    for (const text of r.send) this.queue.push({ to: this.other(s), text });
  }

  /** Delivers one queued message, recording it first; returns false when none is left. */
  step(): boolean {
    const next = this.queue.shift();
    if (!next) return false;
    const { to, text } = next;
    const m: WireMessage = { text, seq: seq++, conv: this.conv, to: to.name };
    const plain = peekPlaintext(to.state, text);
    if (plain) {
      m.plain = toHex(plain);
      const nul = plain.indexOf(0);
      m.shown = new TextDecoder().decode(nul >= 0 ? plain.subarray(0, nul) : plain);
    }
    this.messages.push(m);
    this.apply(to, receiveMessage(env, to.me, to.state, text));
    return true;
  }

  pump(): void {
    while (this.step());
  }

  snap(name: string, s: Side, withPeer = false): void {
    const snap: Snapshot = { name, conv: this.conv, side: s.name, seq, me: idJson(s.me), state: JSON.stringify(s.state) };
    const p = this.other(s);
    if (withPeer) snap.peer = { me: idJson(p.me), state: JSON.stringify(p.state) };
    this.snapshots.push(snap);
  }

  talk(count: number, texts: string[]): void {
    for (let i = 0; i < count; i++) {
      const from = i % 2 ? this.b : this.a;
      this.apply(from, sendMessage(env, from.me, from.state, texts[i % texts.length]! + ` #${this.conv}.${seq}`));
      this.pump();
    }
  }
}

let seq = 0;

function idJson(me: Identity): Snapshot['me'] {
  return { key: privateKeyToJson(me.privateKey), tag: me.instanceTag };
}

/** Decrypts a data message on a copy of its receiver's keys, without touching the session. */
function peekPlaintext(state: ConversationState, text: string): Uint8Array | undefined {
  if (!isEncodedMessage(text)) return undefined;
  try {
    const d = decodeMessage(text);
    if (d.kind !== 'data') return undefined;
    const inst = state.instances[String(d.header.version === 3 ? d.header.senderTag : 0)];
    if (!inst?.data) return undefined;
    return decryptData(env.random, JSON.parse(JSON.stringify(inst.data)), d.body, d.authenticated).plaintext;
  } catch {
    return undefined;
  }
}

const TEXTS = ['hello', 'grüße, 世界 🙂', 'a longer line of text that goes on for a while to make the ciphertext bigger than the rest', ''];

function side(name: string, me: Identity, peer: string, policy: number, max = 0): Side {
  return { name, me, state: createConversation({ account: name, peer, protocol: 'fuzz', policy, maxFragmentSize: max }), asked: false };
}

/** One scripted conversation; `full` adds SMP, the extra symmetric key and END. */
function conversation(conv: string, alice: Identity, bob: Identity, policy: number, max: number, full: boolean): Recorder {
  const r = new Recorder(conv, side('alice', alice, 'bob', policy, max), side('bob', bob, 'alice', policy, max));
  const { a, b } = r;
  const v = conv === 'v2' ? 'V2' : 'V3';
  if (conv !== 'frag') r.snap('NONE_' + v, b);
  r.apply(a, startOtr(env, a.me, a.state));
  r.step(); // query -> bob sends DH-commit
  if (conv !== 'frag') r.snap('AWAITING_DHKEY_' + v, b);
  r.step(); // DH-commit -> alice sends DH-key
  if (conv !== 'frag') r.snap('AWAITING_REVEALSIG_' + v, a);
  r.step(); // DH-key -> bob sends reveal-signature
  if (conv !== 'frag') r.snap('AWAITING_SIG_' + v, b);
  r.pump();
  r.talk(4, TEXTS);
  if (conv !== 'frag') r.snap('ENCRYPTED_' + v, b, true);
  r.talk(8, TEXTS);
  if (!full) return r;

  // SMP with a question: snapshots in each SMP state, each before the message it expects.
  r.apply(a, startSmp(env, a.me, a.state, 'shared secret', 'what is our secret?'));
  r.snap('SMP_EXPECT2_' + v, a, true);
  r.step();
  r.snap('SMP_AWAITING_ANSWER_' + v, b, true);
  r.apply(b, answerSmp(env, b.me, b.state, 'shared secret'));
  r.snap('SMP_EXPECT3_' + v, b, true);
  r.step();
  r.snap('SMP_EXPECT4_' + v, a, true);
  r.pump();
  // SMP without a question, failing, then one that the responder aborts.
  r.apply(b, startSmp(env, b.me, b.state, 'one secret'));
  r.step();
  r.apply(a, answerSmp(env, a.me, a.state, 'another secret'));
  r.pump();
  r.apply(a, startSmp(env, a.me, a.state, 'x'));
  r.step();
  r.apply(b, abortSmp(env, b.me, b.state));
  r.pump();
  r.apply(a, useExtraSymmetricKey(env, a.me, a.state, 1, new TextEncoder().encode('file.txt')));
  r.pump();
  r.talk(3, TEXTS);
  r.apply(a, endOtr(env, a.me, a.state));
  r.pump();
  r.snap('FINISHED_' + v, b, true);
  r.apply(b, sendMessage(env, b.me, b.state, 'after the end'));
  r.pump();
  return r;
}

function externalSeeds(root: string): string[] {
  const dir = join(root, 'test/fixtures/captured');
  const out: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('?OTR')) out.push(v.slice(v.indexOf('?OTR')));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const f of files) {
    try {
      walk(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    } catch {
      // A fixture that is not JSON is someone else's problem; seeds are optional.
    }
  }
  return out;
}

export function captureConversations(root: string, random: (n: number) => Uint8Array, clockStart: number): Capture {
  seq = 0;
  let clock = clockStart;
  env = { random, now: () => clock++ };
  const alice: Identity = { privateKey: generateDsaKey(env.random), instanceTag: 0x1234_5678 };
  const bob: Identity = { privateKey: generateDsaKey(env.random), instanceTag: 0x0abc_def0 };
  const v2policy = POLICY_ALLOW_V2 | POLICY_WHITESPACE_START_AKE | POLICY_ERROR_START_AKE;
  const runs = [
    conversation('v3', alice, bob, POLICY_DEFAULT, 0, true),
    conversation('v2', alice, bob, v2policy, 0, true),
    conversation('frag', alice, bob, POLICY_DEFAULT, 140, false),
  ];
  return {
    messages: runs.flatMap((r) => r.messages),
    snapshots: runs.flatMap((r) => r.snapshots),
    external: externalSeeds(root),
  };
}
