/**
 * Group rooms over the local IRC stack (issue 13): how long from "remove member" until every
 * remaining member holds every other remaining member's chain of the new epoch. Each member is
 * a plain IRC client in Node (test/stacks/irc-observer.ts) on a real ngircd, running OffRecord's
 * own engines: pairwise OTR conversations (src/otr/session.ts) carrying the room's TLV records,
 * and the room engine (src/group). No browser: the time is the protocol's and the server's
 * (ngircd paces each client to a few lines a second, which dominates at larger rooms), not the
 * page's; the browser path is proven by test/e2e/rooms.test.ts.
 */
import { fromHex } from '../src/otr/bytes';
import type { ConversationState, Identity, OtrEnv, StepResult } from '../src/otr/conversation';
import { generateDsaKey } from '../src/otr/dsa';
import { createConversation, receiveMessage, sendMessage, startOtr, conversationStatus } from '../src/otr/session';
import {
  acceptInvite, createRoom, inviteMember, readInvite, receiveRecord, redistribute, removeMember, roomView, TLV_GROUP, type GroupEnv, type GroupStepResult, type RoomState,
} from '../src/group';
import { startIrcObserver, startIrcStack, type IrcObserver } from '../test/stacks/index';

const SIZES = [3, 6] as const;
const CHANNEL = '#test';
/** IRC lines stay well under the 512-byte limit, as the site adapter keeps them. */
const FRAGMENT = 300;
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const env: OtrEnv & GroupEnv = { random, now: () => Date.now() };

interface Member {
  nick: string;
  irc: IrcObserver;
  me: Identity;
  conversations: Map<string, ConversationState>;
  room?: RoomState;
  /** Lines of `irc.lines` already handled. */
  read: number;
}

function conversation(m: Member, peer: string): ConversationState {
  let c = m.conversations.get(peer);
  if (!c) {
    c = createConversation({ account: m.nick, protocol: 'irc', peer, maxFragmentSize: FRAGMENT });
    m.conversations.set(peer, c);
  }
  return c;
}

function say(m: Member, target: string, texts: readonly string[]): void {
  for (const t of texts) m.irc.send(`PRIVMSG ${target} :${t}`);
}

function otrStep(m: Member, peer: string, r: StepResult): void {
  m.conversations.set(peer, r.state);
  say(m, peer, r.send);
  for (const e of r.events) if (e.type === 'tlv' && e.tlvType === TLV_GROUP) roomRecord(m, peer, fromHex(e.value));
}

/** A room step: channel texts to the channel, records over each pairwise conversation. */
function roomStep(m: Member, r: GroupStepResult): void {
  m.room = r.state;
  say(m, CHANNEL, r.send);
  for (const d of r.direct) otrStep(m, d.to, sendMessage(env, m.me, conversation(m, d.to), '', [d.tlv]));
}

/** As the background's RoomManager.record: an invitation is accepted at once. */
function roomRecord(m: Member, from: string, value: Uint8Array): void {
  if (!m.room) return roomStep(m, acceptInvite(env, readInvite(env, m.nick, from, value, {}).state));
  roomStep(m, receiveRecord(env, m.room, from, value, {}));
  const s = m.room;
  if (s.status === 'active' && s.members.includes(from) && !s.sentTo.includes(from)) roomStep(m, redistribute(env, s, {}));
}

/** Handles every new line each member received; true once `done` holds. */
async function runUntil(members: Member[], done: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`bench group over IRC: ${what} did not happen in ${timeoutMs} ms`);
    let any = false;
    for (const m of members) {
      while (m.read < m.irc.lines.length) {
        const line = m.irc.lines[m.read++]!;
        const hit = /^:([^! ]+)\S* PRIVMSG (\S+) :(.*)$/.exec(line);
        if (!hit || hit[2] !== m.nick) continue; // channel texts (key reveals) are not needed here
        any = true;
        otrStep(m, hit[1]!, receiveMessage(env, m.me, conversation(m, hit[1]!), hit[3]!));
      }
    }
    if (!any) await new Promise((r) => setTimeout(r, 2));
  }
}

/** Our own sending chain's epoch (-1 before we have one). */
const epochOf = (m: Member): number => m.room?.sending?.epoch ?? -1;

const holdsAll = (members: Member[], want: (m: Member) => number) =>
  members.every((x) => {
    const view = x.room && roomView(x.room, {});
    return !!view && members.every((y) => y === x || view.members.find((v) => v.name === y.nick)?.theirEpoch === want(y));
  });

async function measure(n: number, port: number): Promise<{ members: number; ms: number; lines: number }> {
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const nick = `m${n}x${i}`;
    members.push({ nick, irc: await startIrcObserver(port, { nick }), me: { privateKey: generateDsaKey(random), instanceTag: 0x100 + i }, conversations: new Map(), read: 0 });
  }
  try {
    for (const m of members) m.read = m.irc.lines.length;
    // Every pair private.
    for (const [i, a] of members.entries()) for (const b of members.slice(i + 1)) otrStep(a, b.nick, startOtr(env, a.me, conversation(a, b.nick)));
    const privateAll = () => members.every((a) => members.every((b) => a === b || conversationStatus(conversation(a, b.nick)).msgstate === 'ENCRYPTED'));
    await runUntil(members, privateAll, 'every pairwise AKE');
    // The first member's room, everyone invited; all hold all chains of epoch 0.
    const owner = members[0]!;
    roomStep(owner, createRoom(env, { me: owner.nick, title: CHANNEL, maxFragmentSize: FRAGMENT }));
    for (const m of members.slice(1)) roomStep(owner, inviteMember(env, owner.room!, m.nick, {}));
    await runUntil(members, () => holdsAll(members, () => 0), 'the room among all members');

    const removed = members[n - 1]!;
    const remaining = members.slice(0, n - 1);
    const before = new Map(remaining.map((m) => [m.nick, epochOf(m)]));
    const lines = remaining.reduce((sum, m) => sum + m.irc.lines.length, 0);
    const t0 = performance.now();
    roomStep(owner, removeMember(env, owner.room!, removed.nick, {}));
    await runUntil(members, () => remaining.every((m) => epochOf(m) > before.get(m.nick)!) && holdsAll(remaining, epochOf), 'the new epoch');
    const ms = performance.now() - t0;
    return { members: n, ms, lines: remaining.reduce((sum, m) => sum + m.irc.lines.length, 0) - lines };
  } finally {
    for (const m of members) m.irc.close();
  }
}

export async function benchGroupOverIrc(log: (s: string) => void): Promise<string[]> {
  const stack = await startIrcStack();
  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  try {
    for (const n of SIZES) {
      log(`group over IRC: ${n} members`);
      rows.push(await measure(n, stack.ircPort));
    }
  } finally {
    await stack.stop();
  }
  const out = ['', '## Group rooms over the local IRC stack (issue 13)', ''];
  out.push(`Members are plain IRC clients in Node on ngircd, each running OffRecord's OTR and room engines (bench/group-irc.ts); the last member is removed. Wall-clock time from the owner's "remove member" until every remaining member holds every other remaining member's chain of the new epoch (pairwise records over OTR, fragmented to ${FRAGMENT} characters, paced by ngircd). One run each.`, '');
  out.push('| members | remove → new epoch on all remaining | IRC lines received by the remaining members | ratio to 3 members |', '|---|---|---|---|');
  const base = rows[0]!.ms;
  for (const r of rows) out.push(`| ${r.members} | ${r.ms.toFixed(0)} ms | ${r.lines} | ${(r.ms / base).toFixed(2)}× |`);
  return out;
}
