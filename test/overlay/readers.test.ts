/**
 * Reader frames (issue 12): history gets a frame only on screen, placed in one animation frame
 * with the ciphertext's height reserved; a live message's frame opens at once from a spare token;
 * a frame off screen for more than 30 s is released and made again when it comes back. The
 * background's token replies are recorded; the page's IntersectionObserver is driven by hand
 * (happy-dom lays nothing out).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const bg = vi.hoisted(() => ({ requests: [] as Array<Record<string, unknown>>, n: 0 }));
vi.mock('../../src/messaging/client', () => ({
  request: async (_kind: string, payload: Record<string, unknown>) => {
    bg.requests.push(payload);
    return { token: (++bg.n).toString(16).padStart(32, '0') };
  },
}));

const { LOW_SPARES, ReaderFrames, RELEASE_AFTER_MS, REWARM_DELAY_MS, SPARES } = await import('../../src/overlay/readers');

type Observed = { callback: IntersectionObserverCallback; targets: Set<Element> };
let observers: Observed[] = [];
class HandDrivenObserver {
  private readonly o: Observed;
  constructor(callback: IntersectionObserverCallback) {
    this.o = { callback, targets: new Set() };
    observers.push(this.o);
  }
  observe(t: Element) {
    this.o.targets.add(t);
  }
  unobserve(t: Element) {
    this.o.targets.delete(t);
  }
  disconnect() {
    this.o.targets.clear();
  }
}
const scroll = (el: Element, on: boolean) => {
  for (const o of observers)
    if (o.targets.has(el)) o.callback([{ target: el, isIntersecting: on } as unknown as IntersectionObserverEntry], o as unknown as IntersectionObserver);
};
const frames = (el: Element) => el.querySelectorAll('iframe[data-offrecord=reader]');
const nextFrame = () => new Promise((r) => window.requestAnimationFrame(() => r(undefined)));
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  await nextFrame();
};

function message(text: string): HTMLElement {
  const el = document.createElement('span');
  el.textContent = text;
  document.body.append(el);
  return el;
}

let now = 0;
let readers: InstanceType<typeof ReaderFrames>;
beforeEach(() => {
  observers = [];
  bg.requests = [];
  now = 1_000;
  (window as unknown as { IntersectionObserver: unknown }).IntersectionObserver = HandDrivenObserver;
  readers = new ReaderFrames(document, () => 'conv-1', () => undefined, () => now);
});
afterEach(() => {
  readers.stop();
  document.body.replaceChildren();
});

describe('ReaderFrames', () => {
  it("places history from the token that came with its feed, with the rows that came on screen as it shrank, in one animation frame", async () => {
    const els = [message('?OTR:AAMD1.'), message('?OTR:AAMD2.'), message('?OTR:AAMD3.')];
    els.forEach((el, i) => readers.add(el, String(i).repeat(64), false, String(i + 1).repeat(32)));
    // Above the first row: one in view once the first shrank, one still far off.
    const box = (top: number) => () => ({ top, bottom: top + 16, left: 0, right: 400, height: 16, width: 400, x: 0, y: top }) as DOMRect;
    els[1]!.getBoundingClientRect = box(20);
    els[2]!.getBoundingClientRect = box(5_000);
    scroll(els[0]!, true);
    await settle();
    expect(bg.requests).toEqual([]);
    expect(els.map((el) => frames(el).length)).toEqual([1, 1, 0]);
    // A token older than the background keeps it is not used: the row asks for a fresh one.
    now += 50_000;
    scroll(els[2]!, true);
    await settle();
    expect(bg.requests).toEqual([{ conversationId: 'conv-1', role: 'reader', messageId: '2'.repeat(64) }]);
    expect(frames(els[2]!).length).toBe(1);
  });

  it('gives history a frame only once it is on screen, in one animation frame, over the ciphertext', async () => {
    const els = [message('?OTR:AAMD1.'), message('?OTR:AAMD2.')];
    els.forEach((el, i) => readers.add(el, String(i).repeat(64), false));
    await settle();
    expect(bg.requests).toEqual([]);
    expect(els.map((el) => frames(el).length)).toEqual([0, 0]);
    scroll(els[0]!, true);
    await settle();
    expect(bg.requests).toEqual([{ conversationId: 'conv-1', role: 'reader', messageId: '0'.repeat(64) }]);
    expect(frames(els[0]!).length).toBe(1);
    expect(frames(els[1]!).length).toBe(0);
    // The ciphertext stays in the site's DOM, hidden under the frame; the box keeps a height.
    expect(els[0]!.style.color).toBe('transparent');
    expect(els[0]!.style.height).toMatch(/px$/);
  });

  it("sizes a history message's box to one line at once, not the ciphertext's height, so the rows it brings on screen are framed in the same pass", async () => {
    const el = message('?OTR:AAMD' + 'x'.repeat(600) + '.');
    Object.assign(el.style, { display: 'block', fontSize: '14px', lineHeight: '20px' });
    el.getBoundingClientRect = () => new DOMRect(0, 0, 300, 60);
    readers.add(el, 'd'.repeat(64), false);
    scroll(el, true);
    await settle();
    expect(frames(el).length).toBe(1);
    expect(el.style.height).toBe('20px');
  });

  it('opens a live message at once from a spare token, naming its message in the frame address', async () => {
    readers.warm();
    await settle();
    expect(bg.requests).toEqual(Array.from({ length: SPARES }, () => ({ conversationId: 'conv-1', role: 'reader', pending: true })));
    const el = message('?OTR:AAMDlive.');
    readers.add(el, 'a'.repeat(64), true);
    const frame = frames(el)[0] as HTMLIFrameElement | undefined;
    expect(frame).toBeDefined(); // same task: no round trip
    expect(frame!.src).toContain(`m=${'a'.repeat(64)}`);
    // The token (0…01 or 0…02 here) stays in the content script (frame-claims.ts).
    expect(frame!.src).not.toContain('0'.repeat(30));
    await settle();
    // The used spare is replaced a little later, so the new frame does not load while this
    // message's frame waits for its plaintext.
    expect(bg.requests.length).toBe(SPARES);
    await new Promise((r) => setTimeout(r, REWARM_DELAY_MS + 50));
    await settle();
    expect(bg.requests.length).toBe(SPARES + 1);
  });

  it('replaces used spares at once when a burst leaves at most LOW_SPARES, so the next message needs no token round trip', async () => {
    readers.warm();
    await settle();
    expect(bg.requests.length).toBe(SPARES);
    // Bursts that leave more than LOW_SPARES wait for the delay; the one that leaves LOW_SPARES does not.
    for (let i = 0; i < SPARES - LOW_SPARES - 1; i++) readers.add(message(`?OTR:AAMDburst${i}.`), String(i).repeat(64), true);
    await settle();
    expect(bg.requests.length).toBe(SPARES);
    readers.add(message('?OTR:AAMDburst-last.'), 'f'.repeat(64), true);
    await settle();
    expect(bg.requests.length).toBe(SPARES + SPARES - LOW_SPARES);
  });

  it('where frames can be moved, holds spares as loaded hidden frames and moves one into a live message, naming its token', async () => {
    const proto = HTMLElement.prototype as HTMLElement & { moveBefore?: (node: Node, child: Node | null) => void };
    proto.moveBefore = function (this: HTMLElement, node: Node, child: Node | null) {
      this.insertBefore(node, child);
    };
    try {
      readers.warm();
      await settle();
      const hidden = Array.from(document.body.children).filter((e) => e.matches('iframe[data-offrecord=reader]')) as HTMLIFrameElement[];
      expect(hidden).toHaveLength(SPARES);
      expect(hidden[0]!.style.visibility).toBe('hidden');
      expect(hidden[0]!.src).not.toContain('m='); // loaded before any message: it names none
      const el = message('?OTR:AAMDlive.');
      const token = readers.add(el, 'c'.repeat(64), true);
      expect(frames(el)[0]).toBe(hidden[0]); // the same frame, moved: no new document to load
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(hidden[0]!.src).not.toContain(token!);
      expect(hidden[0]!.style.visibility).toBe('');
      await settle();
      // The used one is replaced; and once the site's look is known (read as the moved frame's
      // box was sized), the warm frames loaded without it are made again with it.
      const warmNow = Array.from(document.body.children).filter((e) => e.matches('iframe[data-offrecord=reader]')) as HTMLIFrameElement[];
      expect(warmNow).toHaveLength(SPARES);
      for (const f of warmNow) expect(f.src).toContain('fontSize=');
    } finally {
      delete proto.moveBefore;
    }
  });

  it('without a spare, a live message asks for a token that waits for its plaintext', async () => {
    const el = message('?OTR:AAMDlive.');
    readers.add(el, 'b'.repeat(64), true);
    await settle();
    expect(bg.requests).toContainEqual({ conversationId: 'conv-1', role: 'reader', messageId: 'b'.repeat(64), pending: true });
    expect(frames(el).length).toBe(1);
  });

  it("covers a live row in the same task once a row of its kind was read: no style or box read, no animation frame", async () => {
    readers.warm();
    await settle();
    const first = message('?OTR:AAMDone.');
    readers.add(first, 'e'.repeat(64), true);
    await settle(); // the first row of its kind is read in an animation frame
    expect(first.style.color).toBe('transparent');
    const reads = vi.spyOn(window, 'getComputedStyle');
    const second = message('?OTR:AAMDtwo.');
    const box = vi.spyOn(second, 'getBoundingClientRect');
    readers.add(second, 'f'.repeat(64), true);
    // Same task: hidden under a frame that fills its box, which keeps the ciphertext's height
    // until the frame says how tall its text is.
    expect(second.style.color).toBe('transparent');
    expect((frames(second)[0] as HTMLIFrameElement).style.height).toBe('100%');
    expect(second.style.height).toBe('');
    expect(reads).not.toHaveBeenCalled();
    expect(box).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('hides the frame of a row far from view, keeping its document, and shows it again when the row comes near', async () => {
    const el = message('?OTR:AAMDfar.');
    readers.add(el, 'a1'.repeat(32), false, 'f'.repeat(32));
    scroll(el, true);
    await settle();
    const frame = frames(el)[0] as HTMLIFrameElement;
    expect(frame.style.display).toBe('');
    // Both observers see the row leave: the near one (half a screen wider) hides the frame.
    scroll(el, false);
    expect(frame.style.display).toBe('none');
    expect(frame.isConnected).toBe(true);
    scroll(el, true);
    expect(frames(el)[0]).toBe(frame);
    expect(frame.style.display).toBe('');
  });

  it('a history reader added before its answer asks, once on screen, for a frame that waits for the text; a later token from the answer is kept for a row not yet framed', async () => {
    const [shown, later] = [message('?OTR:AAMDh1.'), message('?OTR:AAMDh2.')];
    readers.add(shown, 'a'.repeat(64), false, undefined, true);
    readers.add(later, 'b'.repeat(64), false, undefined, true);
    scroll(shown, true);
    await settle();
    expect(bg.requests).toEqual([{ conversationId: 'conv-1', role: 'reader', messageId: 'a'.repeat(64), pending: true }]);
    expect(frames(shown).length).toBe(1);
    // The background's answer comes with tokens: the row not framed yet takes its token.
    readers.add(later, 'b'.repeat(64), false, 'c'.repeat(32));
    scroll(later, true);
    await settle();
    expect(bg.requests).toHaveLength(1);
    expect(frames(later).length).toBe(1);
  });

  it('history waiting for its text takes one line per row in the next animation frame, on screen or not, before any token', async () => {
    const rows = [message('?OTR:AAMD' + 'x'.repeat(600) + '.'), message('?OTR:AAMD' + 'y'.repeat(600) + '.')];
    for (const el of rows) Object.assign(el.style, { display: 'block', fontSize: '14px', lineHeight: '20px' });
    // Rows with their own style attribute are read one by one; these two are.
    rows.forEach((el, i) => readers.add(el, String(i + 4).repeat(64), false, undefined, true));
    await settle();
    expect(rows.map((el) => [el.style.height, el.style.color])).toEqual([
      ['20px', 'transparent'],
      ['20px', 'transparent'],
    ]);
    expect(bg.requests).toEqual([]);
    expect(rows.map((el) => frames(el).length)).toEqual([0, 0]);
  });

  it('releases a frame off screen for more than 30 s and makes it again when it comes back', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      readers.stop();
      readers = new ReaderFrames(document, () => 'conv-1', () => undefined, () => now);
      const el = message('?OTR:AAMDold.');
      readers.add(el, 'c'.repeat(64), false);
      scroll(el, true);
      await settle();
      expect(readers.placed).toBe(1);
      scroll(el, false);
      now += RELEASE_AFTER_MS - 1_000;
      vi.advanceTimersByTime(5_000);
      expect(readers.placed).toBe(1);
      now += 2_000;
      vi.advanceTimersByTime(5_000);
      expect(readers.placed).toBe(0);
      expect(frames(el).length).toBe(0);
      expect(el.style.height).toMatch(/px$/); // the box keeps its place: nothing moves
      scroll(el, true);
      await settle();
      expect(readers.placed).toBe(1);
      expect(bg.requests.filter((r) => r.messageId === 'c'.repeat(64)).length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops a reader the answer did not confirm, putting the element back as it was', async () => {
    const el = message('?OTR:AAMDx.');
    el.setAttribute('style', 'font-weight: bold;');
    readers.add(el, 'd'.repeat(64), true);
    await settle();
    readers.drop(el);
    expect(frames(el).length).toBe(0);
    expect(el.getAttribute('style')).toBe('font-weight: bold;');
  });
});
