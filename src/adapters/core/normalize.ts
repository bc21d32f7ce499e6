/**
 * Scraped text differs from what the peer sent: sites insert zero-width marks and soft hyphens
 * to help line breaking, show no-break spaces, wrap long tokens, and rewrite or shorten links.
 * OTR's encoded messages (spec "Data Message", "Fragmentation") contain no whitespace at all, so
 * once we know a text is one of them every whitespace character can go. Plain text keeps its
 * inner whitespace: an OTR whitespace tag (spaces and tabs at the end) must survive.
 */
import { classify, isEncodedWire } from '../../otr/classify';

const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

export function normalizeScrapedText(raw: string): string {
  let s = raw.replace(INVISIBLE, '').replace(/\u00A0/g, ' ').replace(/\r\n?/g, '\n');
  s = s.replace(/^[ \n]+/, '');
  if (s.startsWith('?')) {
    const compact = s.replace(/\s+/g, '');
    const wire = classify(compact);
    if (isEncodedWire(wire) && wire.text === compact) return compact;
  }
  // Trailing blanks are template noise, unless tabs show a whitespace tag may be there.
  return s.includes('\t') ? s : s.replace(/[ \n]+$/, '');
}

/**
 * The text of a rendered message as the sender typed it: links whose label the site shortened
 * ("https://exa…/x") are read from their href; elements the site marks as copy-only decoration
 * or hidden are skipped.
 */
export function messageText(el: Element, skip: string[] = []): string {
  const out: string[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      out.push(node.nodeValue ?? '');
      return;
    }
    if (node.nodeType !== 1) return;
    const e = node as Element;
    if (skip.length && e.matches(skip.join(','))) return;
    if (e.tagName === 'A') {
      const label = e.textContent ?? '';
      const href = e.getAttribute('href') ?? '';
      if (shortenedLabel(label, href)) {
        out.push(href);
        return;
      }
    }
    if (e.tagName === 'BR') {
      out.push('\n');
      return;
    }
    if (e.tagName === 'IMG') {
      out.push(e.getAttribute('alt') ?? ''); // emoji images carry the character in alt
      return;
    }
    for (const child of Array.from(e.childNodes)) walk(child);
  };
  walk(el);
  return normalizeScrapedText(out.join(''));
}

/** A label the site cut short ("https://exa…/x"); a linkified bare domain is left alone. */
function shortenedLabel(label: string, href: string): boolean {
  if (!/^https?:/i.test(href)) return false;
  const l = label.trim();
  if (l === href || !/…|\.\.\./.test(l)) return false;
  const [head = '', tail = ''] = l.split(/…|\.\.\./);
  const bare = href.replace(/^https?:\/\//i, '');
  return (href.startsWith(head) || bare.startsWith(head)) && href.endsWith(tail);
}
