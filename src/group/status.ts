/**
 * What the UI shows of a room: its members with their trust badges, whether each holds our
 * current chain, and the lock state in the same terms as a 1:1 conversation
 * (`data-offrecord-state` private | unverified | finished).
 */
import type { DropReason, RoomState, RoomStatus, Trust, TrustMap } from './room';

export interface RoomMemberView {
  name: string;
  me: boolean;
  owner: boolean;
  /** Pairwise trust; a changed key blocks chain keys both ways until acknowledged. */
  badge: Trust | null;
  /** Whether this member has been handed our current chain key. */
  holdsOurKey: boolean;
  /** Their newest epoch whose chain we hold (their posts in it are readable here), or null. */
  theirEpoch: number | null;
}

export interface RoomView {
  roomId: string;
  title: string;
  status: RoomStatus;
  lock: 'private' | 'unverified' | 'finished';
  epoch: number | null;
  members: RoomMemberView[];
  invited: string[];
  dropped: Partial<Record<DropReason, number>>;
}

export function roomView(state: RoomState, trust: TrustMap): RoomView {
  const members = state.members.map((name) => ({
    name,
    me: name === state.me,
    owner: name === state.owner,
    badge: name === state.me ? null : (trust[name] ?? 'unverified'),
    holdsOurKey: state.sentTo.includes(name),
    theirEpoch: state.chains[name]?.reduce<number | null>((n, c) => (n === null || c.epoch > n ? c.epoch : n), null) ?? null,
  }));
  const allVerified = members.every((m) => m.me || m.badge === 'verified');
  const lock = state.status === 'left' || state.status === 'removed' ? 'finished' : state.status === 'active' && allVerified ? 'private' : 'unverified';
  return {
    roomId: state.roomId,
    title: state.title,
    status: state.status,
    lock,
    epoch: state.sending?.epoch ?? null,
    members,
    invited: [...state.invited],
    dropped: { ...state.dropped },
  };
}
