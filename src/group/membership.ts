/**
 * The member list, which belongs to the room and never to the site. The owner (the creator,
 * then the first remaining member by name if the owner leaves) is its only writer: it invites,
 * adds whoever accepts, and removes; every list it sends carries a version, and members adopt
 * only a newer list from the owner. Anyone may leave. A removal or departure makes every
 * remaining member start a new epoch sent only to those who remain; an addition hands the
 * newcomer each member's current chain, from its current iteration on.
 *
 * Records come over a pairwise OTR session, so `from` is the authenticated peer; records from
 * someone outside the list, or over a session whose key changed (or is unverified in a room
 * that requires verification), are refused.
 */
import { fromHex, toHex } from '../otr/bytes';
import { fail, isOtrError } from '../otr/errors';
import { addChain, distribute, publish, resendHandover, startEpoch } from './epoch';
import { retryWaiting } from './posting';
import { ROOM_ID_BYTES } from './crypto';
import { type GroupEnv, type GroupStepResult, MAX_EARLY_RECORDS, requireActive, setMembers, type RoomState, type RoomStep, runRoom, type Trust, type TrustMap } from './room';
import { decodeGroupRecord, type GroupRecord, MAX_MEMBERS } from './tlv';
import { MAX_NAME_BYTES } from './post';

export interface RoomOptions {
  me: string;
  title?: string;
  requireVerified?: boolean;
  /** The site's message-length limit; 0 never splits. */
  maxFragmentSize?: number;
}

function checkName(name: string, field: string): void {
  const length = new TextEncoder().encode(name).length;
  if (length === 0 || length > MAX_NAME_BYTES) fail('invalid-argument', field, `1 to ${MAX_NAME_BYTES} bytes`);
}

/** A new room with ourselves as owner and only member, and our first chain. */
export function createRoom(env: GroupEnv, opts: RoomOptions): GroupStepResult {
  checkName(opts.me, 'room.me');
  const state: RoomState = {
    format: 1,
    roomId: toHex(env.random(ROOM_ID_BYTES)),
    title: opts.title ?? '',
    me: opts.me,
    owner: opts.me,
    status: 'active',
    members: [],
    listHash: '',
    listVersion: 1,
    departed: [],
    invited: [],
    requireVerified: opts.requireVerified ?? false,
    maxFragmentSize: opts.maxFragmentSize ?? 0,
    sending: null,
    sentTo: [],
    chains: {},
    waiting: [],
    early: [],
    dropped: {},
  };
  setMembers(state, [opts.me]);
  return runRoom(env, state, (step) => startEpoch(step, {}, 'start'));
}

function usable(trust: Trust | undefined, requireVerified: boolean): string | null {
  if (trust === 'changed') return 'their key changed and is not acknowledged';
  if (requireVerified && trust !== 'verified') return 'the room requires verified members';
  return null;
}

/** The owner invites someone present in the channel, over their pairwise session. */
export function inviteMember(env: GroupEnv, state: RoomState, invitee: string, trust: TrustMap): GroupStepResult {
  return runRoom(env, state, (step) => {
    const s = step.state;
    requireActive(s);
    if (s.me !== s.owner) fail('bad-state', 'room.owner', 'only the owner invites');
    checkName(invitee, 'invitee');
    if (s.members.includes(invitee)) fail('invalid-argument', 'invitee', 'already a member');
    if (s.members.length + s.invited.length >= MAX_MEMBERS) fail('out-of-range', 'room.members', `at most ${MAX_MEMBERS}`);
    const why = usable(trust[invitee], s.requireVerified);
    if (why) fail('bad-state', 'invitee.trust', why);
    if (!s.invited.includes(invitee)) s.invited.push(invitee);
    s.departed = s.departed.filter((m) => m !== invitee);
    step.record(invitee, [{ op: 'invite', title: s.title, requireVerified: s.requireVerified }], true);
  });
}

/**
 * An invitation that arrived over the pairwise session with `from`: a room in state "invited"
 * for the user to accept (acceptInvite) or ignore. Throws an OtrError for anything else.
 */
export function readInvite(env: GroupEnv, me: string, from: string, value: Uint8Array, trust: TrustMap): GroupStepResult {
  const rec = decodeGroupRecord(value);
  const invite = rec.ops.find((o) => o.op === 'invite');
  if (!invite || invite.op !== 'invite') return fail('bad-state', 'group-tlv.ops', 'not an invitation');
  if (!rec.members) return fail('malformed', 'group-tlv.members', 'an invitation carries the list');
  if (rec.owner !== from || !rec.members.includes(from)) fail('bad-state', 'group-tlv.owner', 'invitations come from the room owner');
  if (rec.members.includes(me)) fail('bad-state', 'group-tlv.members', 'already a member');
  const why = usable(trust[from], invite.requireVerified);
  if (why) fail('bad-state', 'invite.trust', why);
  const state: RoomState = {
    format: 1,
    roomId: toHex(rec.roomId),
    title: invite.title,
    me,
    owner: rec.owner,
    status: 'invited',
    members: [],
    listHash: '',
    listVersion: rec.listVersion,
    departed: [],
    invited: [],
    requireVerified: invite.requireVerified,
    maxFragmentSize: 0,
    sending: null,
    sentTo: [],
    chains: {},
    waiting: [],
    early: [],
    dropped: {},
  };
  setMembers(state, rec.members);
  return runRoom(env, state, (step) => {
    step.events.push({ type: 'invited', roomId: state.roomId, title: invite.title, owner: rec.owner, members: state.members });
  });
}

/** The user accepted: tell the owner, who adds us and sends the list that makes us a member. */
export function acceptInvite(env: GroupEnv, state: RoomState, maxFragmentSize = 0): GroupStepResult {
  return runRoom(env, state, (step) => {
    if (step.state.status !== 'invited') fail('bad-state', 'room.status', `the room is ${step.state.status}`);
    step.state.maxFragmentSize = maxFragmentSize;
    step.record(step.state.owner, [{ op: 'accept' }]);
  });
}

/** The owner removes a member: a new list to everyone (the removed one too), then a new epoch. */
export function removeMember(env: GroupEnv, state: RoomState, member: string, trust: TrustMap): GroupStepResult {
  return runRoom(env, state, (step) => {
    const s = step.state;
    requireActive(s);
    if (s.me !== s.owner) fail('bad-state', 'room.owner', 'only the owner removes members');
    if (member === s.me) fail('invalid-argument', 'member', 'the owner leaves instead');
    if (!s.members.includes(member)) fail('invalid-argument', 'member', 'not a member');
    dropMember(step, member);
    s.listVersion++;
    for (const m of [...step.others(), member]) step.record(m, [{ op: 'remove', member }], true);
    step.events.push({ type: 'members', members: s.members, added: [], removed: [member] });
    startEpoch(step, trust, 'membership');
  });
}

/** We leave: everyone is told over pairwise sessions, and our signing secret is published. */
export function leaveRoom(env: GroupEnv, state: RoomState): GroupStepResult {
  return runRoom(env, state, (step) => {
    const s = step.state;
    requireActive(s);
    for (const m of step.others()) step.record(m, [{ op: 'leave' }]);
    if (s.sending) publish(step, s.sending);
    forget(s, 'left');
    step.events.push({ type: 'left' });
  });
}

/**
 * Sends our current chain to members who lack it and may now have it: after the user
 * acknowledged a changed key or verified a member, or after markUndelivered.
 */
export function redistribute(env: GroupEnv, state: RoomState, trust: TrustMap): GroupStepResult {
  return runRoom(env, state, (step) => {
    requireActive(step.state);
    distribute(step, trust);
  });
}

/** The pairwise session with `member` was set up anew: our hand-over goes again (epoch.ts). */
export function resendChain(env: GroupEnv, state: RoomState, member: string): GroupStepResult {
  return runRoom(env, state, (step) => resendHandover(step, member));
}

/** The pairwise message carrying our chain to `member` could not be sent; send it again later. */
export function markUndelivered(state: RoomState, member: string): RoomState {
  return { ...state, sentTo: state.sentTo.filter((m) => m !== member) };
}

/** A record that arrived over the pairwise session with `from`. */
export function receiveRecord(env: GroupEnv, state: RoomState, from: string, value: Uint8Array, trust: TrustMap): GroupStepResult {
  return runRoom(env, state, (step) => handleRecord(step, from, value, trust));
}

function handleRecord(step: RoomStep, from: string, value: Uint8Array, trust: TrustMap): void {
  let rec: GroupRecord;
  try {
    rec = decodeGroupRecord(value);
  } catch (e) {
    if (!isOtrError(e)) throw e;
    return step.drop('malformed', from, e.message);
  }
  const s = step.state;
  if (toHex(rec.roomId) !== s.roomId) return step.drop('other-room', from);
  const why = usable(trust[from], s.requireVerified);
  if (why) return step.drop('refused', from, why);
  if (s.status === 'left' || s.status === 'removed') return step.drop('refused', from, `the room is ${s.status}`);
  if (s.me === s.owner && s.invited.includes(from) && rec.ops.some((o) => o.op === 'accept')) return admit(step, from, trust);
  if (!s.members.includes(from)) {
    const early = rec.owner === s.owner && rec.listVersion > s.listVersion && (rec.members?.includes(from) ?? true);
    return early ? holdEarly(step, from, value) : step.drop('non-member', from);
  }
  if (rec.members && from === s.owner && rec.owner === s.owner && rec.listVersion > s.listVersion) {
    adoptList(step, rec.members, rec.listVersion, trust);
    if (step.state.status === 'removed') return;
  }
  let gotChain = false;
  for (const op of rec.ops) {
    if (op.op === 'chain') {
      const chain = { epoch: op.epoch, chainKey: toHex(op.chainKey), start: op.iteration, next: op.iteration, skipped: {}, signingPublic: toHex(op.signingPublic), published: false };
      gotChain = addChain(step, from, chain) || gotChain;
    } else if (op.op === 'leave') return depart(step, from, trust);
  }
  if (gotChain) retryWaiting(step);
}

function holdEarly(step: RoomStep, from: string, value: Uint8Array): void {
  const early = step.state.early;
  early.push({ from, value: toHex(value) });
  while (early.length > MAX_EARLY_RECORDS) {
    const gone = early.shift()!;
    step.drop('non-member', gone.from);
  }
}

/** After adopting a newer list: the records that waited for it, in arrival order. */
function retryEarly(step: RoomStep, trust: TrustMap): void {
  const early = step.state.early;
  step.state.early = [];
  for (const r of early) {
    if (step.state.members.includes(r.from)) handleRecord(step, r.from, fromHex(r.value), trust);
    else step.state.early.push(r);
  }
}

/** The owner adds an invitee who accepted and tells everyone; our chain goes to the newcomer. */
function admit(step: RoomStep, newcomer: string, trust: TrustMap): void {
  const s = step.state;
  s.invited = s.invited.filter((m) => m !== newcomer);
  setMembers(s, [...s.members, newcomer]);
  s.listVersion++;
  for (const m of step.others()) step.record(m, [], true);
  step.events.push({ type: 'members', members: s.members, added: [newcomer], removed: [] });
  distribute(step, trust);
}

function adoptList(step: RoomStep, listed: string[], listVersion: number, trust: TrustMap): void {
  const s = step.state;
  // A member who left stays out until the owner's list stops naming them.
  const members = listed.filter((m) => !s.departed.includes(m));
  s.departed = s.departed.filter((m) => listed.includes(m));
  const added = members.filter((m) => !s.members.includes(m));
  const removed = s.members.filter((m) => !members.includes(m));
  s.listVersion = listVersion;
  if (!members.includes(s.me)) {
    if (s.status === 'active') {
      // Our epoch ends with our membership: its posts become deniable like any other's.
      if (s.sending) publish(step, s.sending);
      forget(s, 'removed');
      step.events.push({ type: 'removed' });
    }
    setMembers(s, members);
    return;
  }
  for (const m of removed) dropMember(step, m);
  setMembers(s, members);
  if (added.length || removed.length) step.events.push({ type: 'members', members, added, removed });
  if (s.status === 'invited') {
    s.status = 'active';
    startEpoch(step, trust, 'start');
  } else if (removed.length) startEpoch(step, trust, 'membership');
  else distribute(step, trust);
  retryEarly(step, trust);
}

function depart(step: RoomStep, member: string, trust: TrustMap): void {
  const s = step.state;
  dropMember(step, member);
  if (!s.departed.includes(member)) s.departed.push(member);
  if (member === s.owner) s.owner = s.members[0]!;
  step.events.push({ type: 'members', members: s.members, added: [], removed: [member] });
  // Not yet a member ourselves: no chain of ours to replace, no list of ours to send.
  if (s.status !== 'active') return;
  if (s.me === s.owner) {
    s.listVersion++;
    for (const m of step.others()) step.record(m, [], true);
  }
  startEpoch(step, trust, 'membership');
}

function dropMember(step: RoomStep, member: string): void {
  const s = step.state;
  setMembers(s, s.members.filter((m) => m !== member));
  s.sentTo = s.sentTo.filter((m) => m !== member);
  if (s.handover) delete s.handover[member];
  delete s.chains[member];
}

function forget(s: RoomState, status: 'left' | 'removed'): void {
  s.status = status;
  s.sending = null;
  s.sentTo = [];
  s.handover = {};
  s.chains = {};
  s.waiting = [];
  s.early = [];
}
