/**
 * Stand-ins for The Lounge and Converse.js adapters, used only while src/adapters/sites has
 * none with these ids (their owner is writing the real ones; the registry's take precedence).
 * Selectors are the DOM recorded in ENVIRONMENT.md.
 */
import { defineSite, text } from '../adapters/sites/define';
import type { SiteAdapter } from '../adapters/core/types';

const theLounge = defineSite({
  id: 'thelounge',
  name: 'The Lounge',
  matches: [],
  detect: (d) => !!d.querySelector('#chat-container, #viewport #chat') && !!d.querySelector('meta[name="application-name"][content="The Lounge"], #sidebar'),
  editor: 'value-setter',
  maxMessageLength: 450,
  sendPacingMs: 250,
  sendWith: 'enter',
  composer: ['form#form textarea#input'],
  sendButton: ['button#submit'],
  messageList: ['#chat .chat-view .messages[role=log]', '#chat .messages'],
  message: 'div.msg[data-type=message]',
  text: ['span.content'],
  direction: (m) => (m.classList.contains('self') ? 'outgoing' : 'incoming'),
  from: (m) => m.getAttribute('data-from') ?? '',
  messageId: (m) => m.id,
  conversation(d) {
    const view = d.querySelector<HTMLElement>('#chat .chat-view[data-type=query], #chat .chat-view[data-type=channel]');
    const peer = view?.getAttribute('aria-label');
    if (!view || !peer) return null;
    return { peerId: peer, account: text(d.querySelector('#nick')), title: peer };
  },
});

const converse = defineSite({
  id: 'converse',
  name: 'Converse.js',
  matches: [],
  detect: (d) => !!d.querySelector('#conversejs, converse-root'),
  editor: 'value-setter',
  maxMessageLength: 100_000,
  sendPacingMs: 100,
  sendWith: 'enter',
  composer: ['converse-chat:not(.hidden) textarea.chat-textarea'],
  sendButton: ['converse-chat:not(.hidden) button.send-button'],
  messageList: ['converse-chat:not(.hidden) .chat-content__messages', 'converse-chat:not(.hidden) converse-chat-content'],
  message: 'converse-chat-message > div.message.chat-msg',
  text: ['.chat-msg__text'],
  direction(m, d) {
    const peer = d.querySelector('converse-chat:not(.hidden)')?.getAttribute('jid') ?? '';
    return (m.getAttribute('data-from') ?? '').split('/')[0] === peer ? 'incoming' : 'outgoing';
  },
  from: (m) => m.getAttribute('data-from') ?? '',
  messageId: (m) => m.getAttribute('data-msgid') ?? '',
  conversation(d) {
    const jid = d.querySelector('converse-chat:not(.hidden)')?.getAttribute('jid');
    if (!jid) return null;
    return { peerId: jid, account: '', title: jid };
  },
});

export const provisionalAdapters: SiteAdapter[] = [theLounge, converse];
