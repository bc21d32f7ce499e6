/**
 * The compose frame (compose.html#TOKEN): the user's private message box, laid over the site's
 * composer. Typed text goes only to the background over this frame's token-bound port; the
 * page never sees a keystroke of it. Enter sends, Shift+Enter makes a new line, Escape goes
 * back to the site's own box (the conversation stays private; the lock says which box is in
 * use), and leaving the box with unsent text warns: typing in the site's box is in the clear.
 */
import { request } from '../messaging/client';
import { connectFrame, type FrameChannel } from '../messaging/frame-link';
import { postToHost } from '../messaging/frame-host';
import { msg, t, type MessageKey } from '../ui/i18n';
import type { BackgroundToFrame } from '../messaging/ports';
import type { ConversationView } from '../messaging/types';
import { markBadge, showMark } from './security-mark';

const STATE_HINT: Record<ConversationView['state'], MessageKey> = {
  plaintext: 'compose_hint_plaintext',
  unverified: 'compose_hint_unverified',
  private: 'compose_hint_private',
  finished: 'compose_hint_finished',
};

const TYPING_EVERY_MS = 150;

export function startCompose(doc: Document): void {
  const input = doc.createElement('textarea');
  input.setAttribute('data-offrecord', 'compose-input');
  input.setAttribute('aria-label', msg('compose_label'));
  input.rows = 1;
  input.disabled = true;
  input.placeholder = msg('compose_connecting');
  const warn = doc.createElement('div');
  warn.className = 'warn';
  warn.setAttribute('role', 'alert');
  warn.setAttribute('data-offrecord', 'compose-warning');
  warn.hidden = true;
  const info = doc.createElement('div');
  info.className = 'info';
  info.setAttribute('role', 'status');
  info.setAttribute('data-offrecord', 'compose-status');
  // Texts waiting for the conversation to become private, each with Cancel (issue 11).
  const waiting = doc.createElement('ul');
  waiting.className = 'queued';
  waiting.setAttribute('data-offrecord', 'compose-queued');
  waiting.setAttribute('aria-label', t('compose_queued_label'));
  const mark = markBadge(doc);
  doc.body.append(input, warn, info, waiting, mark);

  // The frame takes the site's composer's box, often one line high: too short for the notices
  // and the waiting list, which were squeezed into a strip a few pixels high with their Cancel
  // buttons out of reach. The host makes the frame this much taller, upwards, and they show
  // above the typing box (style.css), which stays over the site's box. Measured at once after
  // each change (a ResizeObserver alone lagged in headless Firefox), and on resizes (wrapping).
  const win = doc.defaultView!;
  const extras = [warn, info, waiting];
  let lastExtra = -1;
  const reportSize = () => {
    const extra = Math.ceil(extras.reduce((sum, e) => sum + e.getBoundingClientRect().height, 0));
    if (extra === lastExtra) return;
    lastExtra = extra;
    postToHost(win, { offrecord: 'compose-size', height: extra });
  };
  const sizes = new win.ResizeObserver(reportSize);
  for (const e of extras) sizes.observe(e);
  const showWarning = (text: string | null) => {
    if (text !== null) warn.textContent = text;
    warn.hidden = text === null;
    reportSize();
  };

  let view: ConversationView | null = null;
  let sending = false;
  const setView = (v: ConversationView) => {
    view = v;
    input.disabled = false;
    // Trust shows here, in the extension's own frame, never in the page's lock (issue 17). A
    // channel's active private room speaks for the channel, as on the lock.
    const state = v.room && v.room.status !== 'invited' ? v.room.lock : v.state;
    input.placeholder = msg(STATE_HINT[state]);
    doc.body.dataset.state = state;
  };
  const say = (text: string) => {
    info.textContent = text;
    info.hidden = text === '';
    reportSize();
  };
  say('');
  const showQueued = (items: { id: string; text: string }[]) => {
    waiting.hidden = items.length === 0;
    waiting.replaceChildren(
      ...items.map((item) => {
        const li = doc.createElement('li');
        li.setAttribute('data-queued-id', item.id);
        const label = doc.createElement('span');
        label.textContent = `${t('compose_waiting_for', view?.peer ?? '')}: ${item.text}`;
        const cancel = doc.createElement('button');
        cancel.type = 'button';
        cancel.textContent = t('compose_cancel');
        cancel.setAttribute('data-offrecord', 'compose-cancel');
        cancel.addEventListener('click', () => {
          if (!view) return;
          cancel.disabled = true;
          request('conversation.cancelQueued', { conversationId: view.id, queuedId: item.id }).catch((e: unknown) => {
            cancel.disabled = false;
            say((e as Error).message);
          });
        });
        li.append(label, cancel);
        return li;
      }),
    );
    reportSize();
  };
  showQueued([]);

  const channel: FrameChannel = connectFrame(
    (m: BackgroundToFrame) => {
      if (m.type === 'mark') showMark(mark, m.mark);
      else if (m.type === 'ready' || m.type === 'conversation') setView(m.view);
      else if (m.type === 'queued') showQueued(m.items);
      else if (m.type === 'sent') {
        sending = false;
        input.value = '';
        say(m.queued ? t('compose_queued_status', view?.peer ?? '') : '');
      } else if (m.type === 'error') {
        sending = false;
        say(msg('compose_not_sent', m.message));
      }
    },
    () => {
      input.disabled = true;
      input.placeholder = msg('compose_restarted');
    },
  );

  // The content script moves no focus to the site's box while keys come (sender.ts): say when
  // one is pressed, at most every TYPING_EVERY_MS, never which.
  let lastTyping = 0;
  input.addEventListener('keydown', () => {
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    channel.typing();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.isComposing) {
      e.preventDefault();
      postToHost(doc.defaultView!, { offrecord: 'compose-escape' });
      return;
    }
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    const text = input.value;
    if (text.trim() === '' || sending || !view) return;
    sending = true;
    channel.send(text);
  });
  input.addEventListener('focus', () => showWarning(null));
  // Blur of the frame's window means focus went back to the page.
  const onLeave = () => {
    if (input.value.trim() === '') return;
    showWarning(msg('compose_outside_warning'));
  };
  input.addEventListener('blur', onLeave);
  doc.defaultView?.addEventListener('blur', onLeave);
  doc.defaultView?.addEventListener('focus', () => input.focus());
}
