/**
 * The security mark's place in a frame (issue 17 item 1): empty until the background sends the
 * mark over this frame's claimed port, then the user's colour and symbols. A page's imitation of
 * the frame cannot draw it, since the page never learns it; a page-made copy of the frame is
 * never claimed and stays without it.
 */
import { msg } from '../ui/i18n';
import type { SecurityMark } from '../messaging/types';

export function markBadge(doc: Document): HTMLElement {
  const badge = doc.createElement('span');
  badge.className = 'security-mark';
  badge.setAttribute('data-offrecord', 'security-mark');
  badge.setAttribute('role', 'img');
  badge.setAttribute('aria-label', msg('security_mark_label'));
  badge.hidden = true;
  badge.style.display = 'none';
  // Inline, so each frame's own style sheet needs nothing for it.
  Object.assign(badge.style, {
    borderRadius: '4px', padding: '0 4px', color: '#fff', fontSize: '11px', lineHeight: '16px', letterSpacing: '1px', whiteSpace: 'nowrap',
  });
  return badge;
}

export function showMark(badge: HTMLElement, mark: SecurityMark): void {
  badge.textContent = mark.symbols;
  badge.style.background = mark.colour;
  badge.dataset.colour = mark.colour;
  badge.title = msg('security_mark_label');
  badge.hidden = false;
  badge.style.display = 'inline-block';
}
