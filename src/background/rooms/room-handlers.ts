/**
 * The room requests (schema.ts, issue 13). A room is named by the page conversation showing its
 * channel (the conversation's peer is the channel's name), so a content script can only touch
 * rooms of channels its own tab registered, as with conversations (issue 17 item 5).
 */
import type { RoomSummary } from '../../messaging/types';
import { storeFail } from '../errors';
import type { From, Handlers } from '../router';
import type { SessionManager, TabRef } from '../session-manager';
import type { RoomManager, RoomRef } from './room-manager';

interface RoomServices {
  sessions: SessionManager;
  rooms?: RoomManager;
}

type RoomKinds = 'room.create' | 'room.incoming' | 'room.invite' | 'room.remove' | 'room.leave' | 'room.invitations' | 'room.accept';

/** The public part of a room's view: no drop counters for the page's side. */
function summary(view: RoomSummary): RoomSummary {
  const { roomId, title, status, lock, epoch, members, invited } = view;
  return { roomId, title, status, lock, epoch, members, invited };
}

export function roomHandlers(s: RoomServices): Pick<Handlers, RoomKinds> {
  const rooms = (): RoomManager => s.rooms ?? storeFail('not-found', 'private rooms are not available');
  const tabOf = (from: From): TabRef | undefined => (from.tabId !== undefined && from.frameId !== undefined ? { tabId: from.tabId, frameId: from.frameId } : undefined);

  /** The channel a conversation shows; a content script must have registered it itself. */
  const channelOf = (conversationId: string, from: From, adapterLimit?: number) => {
    const tab = tabOf(from);
    if (from.context === 'content') s.sessions.assertRegisteredBy(conversationId, tab!);
    const { site, account, peer, fragmentSize } = s.sessions.refOf(conversationId);
    // The conversation's size already follows the site's setting and the adapter's limit.
    const size = adapterLimit ? Math.min(fragmentSize || adapterLimit, adapterLimit) : fragmentSize;
    if (from.context === 'content' && tab) rooms().showing(site, account, peer, tab, conversationId, size);
    return { site, account, channel: peer, size, tab: from.context === 'content' ? tab : undefined };
  };
  const active = (site: string, account: string, channel: string): RoomRef =>
    rooms().activeRoom(site, account, channel) ?? storeFail('not-found', 'no private room in this channel');

  return {
    'room.create': async ({ conversationId, fragmentSize }, from) => {
      const c = channelOf(conversationId, from, fragmentSize);
      if (rooms().activeRoom(c.site, c.account, c.channel)) storeFail('invalid', 'this channel already has a private room');
      // The title names the channel: an invitee who shows it joins without a second step.
      return summary(await rooms().create(c.site, c.account, c.channel, { title: c.channel, maxFragmentSize: c.size }, c.tab));
    },
    'room.incoming': async ({ conversationId, from: poster, text, fragmentSize }, from) => {
      const c = channelOf(conversationId, from, fragmentSize);
      const result = await rooms().receive(c.site, c.account, c.channel, poster, text, c.tab);
      return result.sender === undefined ? { messageId: result.messageId, display: result.display } : { messageId: result.messageId, display: result.display, sender: result.sender };
    },
    'room.invite': async ({ conversationId, member }, from) => {
      const c = channelOf(conversationId, from);
      return summary(await rooms().invite(active(c.site, c.account, c.channel), member));
    },
    'room.remove': async ({ conversationId, member }, from) => {
      const c = channelOf(conversationId, from);
      return summary(await rooms().remove(active(c.site, c.account, c.channel), member));
    },
    'room.leave': async ({ conversationId }, from) => {
      const c = channelOf(conversationId, from);
      return summary(await rooms().leave(active(c.site, c.account, c.channel)));
    },
    'room.invitations': async ({ conversationId }, from) => {
      const c = channelOf(conversationId, from);
      return rooms().invitations(c.site, c.account).map(summary);
    },
    'room.accept': async ({ conversationId, roomId }, from) => {
      const c = channelOf(conversationId, from);
      return summary(await rooms().accept(c.site, c.account, roomId, c.channel, c.size));
    },
  };
}
