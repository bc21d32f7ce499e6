/**
 * Is OffRecord's compose frame still what the user sees (issue 17, trusted path)? The page owns
 * the DOM around the frame and can remove it, hide it, make it transparent or lay something over
 * it, so a user would type into the site's box believing it private. Checked at placement time
 * (about once a second, not per event): the frame's own computed style, its ancestors' opacity,
 * where it really is, and what `elementFromPoint` finds at its centre. A frame whose page went
 * while the element stayed (the page navigated it, say to a `srcdoc` look-alike) is taken out of
 * the page when the background says so (frame-claims.ts frameGone), and so found 'removed'.
 */
export type Tamper = 'removed' | 'hidden' | 'moved' | 'transparent' | 'covered';

/** OffRecord's own elements may lie over the frame (the lock's menu and notices, the fallback). */
function isOurs(el: Element): boolean {
  return el.hasAttribute('data-offrecord') || el.hasAttribute('data-offrecord-host') || el.hasAttribute('data-offrecord-fallback');
}

/** `placedAt`: where OffRecord last put the frame (over the composer, grown upwards). */
export function composeTamper(frame: HTMLIFrameElement, placedAt: { left: number; top: number }): Tamper | null {
  if (!frame.isConnected) return 'removed';
  const doc = frame.ownerDocument;
  const win = doc.defaultView;
  if (!win) return null;
  const style = win.getComputedStyle(frame);
  const box = frame.getBoundingClientRect();
  if (style.display === 'none' || style.visibility !== 'visible' || box.width < 40 || box.height < 16) return 'hidden';
  // Clicks would fall through to the site's box under it, and the keys after them with them
  // (pointer-events is inherited: an ancestor's counts too).
  if (style.pointerEvents === 'none') return 'hidden';
  if (Math.abs(box.left - placedAt.left) > 8 || Math.abs(box.top - placedAt.top) > 8) return 'moved';
  if (style.filter !== 'none' || style.clipPath !== 'none' || style.mixBlendMode !== 'normal') return 'transparent';
  for (let el: Element | null = frame; el; el = el.parentElement) {
    if (Number(win.getComputedStyle(el).opacity) < 0.95) return 'transparent';
  }
  const x = box.left + box.width / 2;
  const y = box.top + box.height / 2;
  // Scrolled out of view: nothing there to type into, so nothing to judge.
  if (x < 0 || y < 0 || x >= win.innerWidth || y >= win.innerHeight) return null;
  const top = doc.elementFromPoint(x, y);
  return top === frame || (top !== null && isOurs(top)) ? null : 'covered';
}
