/**
 * Shared test helpers for the engine: a reproducible random source, an injectable clock, a
 * party (one session) whose state goes through JSON after every step, a pair of parties wired
 * together, and builders for each wire message.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { expect } from 'vitest';
import { concatBytes, utf8 } from '../../src/otr/bytes';
import type { Identity, OtrEnv } from '../../src/otr/conversation';
import { type DsaPrivateKey, generateDsaKey } from '../../src/otr/dsa';
import type { OtrEvent } from '../../src/otr/events';
import type { RandomBytes } from '../../src/otr/group';
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
  dataMessageAuthenticated,
  encodeDataMessage,
} from '../../src/otr/messages';
import {
  abortSmp,
  answerSmp,
  type ConversationOptions,
  type ConversationState,
  createConversation,
  endOtr,
  receiveMessage,
  sendMessage,
  type ShownMessage,
  startOtr,
  startSmp,
  type StepResult,
  useExtraSymmetricKey,
} from '../../src/otr/session';

/** Deterministic randomness: SHA-256 over seed and a block counter, so every run is the same. */
export function drbg(seed: string): RandomBytes {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = sha256(concatBytes(utf8(seed), new Uint8Array([0]), utf8(String(counter++))));
      out.set(block.subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  };
}

export interface Clock {
  ms: number;
}

export function makeEnv(seed: string, clock: Clock = { ms: 1_000_000 }): OtrEnv {
  return { random: drbg(seed), now: () => clock.ms };
}

/** A DSA key made from a fixed seed; callers make them once per file (beforeAll). */
export function testKey(seed: string): DsaPrivateKey {
  return generateDsaKey(drbg(`dsa/${seed}`));
}

/** Parses JSON text back, checking the state survives the trip unchanged. */
export function jsonRoundTrip(state: ConversationState): ConversationState {
  const text = JSON.stringify(state);
  const parsed = JSON.parse(text) as ConversationState;
  expect(parsed).toEqual(state);
  return parsed;
}

/** One side of a conversation. Every step continues from a JSON-parsed copy of the state. */
export class Party {
  state: ConversationState;
  readonly shown: ShownMessage[] = [];
  readonly events: OtrEvent[] = [];
  readonly outbox: string[] = [];
  readonly env: OtrEnv;
  readonly me: Identity;

  constructor(
    readonly name: string,
    key: DsaPrivateKey,
    instanceTag: number,
    opts: Partial<ConversationOptions> = {},
    readonly clock: Clock = { ms: 1_000_000 },
  ) {
    this.env = makeEnv(`party/${name}/${instanceTag}`, clock);
    this.me = { privateKey: key, instanceTag };
    this.state = jsonRoundTrip(createConversation({ account: name, protocol: 'test', peer: 'peer', ...opts }));
  }

  apply(r: StepResult): StepResult {
    this.state = jsonRoundTrip(r.state);
    this.shown.push(...r.show);
    this.events.push(...r.events);
    this.outbox.push(...r.send);
    return r;
  }

  receive(text: string): StepResult {
    return this.apply(receiveMessage(this.env, this.me, this.state, text));
  }
  send(text: string): StepResult {
    return this.apply(sendMessage(this.env, this.me, this.state, text));
  }
  query(): StepResult {
    return this.apply(startOtr(this.env, this.me, this.state));
  }
  end(): StepResult {
    return this.apply(endOtr(this.env, this.me, this.state));
  }
  smpStart(secret: string, question?: string): StepResult {
    return this.apply(startSmp(this.env, this.me, this.state, secret, question));
  }
  smpAnswer(secret: string): StepResult {
    return this.apply(answerSmp(this.env, this.me, this.state, secret));
  }
  smpAbort(): StepResult {
    return this.apply(abortSmp(this.env, this.me, this.state));
  }
  symkey(use: number, useData: Uint8Array): StepResult {
    return this.apply(useExtraSymmetricKey(this.env, this.me, this.state, use, useData));
  }

  /** Takes and clears the events and shown texts collected so far. */
  drainEvents(): OtrEvent[] {
    return this.events.splice(0);
  }
  drainShown(): ShownMessage[] {
    return this.shown.splice(0);
  }
  eventsOf(type: OtrEvent['type']): OtrEvent[] {
    return this.events.filter((e) => e.type === type);
  }
  msgEvents(name: string): OtrEvent[] {
    return this.events.filter((e) => e.type === 'msg' && e.name === name);
  }
}

export interface WireRecord {
  from: string;
  wire: string;
}

/**
 * Two or more parties on one network: what one sends, the other receives. `route` may send
 * one party's output to several peers (two clients of the same account both see it).
 */
export class Network {
  readonly transcript: WireRecord[] = [];
  constructor(readonly route: Map<Party, Party[]>) {}

  static pair(a: Party, b: Party): Network {
    return new Network(
      new Map([
        [a, [b]],
        [b, [a]],
      ]),
    );
  }

  /** Delivers everything queued, in rounds, until nobody has anything left to send. */
  pump(limit = 10_000): void {
    for (let round = 0; round < limit; round++) {
      let moved = false;
      for (const [from, tos] of this.route) {
        const out = from.outbox.splice(0);
        for (const wire of out) {
          moved = true;
          this.transcript.push({ from: from.name, wire });
          for (const to of tos) to.receive(wire);
        }
      }
      if (!moved) return;
    }
    throw new Error('network did not settle');
  }
}

// --- Builders for each wire message --------------------------------------------------------

export function header(version: 2 | 3, type: number, senderTag = 0x1234, receiverTag = 0x5678): Header {
  return version === 3 ? { version, type, senderTag, receiverTag } : { version, type, senderTag: 0, receiverTag: 0 };
}

export const build = {
  dhCommit: (h: Partial<Header>, encryptedGx: Uint8Array, hashedGx: Uint8Array) =>
    encodeDhCommit({ ...header(3, MSG_DH_COMMIT), ...h, type: MSG_DH_COMMIT }, { encryptedGx, hashedGx }),
  dhKey: (h: Partial<Header>, gy: bigint) => encodeDhKey({ ...header(3, MSG_DH_KEY), ...h, type: MSG_DH_KEY }, { gy }),
  revealSignature: (h: Partial<Header>, revealedKey: Uint8Array, encryptedSignature: Uint8Array, mac: Uint8Array) =>
    encodeRevealSignature({ ...header(3, MSG_REVEAL_SIGNATURE), ...h, type: MSG_REVEAL_SIGNATURE }, { revealedKey, encryptedSignature, mac }),
  signature: (h: Partial<Header>, encryptedSignature: Uint8Array, mac: Uint8Array) =>
    encodeSignature({ ...header(3, MSG_SIGNATURE), ...h, type: MSG_SIGNATURE }, { encryptedSignature, mac }),
  data: (
    h: Partial<Header>,
    m: { flags: number; senderKeyId: number; recipientKeyId: number; nextDh: bigint; ctr: Uint8Array; encrypted: Uint8Array },
    mac: Uint8Array,
    oldMacKeys: Uint8Array,
  ) => encodeDataMessage(dataMessageAuthenticated({ ...header(3, MSG_DATA), ...h, type: MSG_DATA }, m), mac, oldMacKeys),
};

/** Flips one bit of the byte at `index` (negative counts from the end) of a decoded message. */
export function flipByte(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] = out[i]! ^ mask;
  return out;
}
