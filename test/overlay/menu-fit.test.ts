/**
 * The lock's menu opens inside the window (menu-fit.ts): happy-dom has no layout, so the menu's
 * box is computed here from its side and its max-height, as a browser would place it.
 */
import { describe, expect, it } from 'vitest';
import { fitMenu } from '../../src/overlay/menu-fit';

/** A menu of `natural` px height and 260 px width, held by the right edge of the lock's box. */
function menuFor(lock: DOMRect, natural: number) {
  const menu = document.createElement('div');
  menu.getBoundingClientRect = () => {
    const height = Math.min(natural, menu.style.maxHeight ? parseFloat(menu.style.maxHeight) : Infinity);
    const right = lock.right - (menu.style.right ? parseFloat(menu.style.right) : 0);
    const top = menu.classList.contains('below') ? lock.bottom + 4 : lock.top - 4 - height;
    return new DOMRect(right - 260, top, 260, height);
  };
  return menu;
}

const inside = (r: DOMRect, height: number) => r.top >= 0 && r.left >= 0 && r.bottom <= height;

describe('the lock menu stays inside the window', () => {
  it('opens above the lock when it fits there', () => {
    const lock = new DOMRect(900, 500, 120, 26);
    const menu = menuFor(lock, 300);
    fitMenu(menu, lock, 900);
    expect(menu.classList.contains('below')).toBe(false);
    expect(menu.style.maxHeight).toBe('');
    expect(inside(menu.getBoundingClientRect(), 900)).toBe(true);
  });

  it('opens below a lock near the top, and scrolls within when neither side has room', () => {
    const lock = new DOMRect(900, 60, 120, 26);
    const menu = menuFor(lock, 300);
    fitMenu(menu, lock, 900);
    expect(menu.classList.contains('below')).toBe(true);
    expect(inside(menu.getBoundingClientRect(), 900)).toBe(true);

    const short = menuFor(lock, 600);
    fitMenu(short, lock, 400); // a low window: 306 px below, 52 above
    expect(short.classList.contains('below')).toBe(true);
    expect(short.style.maxHeight).toBe('306px');
    expect(inside(short.getBoundingClientRect(), 400)).toBe(true);
  });

  it('moves right when the lock is near the left edge', () => {
    const lock = new DOMRect(10, 500, 100, 26);
    const menu = menuFor(lock, 200);
    fitMenu(menu, lock, 900);
    expect(menu.getBoundingClientRect().left).toBeGreaterThanOrEqual(4);
  });
});
