/**
 * What of a conversation's view a content script may see (issue 17 item 6). The content script
 * runs inside the chat page's process and shares its DOM, so anything it holds the page may
 * learn. The SMP question came encrypted from the peer: it is peer plaintext, shown only in the
 * popup and the verify frame, never pushed to the page's side.
 */
import type { ContentPush } from '../messaging/ports';
import type { ConversationView } from '../messaging/types';

export function contentView(view: ConversationView): ConversationView {
  if (view.smp.question === undefined) return view;
  const { question: _question, ...smp } = view.smp;
  return { ...view, smp };
}

export function contentPush(push: ContentPush): ContentPush {
  return push.type === 'conversation' ? { ...push, view: contentView(push.view) } : push;
}
