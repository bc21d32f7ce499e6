/**
 * Selectors that reach into open shadow roots and same-origin iframes. Chat widgets often put
 * their composer inside a web component or a frame, where a plain CSS selector from the page
 * cannot see it. A deep selector is plain CSS parts joined by " >>> ": each part is looked up
 * inside the shadow root (or the iframe's document) of the element the previous part found.
 */
export const DEEP = ' >>> ';

type Scope = Document | ShadowRoot | Element;

/** The document or shadow root an element opens onto, or null when there is none we may read. */
export function innerScope(el: Element): Document | ShadowRoot | null {
  if (el.tagName === 'IFRAME' || el.tagName === 'FRAME') {
    try {
      return (el as HTMLIFrameElement).contentDocument;
    } catch {
      return null; // cross-origin: not ours to read
    }
  }
  return el.shadowRoot;
}

export function queryDeep(root: Scope, selector: string): HTMLElement | null {
  if (!selector) return null;
  const parts = selector.split(DEEP);
  let scope: Scope | null = root;
  let found: HTMLElement | null = null;
  for (let i = 0; i < parts.length; i++) {
    if (!scope) return null;
    found = scope.querySelector<HTMLElement>(parts[i]!);
    if (!found) return null;
    if (i < parts.length - 1) scope = innerScope(found);
  }
  return found;
}

/** True when every part is a CSS selector the browser accepts. */
export function isDeepSelector(selector: string): boolean {
  const parts = selector.split(DEEP);
  const probe = document.createDocumentFragment();
  for (const part of parts) {
    if (part.trim() === '') return false;
    try {
      probe.querySelector(part);
    } catch {
      return false;
    }
  }
  return true;
}

/** The element that holds `el`'s document or shadow root (iframe or shadow host), if any. */
export function hostOf(el: Element): Element | null {
  const root = el.getRootNode();
  if (root.nodeType === 11) return (root as ShadowRoot).host; // DOCUMENT_FRAGMENT_NODE
  try {
    return (root as Document).defaultView?.frameElement ?? null;
  } catch {
    return null;
  }
}
