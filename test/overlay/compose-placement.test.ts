/**
 * The compose frame over the site's composer (issue 11's waiting list): it takes the composer's
 * box, and grows upwards by what the frame asks for (its notices and waiting texts, with their
 * Cancel buttons), never above the viewport. The guard is told where the frame was put.
 */
import { describe, expect, it } from 'vitest';
import { placeOver } from '../../src/overlay/frames';
import { frameToHost } from '../../src/messaging/frame-host';

const frame = () => document.createElement('iframe');

describe('placing the compose frame', () => {
  it('covers the composer exactly when nothing more is asked for', () => {
    const f = frame();
    expect(placeOver(f, new DOMRect(100, 600, 500, 60))).toEqual({ left: 100, top: 600 });
    expect([f.style.left, f.style.top, f.style.width, f.style.height]).toEqual(['100px', '600px', '500px', '60px']);
  });

  it('grows upwards by the asked height, so the typing box stays over the composer', () => {
    const f = frame();
    expect(placeOver(f, new DOMRect(100, 600, 500, 60), 71)).toEqual({ left: 100, top: 529 });
    expect([f.style.top, f.style.height]).toEqual(['529px', '131px']);
  });

  it('never starts above the viewport', () => {
    const f = frame();
    expect(placeOver(f, new DOMRect(0, 20, 500, 40), 71).top).toBe(0);
    expect(f.style.height).toBe('111px');
  });

  it('takes a size message only with a sane height', () => {
    expect(frameToHost({ offrecord: 'compose-size', height: 71 })).toEqual({ offrecord: 'compose-size', height: 71 });
    expect(frameToHost({ offrecord: 'compose-size', height: -1 })).toBeNull();
    expect(frameToHost({ offrecord: 'compose-size', height: Number.NaN })).toBeNull();
    expect(frameToHost({ offrecord: 'compose-size' })).toBeNull();
  });
});
