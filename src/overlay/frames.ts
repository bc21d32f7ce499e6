/**
 * Places OffRecord's extension-origin frames in the page (DESIGN.md §1). The page sees the
 * iframe elements (that is the hook contract) but not what is inside them: plaintext only ever
 * travels from the background to these frames over their own token-bound ports. Tokens are not
 * in the frames' addresses: each element is claimed for its token once it loads (frame-claims.ts).
 */
import { lockIcon, warningIcon } from './icons';
import browser from 'webextension-polyfill';
import { FRAMES, type FrameRole } from '../messaging/frames';
import { expectClaim } from './frame-claims';
import { msg, type MessageKey } from '../ui/i18n';

const FRAME_TITLE: Record<FrameRole, MessageKey> = { compose: 'frame_title_compose', reader: 'frame_title_reader', verify: 'frame_title_verify', attach: 'frame_title_attach' };

function frameUrl(role: FrameRole, hash: string): string {
  return browser.runtime.getURL(`/${FRAMES[role].page}` as '/compose.html') + (hash ? '#' + hash : '');
}

function baseFrame(doc: Document, role: FrameRole, token: string, hash = ''): HTMLIFrameElement {
  const f = doc.createElement('iframe');
  const url = frameUrl(role, hash);
  expectClaim(f, token);
  f.setAttribute('data-offrecord', role);
  f.setAttribute('title', msg(FRAME_TITLE[role]));
  f.setAttribute('referrerpolicy', 'no-referrer');
  f.src = url;
  Object.assign(f.style, { border: '0', margin: '0', padding: '0', colorScheme: 'normal', background: 'transparent' });
  return f;
}

/** Laid over the site's composer, same box, while the conversation is (or must be) private. */
export function composeFrame(doc: Document, token: string): HTMLIFrameElement {
  const f = baseFrame(doc, 'compose', token);
  const ring = (focused: boolean) => (f.style.boxShadow = focused ? '0 0 0 2px #2e7d32' : '0 0 0 1px #2e7d32');
  Object.assign(f.style, { position: 'fixed', zIndex: '2147483645', borderRadius: '4px' });
  ring(false);
  f.addEventListener('focus', () => ring(true));
  f.addEventListener('blur', () => ring(false));
  return f;
}

/**
 * Over the composer's box, `extra` pixels taller upwards (the compose frame's notices and
 * waiting texts, which it shows above its typing box), never above the viewport. Returns where
 * the frame now is, for the guard.
 */
export function placeOver(frame: HTMLElement, box: DOMRect, extra = 0): { left: number; top: number } {
  const height = Math.round(Math.max(box.height, 34) + extra);
  const left = Math.round(box.left);
  const top = extra > 0 ? Math.max(0, Math.round(box.top - extra)) : Math.round(box.top);
  Object.assign(frame.style, {
    left: `${left}px`,
    top: `${top}px`,
    width: `${Math.round(Math.max(box.width, 160))}px`,
    height: `${height}px`,
  });
  return { left, top };
}

/**
 * The Authenticate-buddy dialog (verify.html): a transparent frame over the whole viewport, so
 * its dialog's backdrop dims the page like any modal.
 */
export function verifyFrame(doc: Document, token: string): HTMLIFrameElement {
  const f = baseFrame(doc, 'verify', token);
  Object.assign(f.style, { position: 'fixed', zIndex: '2147483647', left: '0', top: '0', width: '100vw', height: '100vh' });
  return f;
}

/** The attach dialog (attach.html): a panel in the middle of the viewport, above the page. */
export function attachFrame(doc: Document, token: string): HTMLIFrameElement {
  const f = baseFrame(doc, 'attach', token);
  Object.assign(f.style, { position: 'fixed', zIndex: '2147483647', left: 'calc(50vw - 220px)', top: '20vh', width: '440px', height: '230px' });
  return f;
}

/**
 * Over the ciphertext's own box, which ReaderFrames sizes: first the ciphertext's height, then
 * the height of the plaintext the frame reports (about the ciphertext's length: OTR does not pad).
 */
export function readerFrame(doc: Document, textElement: HTMLElement, token: string, hash: string): HTMLIFrameElement {
  const f = baseFrame(doc, 'reader', token, hash);
  Object.assign(f.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', zIndex: '1' });
  textElement.append(f);
  return f;
}

/**
 * A reader loaded ahead of any message, out of sight at the end of the page, so that a message
 * arriving finds one whose document already runs (loading one takes ~100-200 ms). Moved into
 * the message's row with moveBefore, which keeps a frame's document where the browser has it.
 */
export function warmReaderFrame(doc: Document, token: string, hash: string): HTMLIFrameElement {
  const f = baseFrame(doc, 'reader', token, hash);
  Object.assign(f.style, { position: 'fixed', left: '0', top: '0', width: '300px', height: '40px', visibility: 'hidden', pointerEvents: 'none', zIndex: '-1' });
  f.setAttribute('aria-hidden', 'true');
  f.tabIndex = -1;
  doc.body.append(f);
  return f;
}

/** Into the message's box without reloading (false where the browser cannot move frames so). */
export function moveReaderFrame(frame: HTMLIFrameElement, textElement: HTMLElement): boolean {
  const mover = textElement as HTMLElement & { moveBefore?: (node: Node, child: Node | null) => void };
  if (typeof mover.moveBefore !== 'function') return false;
  try {
    mover.moveBefore(frame, null);
  } catch {
    return false; // e.g. across documents: the caller makes a fresh frame
  }
  Object.assign(frame.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', zIndex: '1', visibility: '', pointerEvents: '' });
  frame.removeAttribute('aria-hidden');
  frame.removeAttribute('tabindex');
  return true;
}

/** Whether this browser keeps a frame's document when it is moved (Element.moveBefore: Chromium, and firefox-esr 153). */
export function canMoveFrames(doc: Document): boolean {
  return typeof (doc.body as HTMLElement & { moveBefore?: unknown }).moveBefore === 'function';
}

export const STATUS_ATTR = 'data-offrecord-status';

/** Already shown by OffRecord: a reader frame inside, or a status line standing in for it. */
export function isDecorated(textElement: HTMLElement): boolean {
  return !!textElement.querySelector('[data-offrecord=reader]') || !!textElement.previousElementSibling?.hasAttribute(STATUS_ATTR);
}

/** A compact status line replacing protocol traffic (public information only). */
export function statusLine(doc: Document, textElement: HTMLElement, text: string, tone: 'info' | 'warn' = 'info'): HTMLElement {
  const prev = textElement.parentElement?.querySelector<HTMLElement>(`[${STATUS_ATTR}]`);
  const line = prev && prev.nextElementSibling === textElement ? prev : doc.createElement('span');
  line.setAttribute('data-offrecord', 'status');
  line.setAttribute(STATUS_ATTR, tone);
  line.replaceChildren(tone === 'warn' ? warningIcon(doc) : lockIcon(doc, false), doc.createTextNode(` ${text}`));
  Object.assign(line.style, { fontStyle: 'italic', opacity: '0.75', fontSize: '0.9em' });
  if (line !== prev) textElement.before(line);
  textElement.style.display = 'none';
  return line;
}

/** Takes a status line away again (a message shown "locked" that can be read after unlock). */
export function clearStatus(textElement: HTMLElement): void {
  const prev = textElement.previousElementSibling;
  if (prev?.hasAttribute(STATUS_ATTR)) prev.remove();
  textElement.style.display = '';
}
