/**
 * Group texts in a channel (issue 13): `?OTR-G:` posts and their pieces go to the background's
 * room manager, never to the channel's own OTR conversation. The answer names a decoration only:
 * a readable post gets a reader frame (its plaintext stays in the extension), anything else a
 * status line or nothing.
 */
import type { RoomIncomingResult } from '../messaging/types';
import type { Decoration } from './decisions';
import { msg } from '../ui/i18n';

/** As src/group/post.ts says (kept here so the content script does not load the group crypto). */
export function isGroupText(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('?OTR-G:') || t.startsWith('?OTR-G|');
}

export function roomDecoration(result: RoomIncomingResult): Decoration {
  switch (result.display) {
    case 'encrypted':
    case 'own':
      return { kind: 'reader', messageId: result.messageId };
    case 'unverifiable':
      // Readable, but its epoch's signing key is public: anyone could have written it.
      return { kind: 'reader', messageId: result.messageId };
    case 'not-a-member':
      return { kind: 'status', text: msg('room_post_not_member'), tone: 'info' };
    case 'waiting':
      // Its sender's key is still on its way over the pairwise conversation.
      return { kind: 'status', text: msg('room_post_waiting'), tone: 'info' };
    case 'not-yet-member':
      return { kind: 'status', text: msg('room_post_not_yet_member'), tone: 'info' };
    case 'dropped':
      return { kind: 'status', text: msg('room_post_dropped'), tone: 'warn' };
    case 'partial':
    case 'hidden':
      return { kind: 'hidden' };
  }
}
