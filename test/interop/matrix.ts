// The interop matrix: OffRecord's CLI peer (dist/otr-peer.mjs, built by
// `npm run build:cli`) against each reference peer and against itself.
// Every pair × protocol version × case is its own named test. Two test files declare it
// (matrix.test.ts, matrix-otrjs.test.ts): otr.js's SMP alone takes as long as all the other
// peers' cells, so two files let the suite's two workers run them side by side.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  POLICY,
  ROOT,
  assertFingerprints,
  buildCPeer,
  chat,
  closeAll,
  connect,
  deliver,
  endAndRefuse,
  goSecure,
  goSecureRetrying,
  runSmp,
  spawnPeer,
  type Peer,
  type PeerKind,
  type PeerOptions,
} from './harness';

type Case =
  | 'AKE started by the reference peer'
  | 'AKE started by OffRecord'
  | '200 messages each way with key rotation'
  | 'UTF-8 and empty messages'
  | 'fragments at --max 140'
  | 'fragments at --max 400'
  | 'SMP with a question, matching secrets'
  | 'SMP without a question, different secrets'
  | 'SMP without a question, matching secrets, answered automatically'
  | 'extra symmetric key from OffRecord'
  | 'extra symmetric key from the reference peer'
  | 'END from the reference peer'
  | 'END from OffRecord'
  | 'OffRecord restarted from its saved state';

const ALL_CASES: Case[] = [
  'AKE started by the reference peer',
  'AKE started by OffRecord',
  '200 messages each way with key rotation',
  'UTF-8 and empty messages',
  'fragments at --max 140',
  'fragments at --max 400',
  'SMP with a question, matching secrets',
  'SMP without a question, different secrets',
  'SMP without a question, matching secrets, answered automatically',
  'extra symmetric key from OffRecord',
  'extra symmetric key from the reference peer',
  'END from the reference peer',
  'END from OffRecord',
  'OffRecord restarted from its saved state',
];

interface Cell {
  kind: PeerKind;
  version: 2 | 3;
  cases: Case[];
}

function cell(kind: PeerKind, version: 2 | 3): Cell {
  let cases = ALL_CASES;
  // The extra symmetric key (TLV 8) exists only in protocol v3.
  if (version === 2) cases = cases.filter((c) => !c.startsWith('extra symmetric key'));
  return { kind, version, cases };
}

// potr implements OTR v2 only, so it has no v3 cells (and hence no extra-key cells).
const cells: Cell[] = [cell('libotr', 3), cell('libotr', 2), cell('otrjs', 3), cell('otrjs', 2), cell('potr', 2), cell('offrecord', 3), cell('offrecord', 2)];

const rows = cells.flatMap((c) => c.cases.map((name) => ({ ...c, name })));

interface Setup {
  ref: Peer;
  off: Peer;
  policy: number;
}

async function start(c: Cell, extra: { ref?: Partial<PeerOptions>; off?: Partial<PeerOptions> } = {}): Promise<Setup> {
  const policy = c.version === 3 ? POLICY.DEFAULT : POLICY.V2_ONLY;
  const [ref, off] = await Promise.all([
    spawnPeer(c.kind, { account: 'alice', peer: 'bob', policy, ...extra.ref }),
    spawnPeer('offrecord', { account: 'bob', peer: 'alice', policy, ...extra.off }),
  ]);
  connect(ref, off);
  return { ref, off, policy };
}

/**
 * Brings the pair to ENCRYPTED. otr.js, whenever it sends the DH-Commit (also
 * when answering a query), sometimes sends a reveal that libotr rejects (its
 * random r with a leading zero nibble, ~1 in 16). That is otr.js's bug, so an
 * AKE with otr.js is retried up to 3 times rather than failing the OffRecord cell.
 */
async function secure(initiator: Peer, responder: Peer, version: number): Promise<void> {
  const withOtrjs = initiator.kind === 'otrjs' || responder.kind === 'otrjs';
  const res = withOtrjs ? await goSecureRetrying(initiator, responder) : await goSecure(initiator, responder);
  expect(res.version).toBe(version);
}

function longText(n: number): string {
  const unit = 'Grüße, 世界 🙂 fragment me; ';
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** Every OTR-encoded wire line (data, AKE, fragments) must fit the limit. */
function assertWireLimit(p: Peer, max: number, since: number): void {
  const lines = p.grep(/^WIRE \?OTR[:|,]/, since).map((l) => l.slice(5));
  expect(lines.length).toBeGreaterThan(0);
  const over = lines.filter((l) => l.length > max);
  expect(over, `${p.name} sent lines over ${max} chars`).toEqual([]);
}

async function symkey(from: Peer, to: Peer): Promise<void> {
  const st = to.mark();
  const sf = from.mark();
  from.send('SYMKEY 1');
  const mine = await from.waitFor(/^EVENT symkey use=1 key=[0-9a-f]{64}$/, 15_000, sf);
  const theirs = await to.waitFor(/^EVENT received_symkey use=1 key=/, 15_000, st);
  expect(/key=([0-9a-f]+)/.exec(theirs)?.[1]).toBe(/key=([0-9a-f]+)/.exec(mine)?.[1]);
}

async function run(c: Cell & { name: Case }): Promise<void> {
  switch (c.name) {
    case 'AKE started by the reference peer':
    case 'AKE started by OffRecord': {
      const { ref, off } = await start(c);
      const [init, resp] = c.name === 'AKE started by OffRecord' ? [off, ref] : [ref, off];
      await secure(init, resp, c.version);
      await assertFingerprints(ref, off);
      expect(await off.status()).toMatchObject({ msgstate: 'ENCRYPTED', version: String(c.version), fingerprint: ref.fingerprint });
      expect(await ref.status()).toMatchObject({ msgstate: 'ENCRYPTED', version: String(c.version), fingerprint: off.fingerprint });
      await deliver(init, resp, ['first']);
      await deliver(resp, init, ['reply']);
      return;
    }
    case '200 messages each way with key rotation': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      await chat(off, ref, 200, 20);
      return;
    }
    case 'UTF-8 and empty messages': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      const texts = ['Grüße, 世界 🙂', '', 'tab\there, newline\nthere, backslash \\', 'ÿ 𝄞 end'];
      await deliver(off, ref, texts);
      await deliver(ref, off, texts);
      return;
    }
    case 'fragments at --max 140':
    case 'fragments at --max 400': {
      const max = c.name.endsWith('140') ? 140 : 400;
      const { ref, off } = await start(c, { ref: { max }, off: { max } });
      const s0r = ref.mark();
      const s0o = off.mark();
      await secure(off, ref, c.version);
      const text = longText(1000);
      await deliver(off, ref, [text, 'short']);
      await deliver(ref, off, [text, 'short']);
      assertWireLimit(off, max, s0o);
      assertWireLimit(ref, max, s0r);
      return;
    }
    case 'SMP with a question, matching secrets': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      expect(await runSmp(ref, off, 'blue whale', 'blue whale', 'Favourite animal?')).toEqual({ asker: 'SUCCESS', answerer: 'SUCCESS', question: 'Favourite animal?' });
      expect(await runSmp(off, ref, 'grüße 🙂', 'grüße 🙂', 'Wo?')).toEqual({ asker: 'SUCCESS', answerer: 'SUCCESS', question: 'Wo?' });
      return;
    }
    case 'SMP without a question, different secrets': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      // potr, answering with a different secret, aborts instead of sending its last
      // SMP message, so the asking side sees ABORT rather than FAILURE.
      const askerSees = ref.kind === 'potr' ? 'ABORT' : 'FAILURE';
      expect(await runSmp(off, ref, 'one', 'two')).toEqual({ asker: askerSees, answerer: 'FAILURE', question: null });
      expect(await runSmp(ref, off, 'three', 'four')).toEqual({ asker: 'FAILURE', answerer: 'FAILURE', question: null });
      await deliver(off, ref, ['session survives a failed SMP']);
      return;
    }
    case 'SMP without a question, matching secrets, answered automatically': {
      // Each side answers from --smp-secret; the asker only starts it.
      const { ref, off } = await start(c, { ref: { smpSecret: 'auto secret' }, off: { smpSecret: 'auto secret' } });
      await secure(off, ref, c.version);
      for (const [asker, answerer] of [
        [off, ref],
        [ref, off],
      ] as const) {
        const sa = asker.mark();
        const sb = answerer.mark();
        asker.send('SMP auto secret');
        await Promise.all([asker.waitFor(/^EVENT smp SUCCESS /, 30_000, sa), answerer.waitFor(/^EVENT smp SUCCESS /, 30_000, sb)]);
      }
      return;
    }
    case 'extra symmetric key from OffRecord': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      await symkey(off, ref);
      return;
    }
    case 'extra symmetric key from the reference peer': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      await symkey(ref, off);
      return;
    }
    case 'END from the reference peer':
    case 'END from OffRecord': {
      const { ref, off } = await start(c);
      await secure(off, ref, c.version);
      await deliver(ref, off, ['before the end']);
      const [ender, other] = c.name === 'END from OffRecord' ? [off, ref] : [ref, off];
      await endAndRefuse(ender, other);
      return;
    }
    case 'OffRecord restarted from its saved state': {
      const { ref, off, policy } = await start(c);
      await secure(off, ref, c.version);
      await chat(off, ref, 10, 5);
      await off.close();
      expect(off.exitCode).toBe(0);
      const again = await spawnPeer('offrecord', { account: 'bob', peer: 'alice', policy, dir: off.dir });
      expect(again.fingerprint).toBe(off.fingerprint);
      connect(ref, again);
      expect(await again.status()).toMatchObject({ msgstate: 'ENCRYPTED', version: String(c.version), fingerprint: ref.fingerprint });
      await deliver(ref, again, ['sent to the restarted peer', 'Grüße 🙂']);
      await deliver(again, ref, ['sent by the restarted peer']);
      await chat(again, ref, 20, 5);
      return;
    }
  }
}

/** Declares the matrix's tests for the given peers, in the calling test file. */
export function describeMatrix(kinds: PeerKind[]): void {
  beforeAll(() => {
    buildCPeer();
    // The lead's CLI is built, not compiled on the fly: fail loudly rather than time out.
    if (!existsSync(join(ROOT, 'dist/otr-peer.mjs'))) throw new Error('dist/otr-peer.mjs is missing: run `npm run build:cli` first');
  });
  afterEach(() => closeAll());
  const mine = cells.filter((c) => kinds.includes(c.kind));
  describe.each(mine.map((c) => ({ ...c, label: c.kind === 'offrecord' ? 'offrecord' : c.kind })))('$label ↔ offrecord v$version', (c) => {
    it.each(rows.filter((r) => r.kind === c.kind && r.version === c.version))('$name', (row) => run(row));
  });
}
