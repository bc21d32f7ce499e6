/**
 * The element picker for the generic adapter: the user points at the composer, then at the
 * message list; we store a CSS selector for each (config.ts). The highlight is a separate
 * overlay box, so the site's own elements are never restyled; all labels use textContent.
 */
import type { GenericConfig } from './config';

const EDITABLE = 'textarea, input[type="text"], input:not([type]), [contenteditable=""], [contenteditable="true"], [role="textbox"]';

/** A selector that finds `el` again after a reload: ids and stable attributes over positions. */
export function selectorFor(el: Element): string {
  const doc = el.ownerDocument;
  const parts: string[] = [];
  let node: Element | null = el;
  while (node && node !== doc.documentElement) {
    const stable = stablePart(node);
    if (stable) {
      parts.unshift(stable);
      const candidate = parts.join(' > ');
      if (doc.querySelectorAll(candidate).length === 1) return candidate;
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

/** Lets the user click one element; resolves null on Escape. */
export function pickElement(doc: Document, prompt: string): Promise<HTMLElement | null> {
  return new Promise((resolve) => {
    const banner = doc.createElement('div');
    banner.setAttribute('data-offrecord', 'picker');
    banner.textContent = `${prompt} (Esc cancels)`;
    banner.style.cssText =
      'position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:2147483647;padding:6px 12px;' +
      'font:13px system-ui,sans-serif;background:#1d3557;color:#fff;border-radius:4px;pointer-events:none;';
    const box = doc.createElement('div');
    box.setAttribute('data-offrecord', 'picker-highlight');
    box.style.cssText =
      'position:fixed;z-index:2147483646;pointer-events:none;border:2px solid #e63946;background:rgba(230,57,70,.12);display:none;';
    doc.documentElement.append(banner, box);

    const onMove = (e: MouseEvent): void => {
      const t = e.target as HTMLElement | null;
      if (!t || t === box || t === banner) return;
      const r = t.getBoundingClientRect();
      Object.assign(box.style, { display: 'block', left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
    };
    const swallow = (e: Event): void => {
      e.preventDefault();
      e.stopImmediatePropagation();
    };
    const onClick = (e: MouseEvent): void => {
      swallow(e);
      finish(e.target as HTMLElement | null);
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape') return;
      swallow(e);
      finish(null);
    };
    function finish(el: HTMLElement | null): void {
      doc.removeEventListener('mousemove', onMove, true);
      doc.removeEventListener('click', onClick, true);
      doc.removeEventListener('mousedown', swallow, true);
      doc.removeEventListener('keydown', onKey, true);
      banner.remove();
      box.remove();
      resolve(el);
    }
    doc.addEventListener('mousemove', onMove, true);
    doc.addEventListener('mousedown', swallow, true);
    doc.addEventListener('click', onClick, true);
    doc.addEventListener('keydown', onKey, true);
  });
}

/** Walks the user through both picks; null when cancelled or nothing editable was chosen. */
export async function pickGenericConfig(doc: Document): Promise<GenericConfig | null> {
  const clicked = await pickElement(doc, 'OffRecord: click the box where you type messages');
  const composer = clicked && composerFrom(clicked);
  if (!composer) return null;
  const list = await pickElement(doc, 'OffRecord: click the area that shows the messages');
  if (!list) return null;
  return { composer: selectorFor(composer), messageList: selectorFor(list), message: '', sendButton: '' };
}
