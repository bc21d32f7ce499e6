/**
 * The element picker for the generic adapter: the user points at the composer, then at the
 * message list; we store a CSS selector for each (config.ts). The highlight is a separate
 * overlay box, so the site's own elements are never restyled; all labels use textContent.
 */
import type { GenericConfig } from './config';
import { DEEP, hostOf, innerScope } from './deep';

const EDITABLE = 'textarea, input[type="text"], input:not([type]), [contenteditable=""], [contenteditable="true"], [role="textbox"]';

/**
 * A selector that finds `el` again after a reload: ids and stable attributes over positions.
 * Inside an open shadow root or a same-origin iframe, the host's selector comes first, joined
 * by " >>> " (deep.ts).
 */
export function selectorFor(el: Element): string {
  const host = hostOf(el);
  const own = selectorWithin(el, el.getRootNode() as Document | ShadowRoot);
  return host ? selectorFor(host) + DEEP + own : own;
}

function selectorWithin(el: Element, scope: Document | ShadowRoot): string {
  const parts: string[] = [];
  let node: Element | null = el;
  const top = 'documentElement' in scope ? scope.documentElement : null;
  while (node && node !== top) {
    const stable = stablePart(node);
    if (stable) {
      parts.unshift(stable);
      const candidate = parts.join(' > ');
      if (scope.querySelectorAll(candidate).length === 1) return candidate;
    } else {
      parts.unshift(positional(node));
    }
    node = node.parentElement;
  }
  return parts.join(' > ');
}

function stablePart(el: Element): string | null {
  const tag = el.tagName.toLowerCase();
  // Generated ids (long digit runs, hashes) change per load; skip them.
  if (el.id && !/\d{3,}|[a-f0-9]{8,}/i.test(el.id)) return `${tag}#${CSS.escape(el.id)}`;
  for (const attr of ['data-testid', 'data-qa', 'aria-label', 'name', 'role']) {
    const v = el.getAttribute(attr);
    if (v && v.length < 60) return `${tag}[${attr}="${v.replace(/["\\]/g, '\\$&')}"]`;
  }
  return null;
}

function positional(el: Element): string {
  const tag = el.tagName.toLowerCase();
  const parent = el.parentElement;
  if (!parent) return tag;
  const same = Array.from(parent.children).filter((c) => c.tagName === el.tagName);
  return same.length === 1 ? tag : `${tag}:nth-of-type(${same.indexOf(el) + 1})`;
}

/** The editable element the user meant when clicking at or inside a composer. */
export function composerFrom(el: HTMLElement): HTMLElement | null {
  return el.closest<HTMLElement>(EDITABLE) ?? el.querySelector<HTMLElement>(EDITABLE);
}

/** The page's own documents the picker listens on: the top one and same-origin iframes'. */
function pickableDocs(doc: Document): Document[] {
  const docs = [doc];
  for (const frame of Array.from(doc.querySelectorAll('iframe'))) {
    const inner = innerScope(frame);
    if (inner && 'documentElement' in inner) docs.push(inner);
  }
  return docs;
}

/** Where `el` sits on the top document's viewport (an iframe's content is offset by the frame). */
function viewportRect(el: Element): { left: number; top: number; width: number; height: number } {
  const r = el.getBoundingClientRect();
  let left = r.left;
  let top = r.top;
  let frame: Element | null = null;
  try {
    frame = el.ownerDocument.defaultView?.frameElement ?? null;
  } catch {
    frame = null;
  }
  while (frame) {
    const f = frame.getBoundingClientRect();
    left += f.left + (frame as HTMLElement).clientLeft;
    top += f.top + (frame as HTMLElement).clientTop;
    try {
      frame = frame.ownerDocument.defaultView?.frameElement ?? null;
    } catch {
      frame = null;
    }
  }
  return { left, top, width: r.width, height: r.height };
}

/** Lets the user click one element; resolves null on Escape. The prompt is set as textContent. */
export function pickElement(doc: Document, prompt: string): Promise<HTMLElement | null> {
  return new Promise((resolve) => {
    const banner = doc.createElement('div');
    banner.setAttribute('data-offrecord', 'picker');
    banner.setAttribute('role', 'status');
    banner.textContent = prompt;
    banner.style.cssText =
      'position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:2147483647;padding:6px 12px;' +
      'font:13px system-ui,sans-serif;background:#1d3557;color:#fff;border-radius:4px;pointer-events:none;';
    const box = doc.createElement('div');
    box.setAttribute('data-offrecord', 'picker-highlight');
    box.style.cssText =
      'position:fixed;z-index:2147483646;pointer-events:none;border:2px solid #e63946;background:rgba(230,57,70,.12);display:none;';
    doc.documentElement.append(banner, box);
    const docs = pickableDocs(doc);

    // composedPath()[0] is the real target inside an open shadow root (e.target is its host).
    const targetOf = (e: Event) => (e.composedPath()[0] ?? e.target) as HTMLElement | null;
    const onMove = (e: MouseEvent): void => {
      const t = targetOf(e);
      if (!t || t === box || t === banner || typeof t.getBoundingClientRect !== 'function') return;
      const r = viewportRect(t);
      Object.assign(box.style, { display: 'block', left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
    };
    const swallow = (e: Event): void => {
      e.preventDefault();
      e.stopImmediatePropagation();
    };
    const onClick = (e: MouseEvent): void => {
      swallow(e);
      finish(targetOf(e));
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape') return;
      swallow(e);
      finish(null);
    };
    function listen(on: boolean): void {
      for (const d of docs) {
        const method = on ? d.addEventListener.bind(d) : d.removeEventListener.bind(d);
        method('mousemove', onMove as EventListener, true);
        method('mousedown', swallow, true);
        method('mouseup', swallow, true);
        method('click', onClick as EventListener, true);
        method('keydown', onKey as EventListener, true);
      }
    }
    function finish(el: HTMLElement | null): void {
      listen(false);
      banner.remove();
      box.remove();
      resolve(el);
    }
    listen(true);
  });
}

/** The message list the user meant: a list-like ancestor of the click, else what was clicked. */
export function listFrom(el: HTMLElement): HTMLElement {
  return el.closest<HTMLElement>('[role="log"], [role="list"], [role="feed"], ul, ol') ?? el;
}

const SEND_WORDS = /\b(send|submit|senden|envoyer|enviar|invia|verstuur)\b/i;

/** A send button near the composer (same form or a close ancestor), or null: then Enter sends. */
export function sendButtonNear(composer: HTMLElement): HTMLElement | null {
  let scope: HTMLElement | null = composer.parentElement;
  for (let depth = 0; scope && depth < 4; depth++, scope = scope.parentElement) {
    const buttons = Array.from(scope.querySelectorAll<HTMLElement>('button, [role="button"], input[type="submit"]'));
    const found = buttons.find((b) => {
      if (composer.contains(b)) return false;
      const label = `${b.getAttribute('aria-label') ?? ''} ${b.getAttribute('title') ?? ''} ${b.textContent ?? ''} ${(b as HTMLInputElement).value ?? ''}`;
      return SEND_WORDS.test(label) || b.getAttribute('type') === 'submit';
    });
    if (found) return found;
  }
  return null;
}

/** Prompts; English text unless the extension's catalogue has the key (content scripts may read it). */
export interface PickerPrompts {
  composer: string;
  notEditable: string;
  list: string;
}

export const ENGLISH_PROMPTS: PickerPrompts = {
  composer: 'OffRecord, step 1 of 2: click the box where you type messages. Esc cancels.',
  notEditable: 'OffRecord: that is not a text box. Click the box where you type messages. Esc cancels.',
  list: 'OffRecord, step 2 of 2: click the area that shows the messages. Esc cancels.',
};

/** Walks the user through both picks; null when cancelled. */
export async function pickGenericConfig(doc: Document, prompts: PickerPrompts = ENGLISH_PROMPTS): Promise<GenericConfig | null> {
  let prompt = prompts.composer;
  let composer: HTMLElement | null = null;
  while (!composer) {
    const clicked = await pickElement(doc, prompt);
    if (!clicked) return null;
    composer = composerFrom(clicked);
    prompt = prompts.notEditable;
  }
  const clicked = await pickElement(doc, prompts.list);
  if (!clicked) return null;
  const button = sendButtonNear(composer);
  return {
    composer: selectorFor(composer),
    messageList: selectorFor(listFrom(clicked)),
    message: '',
    sendButton: button ? selectorFor(button) : '',
  };
}
