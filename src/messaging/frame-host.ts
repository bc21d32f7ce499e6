/**
 * Messages an OffRecord frame posts to the page window holding it (window.parent.postMessage).
 * They carry no secret: a frame's size is visible to the page anyway, and so is closing it.
 * The host accepts one only when `event.source` is the contentWindow of a frame it placed
 * itself, which a page script cannot fake, and `event.origin` is the extension's (the page can
 * navigate that very element to a document of its own: same window, the page's origin)
 * (overlay/frame-claims.ts fromFrame), and checks the shape here.
 */
export type FrameToHost =
  /** The nonce this frame said on its port: the content script claims the frame with it (tokens.ts). */
  | { offrecord: 'frame-ready'; nonce: string }
  | { offrecord: 'close-verify' }
  /** Escape in the compose frame: the user goes back to the site's own box (in the clear). */
  | { offrecord: 'compose-escape' }
  /**
   * The compose frame needs this many CSS pixels of height to show its notices and waiting
   * texts under the box (0: the site's composer's height is enough).
   */
  | { offrecord: 'compose-size'; height: number }
  /** The reader's text box needs this many CSS pixels of height. */
  | { offrecord: 'reader-size'; height: number }
  /** The attach frame is done (or cancelled): take it away. */
  | { offrecord: 'close-attach' }
  /**
   * An encrypted file for the site's attachment input, and the wire text announcing its key,
   * which goes out with the next mail: ciphertext both, under a neutral name (issue 14).
   */
  | { offrecord: 'attach-file'; bytes: ArrayBuffer; wire: string[] }
  /** A reader frame asks for the encrypted attachments of the mail it shows (ciphertext). */
  | { offrecord: 'file-request' };

/** What the host hands a reader frame that asked: the mail's encrypted attachments, as fetched. */
export interface HostFiles {
  offrecord: 'files';
  files: ArrayBuffer[];
}

/** Across compartments (Firefox content scripts) `instanceof` fails: ask the object's tag. */
function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return Object.prototype.toString.call(v) === '[object ArrayBuffer]';
}

export function hostFiles(data: unknown): HostFiles | null {
  if (!data || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  if (m.offrecord !== 'files' || !Array.isArray(m.files) || m.files.length > 16) return null;
  return m.files.every(isArrayBuffer) ? { offrecord: 'files', files: m.files as ArrayBuffer[] } : null;
}

export function frameToHost(data: unknown): FrameToHost | null {
  if (!data || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  if (m.offrecord === 'frame-ready' && typeof m.nonce === 'string' && /^[0-9a-f]{32}$/.test(m.nonce)) return { offrecord: 'frame-ready', nonce: m.nonce };
  if (m.offrecord === 'close-verify') return { offrecord: 'close-verify' };
  if (m.offrecord === 'compose-escape') return { offrecord: 'compose-escape' };
  const height = typeof m.height === 'number' && Number.isFinite(m.height) && m.height >= 0 && m.height < 100_000 ? m.height : null;
  if (m.offrecord === 'reader-size' && height !== null) return { offrecord: 'reader-size', height };
  if (m.offrecord === 'compose-size' && height !== null) return { offrecord: 'compose-size', height };
  if (m.offrecord === 'close-attach') return { offrecord: 'close-attach' };
  if (m.offrecord === 'file-request') return { offrecord: 'file-request' };
  if (m.offrecord === 'attach-file' && isArrayBuffer(m.bytes) && Array.isArray(m.wire) && m.wire.length <= 16 && m.wire.every((w) => typeof w === 'string' && w.startsWith('?OTR')))
    return { offrecord: 'attach-file', bytes: m.bytes, wire: m.wire as string[] };
  return null;
}

export function postToHost(win: Window, message: FrameToHost): void {
  // The parent is the chat page, whatever its origin; the payload is public.
  win.parent.postMessage(message, '*');
}

/** The site's look a reader frame copies (adapter-known or computed from the ciphertext's box). */
export interface ReaderLook {
  fontSize?: string;
  fontFamily?: string;
  color?: string;
  lineHeight?: string;
}

const LOOK_KEYS = ['fontSize', 'fontFamily', 'color', 'lineHeight'] as const;

/** Encodes a reader's hash: the message (for a spare token), the look (public page styles). No token. */
export function readerHash(look: ReaderLook, messageId?: string): string {
  const p = new URLSearchParams();
  if (messageId) p.set('m', messageId);
  for (const k of LOOK_KEYS) if (look[k]) p.set(k, look[k]!);
  return p.toString();
}

export function parseReaderHash(hash: string): { look: ReaderLook; messageId?: string } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const look: ReaderLook = {};
  // Only values that cannot break out of a style declaration are taken.
  for (const k of LOOK_KEYS) {
    const v = p.get(k);
    if (v && v.length <= 200 && !/[;{}<>\\]/.test(v)) look[k] = v;
  }
  const m = p.get('m');
  return { look, ...(m && /^[0-9a-f]{64}$/.test(m) ? { messageId: m } : {}) };
}
