/**
 * Builds a SiteAdapter from a site's declarations (DESIGN.md §3: data plus a little code), so
 * each site file is mostly selectors. Selector lists are tried in order: ARIA roles and
 * data-testid first, class names last, because sites rename classes far more often.
 */
import type { ConversationRef, InsertTechnique, QueryRoot, ScrapedMessage, SiteAdapter } from '../core/types';

export interface SiteSpec {
  id: string;
  name: string;
  matches: string[];
  detect?(root: Document): boolean;
  editor: InsertTechnique;
  maxMessageLength: number;
  sendPacingMs: number;
  /** 'click' presses the send button (Enter when none is shown); 'enter' always presses Enter. */
  sendWith: 'click' | 'enter';
  composer: string[];
  sendButton: string[];
  messageList: string[];
  /** One element per message inside the list. */
  message: string;
  /** The element holding the message body inside a message element. */
  text: string[];
  /** Inside the text element but not part of the message (time stamps, edit marks). */
  strip?: string[];
  direction(message: HTMLElement, root: Document): ScrapedMessage['direction'];
  from(message: HTMLElement): string;
  messageId(message: HTMLElement): string;
  conversation(root: Document): ConversationRef | null;
}

export function first<T extends Element = HTMLElement>(root: QueryRoot, selectors: string[]): T | null {
  for (const s of selectors) {
    const el = root.querySelector<T>(s);
    if (el) return el;
  }
  return null;
}

export function text(el: Element | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The page address; readers take the document so fixtures can set it. */
export function pageUrl(root: Document): URL {
  return new URL(root.location?.href ?? root.URL ?? 'about:blank');
}

function pressEnter(composer: HTMLElement): void {
  const win = composer.ownerDocument.defaultView ?? window;
  for (const type of ['keydown', 'keypress', 'keyup']) {
    composer.dispatchEvent(
      new win.KeyboardEvent(type, { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true }),
    );
  }
}

function bodyText(el: HTMLElement, strip: string[] | undefined): string {
  if (!strip?.length) return (el.textContent ?? '').trim();
  const copy = el.cloneNode(true) as HTMLElement;
  for (const junk of Array.from(copy.querySelectorAll(strip.join(',')))) junk.remove();
  return (copy.textContent ?? '').trim();
}

export function defineSite(spec: SiteSpec): SiteAdapter & { spec: SiteSpec } {
  const adapter: SiteAdapter & { spec: SiteSpec } = {
    spec,
    id: spec.id,
    name: spec.name,
    matches: spec.matches,
    editor: spec.editor,
    maxMessageLength: spec.maxMessageLength,
    sendPacingMs: spec.sendPacingMs,
    conversation: (root) => spec.conversation(root),
    composer: (root) => first(root, spec.composer),
    sendButton: (root) => first(root, spec.sendButton),
    send(root, composer) {
      const button = spec.sendWith === 'click' ? adapter.sendButton(root) : null;
      if (button) button.click();
      else pressEnter(composer);
    },
    messageList: (root) => first(root, spec.messageList),
    messageSelector: spec.message,
    readMessage(element) {
      const textElement = first(element, spec.text);
      if (!textElement) return null; // joins, calls, date separators: nothing to decrypt
      return {
        element,
        textElement,
        text: bodyText(textElement, spec.strip),
        direction: spec.direction(element, element.ownerDocument),
        from: spec.from(element),
        id: spec.messageId(element),
      };
    },
    messages(list) {
      const out: ScrapedMessage[] = [];
      for (const element of Array.from(list.querySelectorAll<HTMLElement>(spec.message))) {
        const m = adapter.readMessage!(element);
        if (m) out.push(m);
      }
      return out;
    },
  };
  if (spec.detect) adapter.detect = spec.detect;
  return adapter;
}

/**
 * The canary: which declared parts no longer match on this page. The content script shows
 * "OffRecord can't find the composer on this site" for each, instead of silently doing nothing.
 */
export function missingParts(adapter: SiteAdapter, root: Document): Array<'conversation' | 'composer' | 'message list'> {
  const missing: Array<'conversation' | 'composer' | 'message list'> = [];
  if (!adapter.conversation(root)) missing.push('conversation');
  if (!adapter.composer(root)) missing.push('composer');
  if (!adapter.messageList(root)) missing.push('message list');
  return missing;
}

export function canaryMessage(adapter: SiteAdapter, part: string): string {
  return `OffRecord can't find the ${part} on this site (${adapter.name}); the page may have changed.`;
}
