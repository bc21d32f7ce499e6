/**
 * The lock menu's "no answer" part (issue 16): 30 s after we asked for a private conversation
 * with no OTR answer, the menu says the peer may not have OTR yet and offers the invitation to
 * copy (only the query as it was sent: public text the site already carried, never plaintext)
 * and to ask again. The 30 s run from when the background sent the query, so a page reloaded
 * meanwhile shows it on time.
 */
import type { ConversationView } from '../messaging/types';
import { msg } from '../ui/i18n';

export const NO_ANSWER_MS = 30_000;

export const NO_ANSWER_CSS = `
.no-answer { padding: 6px 8px; border-top: 1px solid #ddd; margin-top: 4px; max-width: 320px; }
.no-answer[hidden] { display: none; }
.no-answer p { margin: 0 0 4px; }
`;

export class NoAnswer {
  readonly section: HTMLElement;
  readonly copy: HTMLButtonElement;
  readonly retry: HTMLButtonElement;
  private readonly text: HTMLElement;
  private timer = 0;
  private invitation = '';

  constructor(
    private readonly doc: Document,
    menuItem: (label: string, hook: string, act: () => void) => HTMLButtonElement,
    private readonly onDue: (message: string) => void,
    retry: () => void,
  ) {
    this.section = doc.createElement('div');
    this.section.className = 'no-answer';
    this.section.setAttribute('data-offrecord', 'no-answer');
    this.section.hidden = true;
    this.text = doc.createElement('p');
    this.copy = menuItem(msg('no_answer_copy'), 'copy-invitation', () => void this.copyInvitation());
    this.retry = menuItem(msg('no_answer_retry'), 'try-again', retry);
    this.section.append(this.text, this.copy, this.retry);
  }

  /** Shown only while we wait for an answer that has not come after NO_ANSWER_MS. */
  update(view: ConversationView | null): void {
    const win = this.doc.defaultView;
    if (win) win.clearTimeout(this.timer);
    const asked = view?.state === 'plaintext' ? view.asked : undefined;
    if (!view || !asked) {
      this.section.hidden = true;
      return;
    }
    if (asked.invitation !== this.invitation) this.copy.textContent = msg('no_answer_copy');
    this.invitation = asked.invitation;
    const message = `${view.peer} has not answered. They may not have OTR yet.`;
    const show = () => {
      this.text.textContent = message;
      const wasHidden = this.section.hidden;
      this.section.hidden = false;
      if (wasHidden) this.onDue(message);
    };
    const due = asked.at + NO_ANSWER_MS - Date.now();
    if (due <= 0) return show();
    this.section.hidden = true;
    if (win) this.timer = win.setTimeout(show, due);
  }

  private async copyInvitation(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.invitation);
      this.copy.textContent = msg('no_answer_copied');
    } catch {
      this.copy.textContent = msg('no_answer_copy_failed');
    }
  }

  destroy(): void {
    this.doc.defaultView?.clearTimeout(this.timer);
  }
}
