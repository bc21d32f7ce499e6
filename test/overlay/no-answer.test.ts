/**
 * The lock menu's "no answer" part (issue 16) with a fake clock: the product waits 30 s from when
 * the background sent the query, not from when the page learnt of it. The end-to-end test
 * (test/e2e/no-answer.test.ts) starts its wait with an older query time instead of waiting 30 s
 * for real, so the 30 s themselves are checked here.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NO_ANSWER_MS, NoAnswer } from '../../src/overlay/no-answer';
import type { ConversationView } from '../../src/messaging/types';

const view = (asked: ConversationView['asked'], state: ConversationView['state'] = 'plaintext'): ConversationView => ({
  id: 'c1',
  site: 'lounge',
  account: 'alice',
  peer: 'carol',
  title: 'carol',
  state,
  version: 0,
  smp: { status: 'idle', progress: 0 },
  policy: 'manual',
  queued: 0,
  asked,
});

function build(): { part: NoAnswer; due: string[] } {
  const due: string[] = [];
  const item = (label: string, hook: string) => {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset.offrecord = hook;
    return b;
  };
  const part = new NoAnswer(document, item, (m) => due.push(m), () => undefined);
  document.body.append(part.section);
  return { part, due };
}

describe('no answer to our query', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  it('waits 30 s', () => {
    expect(NO_ANSWER_MS).toBe(30_000);
  });

  it('shows nothing before 30 s from the query, then the notice once', () => {
    const { part, due } = build();
    part.update(view({ at: Date.now(), invitation: '?OTRv23? alice invites you' }));
    vi.advanceTimersByTime(29_999);
    expect(part.section.hidden).toBe(true);
    expect(due).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(part.section.hidden).toBe(false);
    expect(due).toEqual(['carol has not answered. They may not have OTR yet.']);
    part.update(view({ at: Date.now() - 30_001, invitation: '?OTRv23? alice invites you' }));
    expect(due).toHaveLength(1);
    part.destroy();
  });

  it('counts from when the query was sent: a page that learns late shows it on time', () => {
    const { part } = build();
    part.update(view({ at: Date.now() - 25_000, invitation: '?OTRv23? alice invites you' }));
    vi.advanceTimersByTime(4_999);
    expect(part.section.hidden).toBe(true);
    vi.advanceTimersByTime(1);
    expect(part.section.hidden).toBe(false);
    part.destroy();
  });

  it('hides again when the conversation starts or we ask anew', () => {
    const { part } = build();
    part.update(view({ at: Date.now() - NO_ANSWER_MS, invitation: '?OTRv23? alice invites you' }));
    expect(part.section.hidden).toBe(false);
    part.update(view(undefined, 'unverified'));
    expect(part.section.hidden).toBe(true);
    part.update(view({ at: Date.now(), invitation: '?OTRv23? alice invites you' }));
    expect(part.section.hidden).toBe(true);
    part.destroy();
  });
});
