/**
 * A rendered mail body (the element a webmail shows it in) as lines with their quote depth, for
 * mail-body.ts. Webmails render quotes as <blockquote> (Roundcube, Gmail's `gmail_quote`,
 * Outlook's `divRplyFwdMsg` sits before a plain div) and break lines with <br> and blocks.
 */
import { normaliseMailLines, type BodyLine, type NormalisedMail } from './mail-body';

const BLOCK = new Set(['P', 'DIV', 'LI', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'TABLE', 'UL', 'OL', 'HR']);
const SKIPPED = new Set(['STYLE', 'SCRIPT', 'HEAD', 'TITLE', 'TEMPLATE']);

/** `quoteSelectors` mark site-specific quote containers that are not <blockquote>. */
export function mailBodyLines(root: Element, quoteSelectors: readonly string[] = []): BodyLine[] {
  const lines: BodyLine[] = [];
  let current = '';
  let depth = 0;
  const flush = (): void => {
    lines.push({ depth, text: current });
    current = '';
  };
  const isQuote = (e: Element): boolean => e.tagName === 'BLOCKQUOTE' || quoteSelectors.some((s) => e.matches(s));
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      // Source newlines in rendered HTML are layout, not line breaks (<br> and blocks are).
      current += (node.nodeValue ?? '').replace(/\n/g, ' ');
      return;
    }
    if (node.nodeType !== 1) return;
    const e = node as Element;
    if (SKIPPED.has(e.tagName)) return;
    if (e.tagName === 'BR') {
      flush();
      return;
    }
    const quote = isQuote(e);
    const block = quote || BLOCK.has(e.tagName);
    if (block && current.trim()) flush();
    else if (block) current = '';
    if (quote) depth++;
    for (const child of Array.from(e.childNodes)) walk(child);
    if (block && current.trim()) flush();
    else if (block) current = '';
    if (quote) depth--;
  };
  walk(root);
  if (current.trim()) flush();
  return lines;
}

export function normaliseMailElement(root: Element, quoteSelectors: readonly string[] = []): NormalisedMail {
  return normaliseMailLines(mailBodyLines(root, quoteSelectors));
}

/**
 * Writes a subject into the site's subject field as typing would (native setter, then input and
 * change events), so the site's own script keeps it. The subject is public text.
 */
export function setSubjectField(field: HTMLInputElement, subject: string): void {
  const win = field.ownerDocument.defaultView as (Window & typeof globalThis) | null;
  const setter = win && Object.getOwnPropertyDescriptor(win.HTMLInputElement.prototype, 'value')?.set;
  if (setter) setter.call(field, subject);
  else field.value = subject;
  field.dispatchEvent(new (win ?? globalThis).Event('input', { bubbles: true }));
  field.dispatchEvent(new (win ?? globalThis).Event('change', { bubbles: true }));
}
