/**
 * Long-lived ports for what the background pushes, and the frames' token-bound channel.
 *
 * - EVENTS_PORT ('offrecord:events'): popup/options connect; the background pushes PushEvent.
 * - CONTENT_PORT ('offrecord:content'): a content script connects once per frame; the
 *   background pushes ContentPush (wire texts to send, conversation changes). Never plaintext.
 *   The content script makes its requests on it too ({ type: 'request', id, kind, payload },
 *   answered { type: 'reply', id, reply }), checked like any runtime message.
 * - FRAME_PORT ('offrecord:frame'): a compose, reader or verify frame draws a nonce, connects
 *   and sends { type: 'hello', nonce }, and posts the same nonce to its parent window
 *   (frame-host.ts) at once. The content script that placed that iframe claims it with the
 *   one-time token it got through 'content.frameToken' ('content.frameClaim'); the token never
 *   enters the page. An unclaimed port gets nothing.
 *   Then:
 *     compose frame → { type: 'send', text }            background → { type: 'sent', queued }
 *     compose frame → { type: 'typing' } (throttled)    relayed to its content script, which
 *                                                       moves no focus while the user types
 *                                                       background → { type: 'queued', items }
 *     reader frame  ← { type: 'plaintext', messageId, text } or { type: 'unavailable', messageId } (no 'ready')
 *   A spare reader token (issued ahead, bound to the conversation but no message) is spent by a
 *   frame placed as a message arrives; its hello names the message. A warm reader (loaded ahead
 *   of any message, then moved into the row of one) names none: its content script names the
 *   message with that message's feed ('content.incoming' `reader`), and the plaintext follows.
 *   verify frame  → { type: 'verify', action, secret?, question? } for its token's conversation
 *                   (answered by the 'conversation' push, or { type: 'error' })
 *   Every claimed frame first receives { type: 'mark', mark }: the user's security mark (issue 17
 *   item 1), which it shows so the user can tell it from a page's imitation. A reader whose text
 *   is at hand gets it inside that text's message instead.
 *   All frames also receive { type: 'conversation', view } on state changes, and { type: 'error' }.
 * After a service-worker restart every port disconnects: reconnect and, for content scripts,
 * register the conversation again; frames need a fresh token.
 */
import { MAX_TEXT, int, literal, obj, opt, pattern, str, type Infer } from './check';
import type { FrameRole } from './frames';
import type { ConversationView, FileKeyView, IdentityStatus, PeerView, Reply, SecurityMark, SmpView } from './types';

export const EVENTS_PORT = 'offrecord:events';
export const CONTENT_PORT = 'offrecord:content';
export const FRAME_PORT = 'offrecord:frame';

export type PushEvent =
  | { type: 'identity'; status: IdentityStatus }
  | { type: 'conversation'; view: ConversationView }
  | { type: 'smp'; conversationId: string; smp: SmpView }
  /** Blocking warning: a known (site, account, peer) now shows another fingerprint. */
  | { type: 'fingerprint-changed'; conversationId: string; previous: string; current: string }
  | { type: 'peers'; peers: PeerView[] }
  | { type: 'notice'; conversationId: string; name: string; text: string };

export type ContentPush =
  | { type: 'send'; conversationId: string; texts: string[] }
  /** The user is typing in this conversation's compose frame (no key, no text: only that). */
  | { type: 'typing'; conversationId: string }
  | { type: 'conversation'; view: ConversationView }
  | { type: 'fingerprint-changed'; conversationId: string; previous: string; current: string }
  | { type: 'notice'; conversationId: string; name: string; text: string }
  /**
   * The page in the compose, verify or attach frame claimed with `token` (which this content
   * script holds already) went: its port closed. An element still in the page then shows
   * something else (the page may have navigated it), and is taken away (frame-claims.ts).
   */
  | { type: 'frame-gone'; conversationId: string; token: string }
  /** The answer to a request the content script made on this port (see PortRequest). */
  | { type: 'reply'; id: number; reply: Reply<unknown> };

/**
 * A content script's request, made on its content port rather than with runtime.sendMessage:
 * a sent message is delivered to every extension page and frame (each of a screenful of reader
 * frames handled each claim of the others), a port message to the background alone.
 */
export const portRequest = obj({ type: literal('request'), id: int(0, Number.MAX_SAFE_INTEGER), kind: str(64, 1), payload: (v: unknown) => v });
export type PortRequest = Infer<typeof portRequest>;

/**
 * A reader frame's channel to the service worker (Chromium; client.ts workerLink): the frame
 * posts WORKER_FRAME_CHANNEL with one MessagePort, sets its address to
 * reader.html?WORKER_FRAME_QUERY=nonce so the worker can ask the browser which tab and frame it
 * is, and posts WORKER_FRAME_CLOSE on the port as it goes (a MessagePort has no disconnect).
 */
export const WORKER_FRAME_CHANNEL = 'frame-channel';
export const WORKER_FRAME_QUERY = 'frame';
export const WORKER_FRAME_CLOSE = 'frame-closed';

export const TOKEN = pattern(/^[0-9a-f]{32}$/, 32);

/**
 * `nonce`: drawn by the frame, also posted to its parent window, where the content script claims
 * the frame with it. `messageId`: a spare reader (placed the moment a message arrived) names its
 * message here.
 */
export const frameHello = obj({ type: literal('hello'), nonce: TOKEN, messageId: opt(pattern(/^[0-9a-f]{64}$/, 64)) });
export const frameSend = obj({ type: literal('send'), text: str(MAX_TEXT, 1) });
/** Compose frames: a key was pressed (throttled). The content script holds inserts meanwhile. */
export const frameTyping = obj({ type: literal('typing') });
/**
 * Verify frames: what the user chose in the dialog, for the conversation the frame's token names
 * (never one the message names). `trust`: the fingerprints were compared and match.
 */
export const frameVerify = obj({
  type: literal('verify'),
  action: literal('smp.start', 'smp.answer', 'smp.abort', 'trust'),
  secret: opt(str(4096, 1)),
  question: opt(str(1024)),
});
export type FrameVerify = Infer<typeof frameVerify>;
export type FrameHello = Infer<typeof frameHello>;
export type FrameSend = Infer<typeof frameSend>;
export type FrameTyping = Infer<typeof frameTyping>;

export type FrameToBackground = FrameHello | FrameSend | FrameTyping | FrameVerify;
export type BackgroundToFrame =
  | { type: 'ready'; role: FrameRole; conversationId: string; view: ConversationView }
  /** First after the claim, to every role: the user's security mark, which the page never sees. */
  | { type: 'mark'; mark: SecurityMark }
  | { type: 'sent'; queued: boolean }
  /** Compose frames only: the texts waiting for the conversation to become private. */
  | { type: 'queued'; items: { id: string; text: string }[] }
  /**
   * `files`: encrypted files this message announced (issue 14), each key good for that file only.
   * `mark`: a reader whose text was at hand gets the mark with it instead of first.
   */
  | { type: 'plaintext'; messageId: string; text: string; files?: FileKeyView[]; mark?: SecurityMark }
  | { type: 'unavailable'; messageId: string; mark?: SecurityMark }
  | { type: 'conversation'; view: ConversationView }
  | { type: 'error'; code: string; message: string };
