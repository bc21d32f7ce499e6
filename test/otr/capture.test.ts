/**
 * Real conversations between two sessions, kept in test/fixtures/captured/*.json as arrays of
 * {from, wire} for the fuzzer to mutate. `CAPTURE=1 npx vitest run --project otr capture`
 * regenerates them; otherwise this only checks that they parse and cover every message type,
 * and that mutations of them fed to a private session never escape as anything but OtrError
 * and never show a message that was not sent.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/otr/bytes';
import type { DsaPrivateKey } from '../../src/otr/dsa';
import { isOtrError } from '../../src/otr/errors';
import { addFragment, emptyReassembly, parseFragment, type Reassembly } from '../../src/otr/fragment';
import { decodeMessage } from '../../src/otr/messages';
import { POLICY_ALLOW_V2, POLICY_ALWAYS, POLICY_DEFAULT, POLICY_MANUAL, POLICY_WHITESPACE_START_AKE } from '../../src/otr/policy';
import { classify } from '../../src/otr/query';
import { Network, Party, testKey, type WireRecord } from './helpers';

const DIR = new URL('../fixtures/captured/', import.meta.url);
const CAPTURE = process.env.CAPTURE === '1';

type Script = (alice: Party, bob: Party, net: Network) => void;

const conversations: Record<string, { alice: object; bob: object; script: Script }> = {
  'v3-fragmented-400': {
    alice: { policy: POLICY_MANUAL, maxFragmentSize: 400 },
    bob: { policy: POLICY_MANUAL, maxFragmentSize: 400 },
    script: (alice, bob, net) => {
      alice.query();
      net.pump();
      for (let i = 0; i < 10; i++) {
        alice.send(`hello bob ${i} ${'·'.repeat(i * 40)}`);
        bob.send(`hello alice ${i}`);
        net.pump();
      }
      alice.send('');
      alice.send('ünïcödé ✓ 你好');
      net.pump();
      alice.smpStart('swordfish', 'the password?');
      net.pump();
      bob.smpAnswer('swordfish');
      net.pump();
      bob.symkey(1, new Uint8Array([0xde, 0xad]));
      net.pump();
      bob.smpStart('one');
      net.pump();
      alice.smpAnswer('two');
      net.pump();
      alice.end();
      net.pump();
    },
  },
  'v2-fragmented-140': {
    alice: { policy: POLICY_DEFAULT, maxFragmentSize: 140 },
    bob: { policy: POLICY_ALLOW_V2 | POLICY_WHITESPACE_START_AKE, maxFragmentSize: 140 },
    script: (alice, bob, net) => {
      alice.send('hi, shall we go private?');
      net.pump();
      for (let i = 0; i < 8; i++) {
        bob.send(`v2 message ${i}`);
        net.pump();
        alice.send(`v2 reply ${i}`);
      }
      net.pump();
      bob.smpStart('secret');
      net.pump();
      alice.smpAnswer('secret');
      net.pump();
      bob.end();
      net.pump();
    },
  },
  'v3-require-encryption': {
    alice: { policy: POLICY_ALWAYS },
    bob: { policy: POLICY_ALWAYS },
    script: (alice, bob, net) => {
      alice.send('held until private');
      net.pump();
      for (let i = 0; i < 20; i++) {
        (i % 3 ? alice : bob).send(`message ${i}`);
        if (i % 2) net.pump();
      }
      net.pump();
      alice.clock.ms += 120_000;
      bob.send('after a pause');
      net.pump();
      alice.smpAbort();
      bob.smpStart('x');
      net.pump();
      alice.smpAbort();
      net.pump();
      bob.end();
      net.pump();
    },
  },
};

function load(name: string): WireRecord[] {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as WireRecord[];
}

/** Reassembles fragments per sender and returns every whole message, in order. */
function wholeMessages(records: WireRecord[]): WireRecord[] {
  const pending = new Map<string, Reassembly>();
  const out: WireRecord[] = [];
  for (const r of records) {
    const c = classify(r.wire);
    if (c.kind !== 'fragment') {
      out.push(r);
      continue;
    }
    const added = addFragment(pending.get(r.from) ?? emptyReassembly(), parseFragment(c.text));
    pending.set(r.from, added.state);
    if (added.complete !== undefined) out.push({ from: r.from, wire: added.complete });
  }
  return out;
}

// Registered only when capturing, so an ordinary run has no skipped tests.
if (CAPTURE) describe('capture (CAPTURE=1)', () => {
  let aliceKey: DsaPrivateKey;
  let bobKey: DsaPrivateKey;
  beforeAll(() => {
    aliceKey = testKey('capture-alice');
    bobKey = testKey('capture-bob');
  });

  for (const [name, conv] of Object.entries(conversations)) {
    it(`writes ${name}`, () => {
      const clock = { ms: 1_700_000_000_000 };
      const alice = new Party('alice', aliceKey, 0x1111_2222, conv.alice, clock);
      const bob = new Party('bob', bobKey, 0x3333_4444, conv.bob, clock);
      const net = Network.pair(alice, bob);
      conv.script(alice, bob, net);
      expect(alice.eventsOf('gone_secure').length + bob.eventsOf('gone_secure').length).toBeGreaterThanOrEqual(2);
      for (const p of [alice, bob]) expect(p.events.filter((e) => e.type === 'msg' && /UNREADABLE|MALFORMED|GENERAL_ERR/.test(e.name))).toEqual([]);
      expect([...alice.shown, ...bob.shown].filter((s) => s.encrypted).length).toBeGreaterThan(8);
      if (!existsSync(DIR)) mkdirSync(DIR, { recursive: true });
      const body = net.transcript.map((r) => '  ' + JSON.stringify(r)).join(',\n');
      writeFileSync(new URL(`${name}.json`, DIR), `[\n${body}\n]\n`);
    });
  }
});

describe('captured conversations', () => {
  for (const name of Object.keys(conversations)) {
    it(`${name} parses and holds the AKE, data messages and (where used) fragments`, () => {
      const records = load(name);
      expect(Array.isArray(records)).toBe(true);
      for (const r of records) {
        expect(['alice', 'bob']).toContain(r.from);
        expect(typeof r.wire).toBe('string');
      }
      const kinds = new Set<string>();
      for (const r of wholeMessages(records)) {
        const c = classify(r.wire);
        if (c.kind === 'encoded') kinds.add(decodeMessage(c.text).kind);
        else kinds.add(c.kind);
      }
      for (const k of ['dh-commit', 'dh-key', 'reveal-signature', 'signature', 'data']) expect(kinds).toContain(k);
      if (name.includes('fragmented')) expect(records.some((r) => classify(r.wire).kind === 'fragment')).toBe(true);
      if (name.startsWith('v2')) expect(records.some((r) => r.wire.startsWith('?OTR,'))).toBe(true);
    });
  }
});

describe('mutated captured messages', () => {
  let bobKey: DsaPrivateKey;
  beforeAll(() => {
    bobKey = testKey('mutate-bob');
  });

  it('never escape as anything but OtrError into a fresh or mid-AKE session', () => {
    const wires = Object.keys(conversations).flatMap((n) => wholeMessages(load(n)).map((r) => r.wire));
    const encoded = wires.filter((w) => w.startsWith('?OTR:'));
    const mutate = (w: string, at: number, mask: number, cut: number): string[] => {
      const bytes = fromBase64(w.slice(5, w.indexOf('.')));
      const flipped = bytes.slice();
      flipped[at % bytes.length] = flipped[at % bytes.length]! ^ mask;
      return [`?OTR:${toBase64(flipped)}.`, `?OTR:${toBase64(bytes.slice(0, cut % bytes.length))}.`, w.slice(0, cut % w.length)];
    };
    const bob = new Party('bob', bobKey, 0x3333_4444, { policy: POLICY_DEFAULT });
    bob.query(); // some mutated DH-Keys meet a session awaiting one
    bob.outbox.splice(0);
    bob.receive('?OTRv3?');
    fc.assert(
      fc.property(fc.constantFrom(...encoded), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (w, at, mask, cut) => {
        for (const m of mutate(w, at, mask, cut)) {
          try {
            const r = bob.receive(m);
            for (const s of r.show) expect(s.encrypted).toBe(false);
          } catch (e) {
            if (!isOtrError(e)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary text into a session only ever returns or throws OtrError', () => {
    const bob = new Party('bob', bobKey, 0x3333_4444, { policy: POLICY_DEFAULT, maxFragmentSize: 140 });
    const prefix = fc.constantFrom('', '?OTR:', '?OTR,', '?OTR|', '?OTR|00000100|33334444,', '?OTR?v', '?OTR Error:', ' \t  \t\t\t\t \t \t \t  ');
    fc.assert(
      fc.property(prefix, fc.string({ maxLength: 300 }), (p, text) => {
        try {
          const r = bob.receive(p + text);
          for (const s of r.show) expect(s.encrypted).toBe(false);
        } catch (e) {
          if (!isOtrError(e)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
