/**
 * The compose frame's guard (issue 17): a frame the page makes click-through is as good as
 * hidden, since the user's clicks, and then the keys, would reach the site's box under it.
 * happy-dom computes no inherited styles, so the computed style is the browser's answer given here.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { composeTamper } from '../../src/overlay/frame-guard';

function placedFrame(pointerEvents: string): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.setAttribute('data-offrecord', 'compose');
  document.body.append(frame);
  frame.getBoundingClientRect = () => ({ left: 10, top: 10, width: 300, height: 40, right: 310, bottom: 50, x: 10, y: 10, toJSON: () => ({}) });
  const computed = { display: 'block', visibility: 'visible', pointerEvents, filter: 'none', clipPath: 'none', mixBlendMode: 'normal', opacity: '1' };
  vi.spyOn(window, 'getComputedStyle').mockImplementation(() => computed as unknown as CSSStyleDeclaration);
  vi.spyOn(document, 'elementFromPoint').mockImplementation(() => frame);
  return frame;
}

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe('composeTamper', () => {
  it('finds a frame the page made click-through (on it or on an ancestor: the value is inherited) hidden', () => {
    expect(composeTamper(placedFrame('none'), { left: 10, top: 10 })).toBe('hidden');
  });

  it('finds nothing wrong with a frame that takes clicks where it was placed', () => {
    expect(composeTamper(placedFrame('auto'), { left: 10, top: 10 })).toBeNull();
  });
});
