/**
 * Group rooms (issue 13): what one post costs its sender and each reader at 3, 10 and 50
 * members, and what handing out a new chain key costs. Sender keys make a post one encryption
 * and one signature whatever the room's size, and a new epoch one pairwise record per member;
 * the ratios against 3 members show both. Rooms are built with the pure engine, in memory.
 */
import { createRoom, type GroupEnv, type GroupStepResult, inviteMember, postToRoom, readInvite, receiveGroupText, receiveRecord, acceptInvite, redistribute, type RoomState } from '../src/group';
import { median, timeRuns } from './stats';

const SIZES = [3, 10, 50] as const;
// One epoch's worth: the 101st post would re-key first (REKEY_POSTS).
const POSTS = 100;
const env: GroupEnv = { random: (n) => crypto.getRandomValues(new Uint8Array(n)), now: () => Date.now() };

/** A room of `n` members: the owner invites each in turn and every record is delivered. */
function buildRoom(n: number): Map<string, RoomState> {
  const names = Array.from({ length: n }, (_, i) => `member${String(i).padStart(2, '0')}`);
  const rooms = new Map<string, RoomState>([[names[0]!, createRoom(env, { me: names[0]! }).state]]);
  const queue: { from: string; to: string; value: Uint8Array }[] = [];
  const apply = (who: string, r: GroupStepResult) => {
    rooms.set(who, r.state);
    for (const d of r.direct) queue.push({ from: who, to: d.to, value: d.tlv.value });
  };
  for (const name of names.slice(1)) {
    apply(names[0]!, inviteMember(env, rooms.get(names[0]!)!, name, {}));
    while (queue.length) {
      const d = queue.shift()!;
      const room = rooms.get(d.to);
      if (room) apply(d.to, receiveRecord(env, room, d.from, d.value, {}));
      else apply(d.to, acceptInvite(env, readInvite(env, d.to, d.from, d.value, {}).state));
    }
  }
  return rooms;
}

interface GroupRow {
  members: number;
  postMs: number;
  readMs: number;
  distributeMs: number;
  records: number;
  stateBytes: number;
}

function measure(n: number): GroupRow {
  const rooms = buildRoom(n);
  const [senderName, readerName] = [...rooms.keys()];
  let sender = rooms.get(senderName!)!;
  let reader = rooms.get(readerName!)!;
  const wires: string[] = [];
  const postMs = median(
    timeRuns(POSTS, () => {
      const r = postToRoom(env, sender, `post ${wires.length} ` + 'x'.repeat(150), {});
      sender = r.state;
      wires.push(r.send[0]!);
    }, 0),
  );
  let i = 0;
  let shown = 0;
  const readMs = median(
    timeRuns(POSTS, () => {
      const r = receiveGroupText(env, reader, wires[i++]!);
      reader = r.state;
      shown += r.show.length;
    }, 0),
  );
  if (shown !== POSTS) throw new Error(`bench self-check failed: ${shown} of ${POSTS} posts read at ${n} members`);
  // Handing our chain to every other member, as after a re-key or a removal.
  let records = 0;
  const distributeMs = median(
    timeRuns(21, () => {
      const r = redistribute(env, { ...sender, sentTo: [] }, {});
      records = r.direct.length;
    }),
  );
  if (records !== n - 1) throw new Error(`bench self-check failed: ${records} records for ${n} members`);
  return { members: n, postMs, readMs, distributeMs, records, stateBytes: JSON.stringify(reader).length };
}

export function benchGroup(log: (s: string) => void): string[] {
  log('group room warm-up');
  measure(SIZES[0]); // so the first row does not pay for the JIT
  const rows = SIZES.map((n) => {
    log(`group room of ${n}`);
    return measure(n);
  });
  const base = rows[0]!;
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const lines = ['', '## Group rooms (issue 13)', ''];
  lines.push(`Medians of ${POSTS} posts of ~160 bytes; a reader reads them in order. Distribution: our chain to every other member (one pairwise record each), median of 21. Ratios against ${base.members} members.`, '');
  lines.push('| members | post (sender) | ratio | read (each member) | ratio | key distribution | ratio | per record | reader state JSON |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    lines.push(
      `| ${r.members} | ${us(r.postMs)} | ${x(r.postMs, base.postMs)} | ${us(r.readMs)} | ${x(r.readMs, base.readMs)} | ${us(r.distributeMs)} (${r.records} records) | ${x(r.distributeMs, base.distributeMs)} | ${us(r.distributeMs / r.records)} | ${r.stateBytes} bytes |`,
    );
  lines.push('', `Post and read stay flat as the room grows (one XChaCha20-Poly1305 encryption and one Ed25519 signature or verification); distribution grows with the number of records (${rows.map((r) => r.records).join(', ')}).`);
  return lines;
}
