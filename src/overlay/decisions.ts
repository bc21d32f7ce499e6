/**
 * What the overlay shows for a message, decided from public information only (the wire text's
 * header, who sent it, the background's answer), so the choices are pure and tested without a
 * browser; the controller only carries them out.
 */
import { carriesPlaintext, classify, type WireText } from '../otr/classify';
import { messageIdOf } from '../messaging/message-id';
import type { IncomingDisplay } from '../messaging/types';
import { msg } from '../ui/i18n';

/** How a message is shown, kept by its wire text, so a re-rendered element is shown the same. */
export type Decoration =
  | { kind: 'reader'; messageId: string }
  | { kind: 'status'; text: string; tone: 'info' | 'warn' }
  /** An earlier piece of a message whose last piece shows it: its row goes (one row per message). */
  | { kind: 'hidden' };

/** The compact status line shown instead of protocol traffic. */
export function statusText(wire: WireText, own: boolean): string {
  switch (wire.kind) {
    case 'query':
      return msg(own ? 'status_asked_own' : 'status_asked');
    case 'fragment':
      return wire.header ? msg('status_part', [String(wire.header.k), String(wire.header.n)]) : msg('status_piece');
    case 'error':
      return msg('status_otr_error');
    case 'encoded':
      if (wire.type === 'ake') return msg('status_handshake');
      if (wire.type === 'data') return msg(own ? 'status_control_own' : 'status_control');
      return msg('status_protocol');
    default:
      return msg('status_protocol');
  }
}

export interface SeenMessage {
  text: string;
  wire: WireText;
  mine: boolean;
  history: boolean;
}


/**
 * Whether the background hears of it: not our own messages from before this page load (nothing
 * to learn from them). Our live ones go with their flag: the background alone knows which are
 * echoes of what it sent and keeps the others from the engine. Other history is fed with its
 * flag: the background never answers it (history-replies.ts).
 */
export function feedsEngine(m: SeenMessage): boolean {
  return !(m.mine && m.history);
}

/** Shown without the engine: data messages get a reader (kept plaintext, or why not). */
export function earlierDecoration(m: SeenMessage): Decoration {
  if (carriesPlaintext(m.wire)) return { kind: 'reader', messageId: messageIdOf(m.text) };
  return { kind: 'status', text: statusText(m.wire, m.mine), tone: 'info' };
}

/** After the background's answer; null leaves the page's own rendering alone (plain text). */
export function replyDecoration(m: SeenMessage, reply: { display: IncomingDisplay; messageId: string }): Decoration | null {
  switch (reply.display) {
    case 'encrypted':
      return { kind: 'reader', messageId: reply.messageId };
    case 'error':
      return { kind: 'status', text: msg('status_unreadable'), tone: 'warn' };
    case 'duplicate':
    case 'earlier':
      return earlierDecoration(m);
    case 'gone':
      // What a reader frame says of a message it has no text for, as a line.
      return { kind: 'status', text: msg('reader_unavailable'), tone: 'info' };
    case 'hidden':
      return { kind: 'status', text: statusText(m.wire, m.mine), tone: 'info' };
    case 'locked':
      return { kind: 'status', text: msg('status_locked'), tone: 'info' };
    case 'expired':
      return { kind: 'status', text: msg('status_expired'), tone: 'info' };
    case 'replayed':
      return { kind: 'status', text: msg('status_replayed'), tone: 'info' };
    default:
      return null;
  }
}

/**
 * A reader before the answer: only while the conversation is private, when the message may well
 * decrypt (in plaintext state it cannot, and would cost a frame). A live message gets its frame
 * at once ('now'); history gets one when it comes on screen ('on-screen'), loading while the
 * background decrypts the page's history, which may take a while (npm run bench: a screenful of
 * frames took ~1 s to load on a busy machine, after the ~0.5 s the history took).
 */
export function readerOnArrival(m: SeenMessage, privateNow: boolean): 'now' | 'on-screen' | null {
  if (!privateNow || m.mine || !carriesPlaintext(m.wire)) return null;
  return m.history ? 'on-screen' : 'now';
}

/**
 * One row per message: pieces of a fragmented message are grouped by sender instance and count;
 * when the last piece gets a reader, the earlier pieces' rows are hidden.
 */
export function pieceGroup(m: SeenMessage): { key: string; last: boolean } | null {
  if (m.wire.kind !== 'fragment' || !m.wire.header || m.wire.header.n < 2) return null;
  const h = m.wire.header;
  return { key: `${m.mine ? 'out' : 'in'}:${h.version}:${h.senderTag}:${h.n}`, last: h.k === h.n };
}

/** The status of a fragmented message once all its pieces are in, read from the joined pieces. */
export function wholeMessageStatus(pieces: string[], mine: boolean): string | null {
  let joined = '';
  for (const text of pieces) {
    const c = classify(text);
    if (c.kind !== 'fragment' || !c.header) return null;
    joined += c.header.piece;
  }
  const whole = classify(joined);
  return whole.kind === 'fragment' ? null : statusText(whole, mine);
}
