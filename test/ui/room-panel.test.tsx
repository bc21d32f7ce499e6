import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { RoomSummary } from '../../src/messaging/schema';
import { ThisTab, type ThisTabActions } from '../../src/ui/popup/ThisTab';
import { conversation, en, installI18n } from './helpers';

const ROOM: RoomSummary = {
  roomId: '0123456789abcdef0123456789abcdef',
  title: '#test',
  status: 'active',
  lock: 'unverified',
  epoch: 2,
  members: [
    { name: 'alice', me: true, owner: true, badge: null, holdsOurKey: false, theirEpoch: null },
    { name: 'bob', me: false, owner: false, badge: 'verified', holdsOurKey: true, theirEpoch: 0 },
    { name: 'carol', me: false, owner: false, badge: 'changed', holdsOurKey: false, theirEpoch: 0 },
  ],
  invited: ['dave'],
};

function actions() {
  const room = { invite: vi.fn(), remove: vi.fn(), leave: vi.fn() };
  const a: ThisTabActions = { start: vi.fn(), end: vi.fn(), verify: vi.fn(), acknowledgeChange: vi.fn(), room };
  return { a, room };
}

describe('popup: a channel\'s private room', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });
  afterEach(cleanup);

  it('lists members with trust badges and invitations; the owner invites, removes and leaves', () => {
    const { a, room } = actions();
    render(<ThisTab conversations={[conversation({ peer: '#test', title: '#test', room: ROOM })]} actions={a} />);
    const panel = screen.getByRole('region', { name: en('room_title', '#test') });
    const members = within(panel).getByRole('list', { name: en('room_members_label') });
    expect(within(members).getByText(en('room_badge_verified')).closest('li')?.getAttribute('data-member')).toBe('bob');
    expect(within(members).getByText(en('room_badge_changed')).closest('li')?.getAttribute('data-member')).toBe('carol');
    expect(within(members).getByText(en('room_invited', 'dave'))).toBeTruthy();
    // Nobody removes themselves: two Remove buttons, for bob and carol.
    const removes = within(panel).getAllByRole('button', { name: en('room_remove') });
    expect(removes).toHaveLength(2);
    fireEvent.click(removes[1]!);
    expect(room.remove).toHaveBeenCalledWith('thelounge|alice|bob|0', 'carol');
    fireEvent.input(within(panel).getByRole('textbox', { name: en('room_invite_label') }), { target: { value: ' erin ' } });
    fireEvent.click(within(panel).getByRole('button', { name: en('room_invite') }));
    expect(room.invite).toHaveBeenCalledWith('thelounge|alice|bob|0', 'erin');
    fireEvent.click(within(panel).getByRole('button', { name: en('room_leave') }));
    expect(room.leave).toHaveBeenCalledWith('thelounge|alice|bob|0');
  });

  it('a member who is not the owner can only leave; a removed member sees why and no controls', () => {
    const { a } = actions();
    const asBob = { ...ROOM, members: ROOM.members.map((m) => ({ ...m, me: m.name === 'bob' })) };
    const { unmount } = render(<ThisTab conversations={[conversation({ room: asBob })]} actions={a} />);
    expect(screen.queryByRole('button', { name: en('room_remove') })).toBeNull();
    expect(screen.queryByRole('button', { name: en('room_invite') })).toBeNull();
    expect(screen.getByRole('button', { name: en('room_leave') })).toBeTruthy();
    unmount();
    render(<ThisTab conversations={[conversation({ room: { ...asBob, status: 'removed', lock: 'finished' } })]} actions={a} />);
    expect(screen.getByText(en('room_status_removed'))).toBeTruthy();
    expect(screen.queryByRole('button', { name: en('room_leave') })).toBeNull();
  });
});
