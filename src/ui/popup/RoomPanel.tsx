import { useState } from 'preact/hooks';
import type { RoomSummary } from '../../messaging/schema';
import { t } from '../i18n';

/** What the room section of a channel's card can do (issue 13). */
export interface RoomActions {
  invite(conversationId: string, member: string): void;
  remove(conversationId: string, member: string): void;
  leave(conversationId: string): void;
}

const BADGE: Record<'verified' | 'unverified' | 'changed', string> = {
  verified: 'room_badge_verified',
  unverified: 'room_badge_unverified',
  changed: 'room_badge_changed',
};

/** A channel's private room: members with their pairwise trust, and add/remove/leave. */
export function RoomPanel({ room, conversationId, actions }: { room: RoomSummary; conversationId: string; actions: RoomActions }) {
  const [nick, setNick] = useState('');
  const me = room.members.find((m) => m.me);
  const owner = !!me?.owner;
  const active = room.status === 'active';
  const headingId = `room-${room.roomId}`;
  return (
    <section class="field" aria-labelledby={headingId} data-offrecord-room={room.roomId} data-room-status={room.status}>
      <h4 id={headingId} class="label">
        {t('room_title', room.title)}
      </h4>
      <p class="muted small" data-offrecord="room-status">
        {active ? t('room_epoch', String(room.epoch ?? 0)) : t(`room_status_${room.status}`)}
      </p>
      <ul class="room-members" aria-label={t('room_members_label')}>
        {room.members.map((m) => (
          <li key={m.name} data-member={m.name}>
            <span>{m.name}</span>
            {m.owner && <span class="muted small"> {t('room_owner')}</span>}
            {m.badge && (
              <span class={`badge badge-trust-${m.badge}`} data-trust={m.badge}>
                {' '}
                {t(BADGE[m.badge])}
              </span>
            )}
            {active && owner && !m.me && (
              <button type="button" class="btn btn-small" data-offrecord="room-remove" onClick={() => actions.remove(conversationId, m.name)}>
                {t('room_remove')}
              </button>
            )}
          </li>
        ))}
        {room.invited.map((name) => (
          <li key={`invited-${name}`} data-invited={name} class="muted">
            {t('room_invited', name)}
          </li>
        ))}
      </ul>
      {active && owner && (
        <form
          class="actions"
          onSubmit={(e) => {
            e.preventDefault();
            const name = nick.trim();
            if (!name) return;
            actions.invite(conversationId, name);
            setNick('');
          }}
        >
          <input
            type="text"
            value={nick}
            aria-label={t('room_invite_label')}
            placeholder={t('room_invite_label')}
            data-offrecord="room-invite-nick"
            onInput={(e) => setNick((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="btn" data-offrecord="room-invite">
            {t('room_invite')}
          </button>
        </form>
      )}
      {active && (
        <div class="actions">
          <button type="button" class="btn" data-offrecord="room-leave" onClick={() => actions.leave(conversationId)}>
            {t('room_leave')}
          </button>
        </div>
      )}
    </section>
  );
}
