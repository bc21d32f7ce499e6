/**
 * The sender and conversation switches (issue 13): a site that shares one box between its
 * conversations (The Lounge) may switch before the overlay follows. A wire text goes only into
 * the box of the conversation it belongs to; what was not sent when the sender stops is handed
 * back in order, for the page to send once that conversation shows again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteAdapter } from '../../src/adapters/core/types';
import { WireSender } from '../../src/overlay/sender';

/** A one-box chat: `shows` is the conversation on screen; Send posts the box's text there. */
function site() {
  document.body.replaceChildren();
  const form = document.createElement('form');
  const box = document.createElement('textarea');
  const list = document.createElement('div');
  form.append(box);
  document.body.append(form, list);
  const posted: Array<{ to: string; text: string }> = [];
  const state = { shows: 'channel' };
  const adapter = {
    id: 'one-box', name: 'One box', matches: [], editor: 'value-setter', maxMessageLength: 1000, sendPacingMs: 0,
    conversation: () => ({ peerId: state.shows, account: 'me', title: state.shows }),
    composer: () => box,
    sendButton: () => null,
    send: () => {
      posted.push({ to: state.shows, text: box.value });
      box.value = '';
    },
    messageList: () => list,
    messages: () => [],
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
    expect(posted).toEqual([{ to: 'channel', text: '?OTR-G:one' }, { to: 'channel', text: '?OTR-G:two' }]);
  });

  it('types nothing while the page shows another conversation, and goes on when it shows again', async () => {
    const { sender, posted, state } = site();
    state.shows = 'query';
    sender.enqueue(['?OTR-G:reveal']);
    await new Promise((r) => setTimeout(r, 300));
    expect(posted).toEqual([]);
    state.shows = 'channel';
    await until(() => posted.length === 1);
    expect(posted[0]).toEqual({ to: 'channel', text: '?OTR-G:reveal' });
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
});
