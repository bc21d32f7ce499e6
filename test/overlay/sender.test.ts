/**
 * The sender and conversation switches (issue 13): a site that shares one box between its
 * conversations (The Lounge) may switch before the overlay follows. A wire text goes only into
 * the box of the conversation it belongs to; what was not sent when the sender stops is handed
 * back in order, for the page to send once that conversation shows again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SiteAdapter } from '../../src/adapters/core/types';
import { WireSender } from '../../src/overlay/sender';

/** A one-box chat: `shows` is the conversation on screen; Send posts the box's text there. */
function site(pacing = { sendPacingMs: 0, echoMs: -1 }) {
  document.body.replaceChildren();
  const form = document.createElement('form');
  const box = document.createElement('textarea');
  const list = document.createElement('div');
  form.append(box);
  document.body.append(form, list);
  const posted: Array<{ to: string; text: string; at: number }> = [];
  const echoed: string[] = [];
  const state = { shows: 'channel' };
  const adapter = {
    id: 'one-box', name: 'One box', matches: [], editor: 'value-setter', maxMessageLength: 1000, sendPacingMs: pacing.sendPacingMs,
    conversation: () => ({ peerId: state.shows, account: 'me', title: state.shows }),
    composer: () => box,
    sendButton: () => null,
    send: () => {
      const text = box.value;
      posted.push({ to: state.shows, text, at: Date.now() });
      box.value = '';
      // The site's echo of the line, after a server round trip (none when echoMs < 0).
      if (pacing.echoMs >= 0) setTimeout(() => echoed.push(text), pacing.echoMs);
    },
    messageList: () => list,
    messages: () => echoed.map((text, i) => ({ element: list, textElement: list, text, direction: 'outgoing' as const, from: 'me', id: `echo-${i}` })),
  } satisfies SiteAdapter;
  const sender = new WireSender(document, adapter, {
    sending: () => undefined,
    notice: () => undefined,
    refocus: () => undefined,
    composeFocused: () => false,
    shown: () => state.shows === 'channel',
  });
  return { sender, posted, state };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

afterEach(() => document.body.replaceChildren());

describe('WireSender across conversation switches', () => {
  it('sends its texts in order while its conversation shows', async () => {
    const { sender, posted } = site();
    sender.enqueue(['?OTR-G:one', '?OTR-G:two']);
    await until(() => posted.length === 2);
    expect(posted.map(({ to, text }) => ({ to, text }))).toEqual([{ to: 'channel', text: '?OTR-G:one' }, { to: 'channel', text: '?OTR-G:two' }]);
  });

  it('types nothing while the page shows another conversation, and goes on when it shows again', async () => {
    const { sender, posted, state } = site();
    state.shows = 'query';
    sender.enqueue(['?OTR-G:reveal']);
    await new Promise((r) => setTimeout(r, 300));
    expect(posted).toEqual([]);
    state.shows = 'channel';
    await until(() => posted.length === 1);
    expect(posted[0]).toMatchObject({ to: 'channel', text: '?OTR-G:reveal' });
  });

  it('stopped, it hands back every text not yet sent, in order, and sends nothing more', async () => {
    const { sender, posted, state } = site();
    state.shows = 'query';
    sender.enqueue(['?OTR-G:a', '?OTR-G:b', '?OTR-G:c']);
    await new Promise((r) => setTimeout(r, 150));
    expect(sender.stop()).toEqual(['?OTR-G:a', '?OTR-G:b', '?OTR-G:c']);
    state.shows = 'channel';
    sender.enqueue(['?OTR-G:late']);
    await new Promise((r) => setTimeout(r, 300));
    expect(posted).toEqual([]);
  });

  it("paces sends from each Send, not from each line's echo: fragments go out one pacing apart", async () => {
    // Pacing 200 ms, the echo back after 150 ms: the next Send waits for the echo (the text
    // landed, read every 50 ms) and then only for what is left of the 200 ms, not for 200 ms
    // more. Fake timers: the clock is the test's, not the loaded machine's.
    vi.useFakeTimers();
    try {
      const { sender, posted } = site({ sendPacingMs: 200, echoMs: 150 });
      sender.enqueue(['?OTR|1|2,00001,00003,a,', '?OTR|1|2,00002,00003,b,', '?OTR|1|2,00003,00003,c,']);
      await vi.advanceTimersByTimeAsync(2000);
      expect(posted.map((p) => p.text.split(',')[1])).toEqual(['00001', '00002', '00003']);
      for (const gap of posted.slice(1).map((p, i) => p.at - posted[i]!.at)) {
        expect(gap).toBeGreaterThanOrEqual(200); // never closer than the site's pacing
        expect(gap).toBeLessThan(200 + 150); // nor pacing on top of the echo's round trip
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('an insert that takes the focus gives it back to the verify dialog it was in, never to the private box', async () => {
    // A rich editor needs the focus for an insert (here a paste); the user was typing an SMP
    // secret in the verify dialog meanwhile.
    document.body.replaceChildren();
    const box = document.createElement('div');
    box.contentEditable = 'true';
    box.tabIndex = 0;
    box.addEventListener('paste', (e) => {
      box.textContent = (e as ClipboardEvent).clipboardData?.getData('text/plain') ?? '';
      e.preventDefault();
    });
    const dialog = document.createElement('iframe');
    dialog.setAttribute('data-offrecord', 'verify');
    document.body.append(box, dialog);
    const posted: string[] = [];
    const refocused: boolean[] = [];
    const adapter = {
      id: 'rich', name: 'Rich', matches: [], editor: 'paste', maxMessageLength: 1000, sendPacingMs: 0,
      conversation: () => ({ peerId: 'peer', account: 'me', title: 'peer' }),
      composer: () => box,
      sendButton: () => null,
      send: () => {
        posted.push(box.textContent ?? '');
        box.textContent = '';
      },
      messageList: () => document.body,
      messages: () => [],
    } satisfies SiteAdapter;
    const sender = new WireSender(document, adapter, {
      sending: () => undefined,
      notice: () => undefined,
      refocus: (wasInFrame) => void refocused.push(wasInFrame),
      composeFocused: () => false,
      focusedFrame: () => (document.activeElement === dialog ? dialog : null),
    });
    dialog.focus();
    expect(document.activeElement).toBe(dialog);
    sender.enqueue(['?OTR:AAMDheartbeat.']);
    await until(() => posted.length === 1);
    expect(posted).toEqual(['?OTR:AAMDheartbeat.']);
    expect(document.activeElement).toBe(dialog);
    expect(refocused).toEqual([]);
  });
});
