/**
 * The channel side, before any room is chosen: putting pieces together and finding which room
 * a whole text is for. One ChannelState per site channel, kept beside that channel's rooms;
 * a text for a room we do not hold is "private room post — not a member".
 */
import { toHex } from '../otr/bytes';
import { isOtrError } from '../otr/errors';
import { addGroupFragment, emptyGroupReassembly, type GroupReassembly, parseGroupFragment } from './fragment';
import { decodeGroupText, GROUP_FRAGMENT_PREFIX, GROUP_PREFIX } from './post';

export interface ChannelState {
  fragments: GroupReassembly;
}

export const createChannel = (): ChannelState => ({ fragments: emptyGroupReassembly() });

/**
 * Takes any group text seen in the channel, `from` being the site's name for its poster.
 * Returns the whole text once complete (at once for an unsplit text); a bad piece is ignored.
 */
export function collectGroupText(state: ChannelState, from: string, text: string): { state: ChannelState; complete?: string } {
  const t = text.trim();
  if (t.startsWith(GROUP_PREFIX)) return { state, complete: t };
  if (!t.startsWith(GROUP_FRAGMENT_PREFIX)) return { state };
  try {
    const r = addGroupFragment(state.fragments, from, parseGroupFragment(t));
    return r.complete === undefined ? { state: { fragments: r.state } } : { state: { fragments: r.state }, complete: r.complete };
  } catch (e) {
    if (!isOtrError(e)) throw e;
    return { state };
  }
}

/** The room (hex id) a whole group text is for, or null when it does not parse. */
export function groupTextRoomId(text: string): string | null {
  try {
    return toHex(decodeGroupText(text).roomId);
  } catch (e) {
    if (!isOtrError(e)) throw e;
    return null;
  }
}
