/**
 * Where the lock's menu opens: inside the window, where it can be seen and clicked. Above the
 * lock by default; below it when there is more room there; scrolled within when it is taller
 * than the room on its side; moved right when the lock sits near the window's left edge. The
 * menu is absolutely placed in the lock's box, held by its right edge (`right: 0`).
 */
const MARGIN = 8;

export function fitMenu(menu: HTMLElement, lock: DOMRect, windowHeight: number): void {
  const above = lock.top - MARGIN;
  const below = windowHeight - lock.bottom - MARGIN;
  menu.style.maxHeight = '';
  menu.style.right = '';
  const height = menu.getBoundingClientRect().height;
  const down = height > above && below > above;
  menu.classList.toggle('below', down);
  const room = Math.max(0, Math.floor(down ? below : above));
  if (height > room) menu.style.maxHeight = `${room}px`;
  const left = menu.getBoundingClientRect().left;
  if (left < MARGIN / 2) menu.style.right = `${Math.floor(left - MARGIN / 2)}px`;
}
