/**
 * The compose frame's list of texts waiting for the conversation to become private (issue 11):
 * each shows "Waiting for <peer>" and its text (this is an extension-origin frame), and Cancel
 * asks the background to drop it. The frame's port and requests are replaced by recorders.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { BackgroundToFrame } from '../../src/messaging/ports';
import { conversation, en, installI18n } from './helpers';

const frame = vi.hoisted(() => ({ listener: null as null | ((m: unknown) => void), requests: [] as unknown[][] }));
vi.mock('../../src/messaging/frame-link', () => ({
  connectFrame: (listener: (m: unknown) => void) => {
    frame.listener = listener;
    return { send: vi.fn(), close: vi.fn() };
  },
}));
vi.mock('../../src/messaging/client', () => ({
  request: async (...args: unknown[]) => {
    frame.requests.push(args);
    return conversation();
  },
}));

const { startCompose } = await import('../../src/frames/compose');

describe('compose frame: waiting texts', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
    frame.requests = [];
    document.body.replaceChildren();
  });
  afterEach(() => document.body.replaceChildren());

  it('lists each waiting text for the peer, with Cancel', async () => {
    startCompose(document);
    const post = (m: BackgroundToFrame) => frame.listener!(m);
    post({ type: 'ready', role: 'compose', conversationId: 'c1', view: conversation({ id: 'c1', policy: 'always', queued: 2, queuedIds: ['00aa00aa00aa00aa', '11bb11bb11bb11bb'] }) });
    const list = document.querySelector('[data-offrecord=compose-queued]') as HTMLElement;
    expect(list.hidden).toBe(true);
    post({ type: 'queued', items: [{ id: '00aa00aa00aa00aa', text: 'first' }, { id: '11bb11bb11bb11bb', text: 'second' }] });
    const items = [...list.querySelectorAll('li')];
    expect(items.map((li) => li.querySelector('span')!.textContent)).toEqual([`${en('compose_waiting_for', 'bob')}: first`, `${en('compose_waiting_for', 'bob')}: second`]);
    (items[0]!.querySelector('button') as HTMLButtonElement).click();
    await Promise.resolve();
    expect(frame.requests).toEqual([['conversation.cancelQueued', { conversationId: 'c1', queuedId: '00aa00aa00aa00aa' }]]);
    post({ type: 'queued', items: [{ id: '11bb11bb11bb11bb', text: 'second' }] });
    expect(list.querySelectorAll('li')).toHaveLength(1);
    post({ type: 'queued', items: [] });
    expect(list.hidden).toBe(true);
  });
});
