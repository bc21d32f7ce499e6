/**
 * Element (Matrix), at app.element.io or self-hosted (recognised by #matrixchat). Unverified
 * here: no network. Event tiles carry data-event-id, our own carry data-self="true"; the room's
 * stable id is the !roomid in the #/room/ address (aliases change, room ids do not).
 */
import { defineSite, first, pageUrl, text } from './define';
import { siteIdentity } from './records';

export const element = defineSite({
  ...siteIdentity('element'),
  detect: (root) => root.querySelector('#matrixchat') !== null,
  // Element's own composer model follows 'input' events, so the browser's insertText path works.
  editor: 'exec-command',
  maxMessageLength: 16000, // Matrix events are capped at 64 KiB including JSON overhead
  sendPacingMs: 500,
  sendWith: 'enter',
  composer: ['.mx_BasicMessageComposer_input[contenteditable="true"][role="textbox"]', '.mx_SendMessageComposer [contenteditable="true"]'],
  sendButton: ['[role="button"][aria-label="Send message"]'],
  messageList: ['ol.mx_RoomView_MessageList[role="list"]', '.mx_RoomView_MessageList'],
  message: 'li.mx_EventTile[data-event-id]',
  text: ['.mx_EventTile_body'],
  direction: (m) => (m.getAttribute('data-self') === 'true' ? 'outgoing' : 'incoming'),
  from: (m) => /\((@[^)]+)\)/.exec(m.querySelector('.mx_DisambiguatedProfile')?.getAttribute('title') ?? '')?.[1] ?? '',
  messageId: (m) => m.getAttribute('data-event-id') ?? '',
  conversation(root) {
    const room = /^#\/room\/([!#][^/?]+)/.exec(decodeURIComponent(pageUrl(root).hash))?.[1];
    if (!room) return null;
    return { peerId: room, account: '', title: text(first(root, ['.mx_RoomHeader_heading', '.mx_RoomHeader h2'])) };
  },
});
