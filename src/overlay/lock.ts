/**
 * The lock button beside the site's composer and its menu. Lives in an open shadow root so the
 * page's CSS cannot restyle it and automation still reaches the `data-offrecord` hooks
 * (DESIGN.md §1: a closed root would hide nothing from the page). It carries no secrets: state,
 * the peer's fingerprint and notices only. All text goes in through textContent.
 *
 * No trust level (issue 17): the page sees the ciphertext, so whether the conversation is
 * private is no news to it, but whether the user verified the peer is. The lock says "Private"
 * for both, and `data-offrecord-state` is plaintext|private|finished (a private room's too);
 * verified or not shows only in extension-origin UI: the private box, the verify frame and the
 * popup.
 */
import { lockIcon } from './icons';
import type { ConversationView } from '../messaging/types';
import { NO_ANSWER_CSS, NoAnswer } from './no-answer';
import { msg, t } from '../ui/i18n';
import { fitMenu } from './menu-fit';

/** What the lock offers instead of a mail's own subject, which OTR cannot encrypt. */
export const NEUTRAL_SUBJECT = 'Private message';

/** `check-key`: the changed-key warning was clicked: open the popup over this tab. `attach`: Attach encrypted file. */
export type LockAction = 'start' | 'end' | 'verify' | 'private-box' | 'room' | 'check-key' | 'attach';

/** Which box the user types in: OffRecord's private one, or the site's own (in the clear). */
export type ActiveComposer = 'private' | 'site' | null;

/** Catalogue keys (public/_locales): every string the page shows is translatable. */
const LABEL_KEY: Record<PageState, string> = {
  plaintext: 'lock_state_plaintext',
  private: 'lock_state_private',
  finished: 'lock_state_finished',
};

/** What the page may know of a state: private (verified or not), or not. */
type PageState = 'plaintext' | 'private' | 'finished';
const pageState = (state: ConversationView['state']): PageState => (state === 'unverified' ? 'private' : state);

/**
 * Under the manual policy nothing private was promised, so no private conversation yet is
 * neutral ("Not started"), not the red "Not private" of a site meant to be private.
 */
function labelOf(view: ConversationView | null): string {
  const state = pageState(view?.state ?? 'plaintext');
  return t(state === 'plaintext' && (view?.policy ?? 'manual') === 'manual' ? 'lock_state_not_started' : LABEL_KEY[state]);
}

const CSS = `
:host { all: initial; position: fixed; z-index: 2147483646; font: 13px/1.3 system-ui, sans-serif; }
button.lock { display: flex; align-items: center; gap: 4px; border: 1px solid #888; border-radius: 14px;
  padding: 2px 8px; background: #fff; color: #222; cursor: pointer; font: inherit; white-space: nowrap; }
button.lock:focus-visible, [role=menuitem]:focus-visible { outline: 2px solid #1565c0; outline-offset: 1px; }
button.lock[data-offrecord-state=plaintext] { background: #fbe9e7; border-color: #c62828; }
button.lock[data-offrecord-state=plaintext][data-offrecord-policy=manual] { background: #fff; border-color: #888; }
button.lock[data-offrecord-state=private] { background: #e8f5e9; border-color: #2e7d32; }
button.lock[data-offrecord-state=finished] { background: #eceff1; border-color: #546e7a; }
button.lock[data-offrecord-warning] { background: #ffebee; border-color: #b71c1c; border-width: 2px; }
.menu { position: absolute; right: 0; bottom: 100%; margin-bottom: 4px; min-width: 260px; background: #fff; overflow-y: auto;
  color: #222; border: 1px solid #888; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.25); padding: 4px; }
.menu[hidden] { display: none; }
.menu.below { bottom: auto; top: 100%; margin: 4px 0 0; }
[role=menuitem] { display: block; width: 100%; text-align: left; border: 0; background: none; padding: 6px 8px;
  font: inherit; color: inherit; cursor: pointer; border-radius: 4px; }
[role=menuitem]:hover, [role=menuitem]:focus { background: #e3f2fd; }
[role=menuitem][aria-disabled=true] { color: #999; }
[role=menuitem][hidden] { display: none; }
/* The peer asked for a private conversation: one pulse, so the popup's offer is noticed. */
button.lock.pulse { animation: offrecord-pulse 0.9s ease-out 1; }
@keyframes offrecord-pulse { 0% { box-shadow: 0 0 0 0 rgba(21,101,192,.6); } 100% { box-shadow: 0 0 0 12px rgba(21,101,192,0); } }
@media (prefers-reduced-motion: reduce) { button.lock.pulse { animation: none; outline: 2px solid #1565c0; } }
/* Touch screens: targets of at least 44 px (WCAG 2.5.5). */
@media (pointer: coarse) { button.lock, [role=menuitem] { min-height: 44px; } .menu { max-width: calc(100vw - 16px); } }
.fp { padding: 6px 8px; font: 11px/1.4 ui-monospace, monospace; color: #444; border-top: 1px solid #ddd; margin-top: 4px; }
.notice { position: absolute; right: 0; bottom: 100%; margin-bottom: 4px; max-width: 360px; width: max-content;
  background: #263238; color: #fff; padding: 6px 10px; border-radius: 4px; }
.notice[hidden] { display: none; }
.notice button { font: inherit; color: #fff; background: #1565c0; border: 0; border-radius: 3px; padding: 2px 8px; margin-left: 4px; cursor: pointer; }
${NO_ANSWER_CSS}`;

export class Lock {
  readonly host: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly items: Record<Exclude<LockAction, 'check-key'>, HTMLButtonElement>;
  private readonly fingerprint: HTMLElement;
  private readonly notice: HTMLElement;
  /** In the changed-key warning: opens the popup, where the new key is checked. */
  private readonly checkKey: HTMLButtonElement;
  private readonly noAnswer: NoAnswer;
  /** Webmail compose screens: subjects travel in the clear (OTR encrypts bodies only). */
  private readonly subjectNote: HTMLElement;
  private readonly neutralSubject: HTMLButtonElement;
  /** Whether the pulse for the peer's current request was shown (once per request). */
  private pulsed = false;
  private noticeTimer = 0;
  private view: ConversationView | null = null;
  private composer: ActiveComposer = null;
  private onNeutralSubject: (() => void) | null = null;
  private attachAvailable = false;
  /** The page is interfering with OffRecord's frames (frame-guard.ts): said until it stops. */
  private warningText: string | null = null;
  /** The button's icon and label, changed in place on each view. */
  private icon: SVGSVGElement | null = null;
  private iconOpen: boolean | null = null;
  private readonly label: Text;

  constructor(
    private readonly doc: Document,
    onAction: (action: LockAction) => void,
    /** A group channel: the menu offers a private room (issue 13). */
    private readonly channel = false,
  ) {
    this.host = doc.createElement('div');
    this.host.setAttribute('data-offrecord-host', 'lock');
    const root = this.host.attachShadow({ mode: 'open' });
    const style = doc.createElement('style');
    style.textContent = CSS;
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.className = 'lock';
    this.button.setAttribute('data-offrecord', 'lock');
    this.button.setAttribute('aria-haspopup', 'menu');
    this.button.setAttribute('aria-expanded', 'false');
    this.label = doc.createTextNode('');
    this.button.append(this.label);
    this.menu = doc.createElement('div');
    this.menu.className = 'menu';
    this.menu.setAttribute('role', 'menu');
    this.menu.setAttribute('aria-label', 'OffRecord');
    this.menu.hidden = true;
    const menuButton = (label: string, hook: string, act: () => void) => {
      const b = doc.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'menuitem');
      b.setAttribute('data-offrecord', hook);
      b.tabIndex = -1;
      b.textContent = label;
      b.addEventListener('click', (e) => {
        if (!e.isTrusted || b.getAttribute('aria-disabled') === 'true') return;
        this.close(false);
        act();
      });
      return b;
    };
    const item = (action: LockAction, label: string) => {
      const b = menuButton(label, action, () => onAction(action));
      this.menu.append(b);
      return b;
    };
    this.items = {
      start: item('start', msg('lock_menu_start')),
      end: item('end', msg('lock_menu_end')),
      verify: item('verify', t('lock_verify')),
      'private-box': item('private-box', msg('lock_menu_private_box')),
      room: item('room', msg('lock_menu_room')),
      attach: item('attach', msg('lock_menu_attach')),
    };
    this.items.attach.hidden = true;
    this.noAnswer = new NoAnswer(
      doc,
      menuButton,
      (message) => this.showNotice(message, 8000),
      () => onAction('start'),
    );
    this.menu.append(this.noAnswer.section);
    this.subjectNote = doc.createElement('div');
    this.subjectNote.className = 'fp';
    this.subjectNote.setAttribute('data-offrecord', 'subject-note');
    this.subjectNote.textContent = msg('lock_subject_note');
    this.subjectNote.hidden = true;
    this.neutralSubject = menuButton(msg('lock_neutral_subject', NEUTRAL_SUBJECT), 'neutral-subject', () => this.onNeutralSubject?.());
    this.neutralSubject.hidden = true;
    this.menu.append(this.subjectNote, this.neutralSubject);
    this.fingerprint = doc.createElement('div');
    this.fingerprint.className = 'fp';
    this.fingerprint.setAttribute('data-offrecord', 'fingerprint');
    this.menu.append(this.fingerprint);
    this.notice = doc.createElement('div');
    this.notice.className = 'notice';
    this.notice.setAttribute('role', 'status');
    this.notice.setAttribute('data-offrecord', 'notice');
    this.notice.hidden = true;
    this.checkKey = doc.createElement('button');
    this.checkKey.type = 'button';
    this.checkKey.setAttribute('data-offrecord', 'check-key');
    this.checkKey.textContent = t('lock_check_key');
    // Only the user's own click opens the popup, never a page script's (issue 17).
    this.checkKey.addEventListener('click', (e) => e.isTrusted && onAction('check-key'));
    root.append(style, this.notice, this.menu, this.button);

    // Only the user's own clicks and keys act (a keyboard activation is a trusted click too): the
    // page reaches this open shadow root and could otherwise start or end a conversation.
    this.button.addEventListener('click', (e) => {
      if (e.isTrusted) (this.menu.hidden ? this.open() : this.close(true));
    });
    this.button.addEventListener('keydown', (e) => {
      if (!e.isTrusted) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.open();
      }
    });
    this.menu.addEventListener('keydown', (e) => e.isTrusted && this.onMenuKey(e));
    this.host.addEventListener('focusout', (e) => {
      if (!this.host.contains(e.relatedTarget as Node | null) && !root.contains(e.relatedTarget as Node | null)) this.close(false);
    });
    this.update(null);
  }

  private enabledItems(): HTMLButtonElement[] {
    const noAnswer = this.noAnswer.section.hidden ? [] : [this.noAnswer.copy, this.noAnswer.retry];
    return [...Object.values(this.items), ...noAnswer, this.neutralSubject].filter((b) => b.getAttribute('aria-disabled') !== 'true' && !b.hidden);
  }

  private open(): void {
    this.menu.hidden = false;
    this.fit();
    this.button.setAttribute('aria-expanded', 'true');
    this.enabledItems()[0]?.focus();
  }

  /** Keeps the open menu inside the window (menu-fit.ts): whenever the lock moves or grows. */
  private fit(): void {
    if (!this.menu.hidden) fitMenu(this.menu, this.button.getBoundingClientRect(), this.doc.defaultView!.innerHeight);
  }

  private close(refocus: boolean): void {
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (refocus) this.button.focus();
  }

  private onMenuKey(e: KeyboardEvent): void {
    const items = this.enabledItems();
    const at = items.indexOf(e.target as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      (e.key === 'Home' ? items[0] : items[items.length - 1])?.focus();
    }
  }

  /** On a mail compose screen: the subject note and the neutral-subject item (null hides them). */
  setMailSubject(useNeutral: (() => void) | null): void {
    this.onNeutralSubject = useNeutral;
    this.subjectNote.hidden = !useNeutral;
    this.neutralSubject.hidden = !useNeutral;
  }

  /** Webmail compose screens with an attachment input offer "Attach encrypted file" (issue 14). */
  setMailAttach(available: boolean): void {
    this.attachAvailable = available;
    this.update(this.view);
  }

  /** Whether the page-interference warning shows (its notice is not to be taken away). */
  get warning(): boolean {
    return this.warningText !== null;
  }

  /** Warns that the page hides or covers OffRecord's private box; null when it stopped. */
  setWarning(text: string | null): void {
    if (text === this.warningText) return;
    this.warningText = text;
    if (text) this.button.setAttribute('data-offrecord-warning', 'page');
    else this.button.removeAttribute('data-offrecord-warning');
    this.update(this.view);
    if (text) this.showNotice(text, 0);
    else this.notice.hidden = true;
  }

  /** The lock's label says which box typing goes to. */
  setComposer(active: ActiveComposer): void {
    this.composer = active;
    this.update(this.view);
  }

  update(view: ConversationView | null): void {
    this.view = view;
    // A channel's private room speaks for the channel (same hooks as a 1:1 conversation).
    const room = view?.room && view.room.status !== 'invited' ? view.room : undefined;
    const state = pageState(room ? room.lock : (view?.state ?? 'plaintext'));
    this.button.setAttribute('data-offrecord-room', room ? room.status : 'none');
    this.items.room.hidden = !this.channel || room?.status === 'active';
    this.items.room.setAttribute('aria-disabled', String(this.items.room.hidden));
    // No state until the background answered: what the lock shows before is only a default.
    if (view) this.button.setAttribute('data-offrecord-state', state);
    else this.button.removeAttribute('data-offrecord-state');
    this.button.setAttribute('data-offrecord-policy', view?.policy ?? 'manual');
    this.button.setAttribute('data-offrecord-composer', this.composer ?? 'none');
    const smp = view?.smp.status === 'in-progress' ? ' · verifying…' : '';
    // Issue 11: why nothing reads yet, or why it ended, beside the state.
    const why = view?.locked
      ? ' · locked — unlock OffRecord'
      : view?.ended === 'expired'
        ? ' · expired'
        : view?.queued
          ? ` · ${msg('lock_waiting_for', [String(view.queued), view.peer])}`
          : '';
    this.button.setAttribute('data-offrecord-locked', String(!!view?.locked));
    if (view?.ended) this.button.setAttribute('data-offrecord-ended', view.ended);
    else this.button.removeAttribute('data-offrecord-ended');
    // Issue 12: which box typing goes to.
    const box = this.warningText
      ? ` · ${t('lock_page_interferes')}`
      : this.composer === 'private' ? ` · ${msg('lock_box_private')}` : this.composer === 'site' ? ` · ${msg('lock_box_site')}` : '';
    // In place: a view arrives at any moment, also while the user clicks the lock or its menu.
    const open = state === 'plaintext' || state === 'finished';
    if (this.iconOpen !== open) {
      const icon = lockIcon(this.doc, open);
      if (this.icon) this.icon.replaceWith(icon);
      else this.button.prepend(icon);
      this.icon = icon;
      this.iconOpen = open;
    }
    const name = room ? msg('lock_room_label', [t(LABEL_KEY[state]), String(room.members.length)]) : labelOf(view);
    const label = ` ${name}${smp}${why}${box}`;
    if (this.label.data !== label) this.label.data = label;
    // The pulse is seen, not heard: the label says it too.
    const asks = view?.peerAsked ? ` · ${msg('lock_peer_asks', view.peer)}` : '';
    this.button.setAttribute('aria-label', msg('lock_aria_label', `${name}${why}${box}${asks}`));
    this.items['private-box'].hidden = this.composer !== 'site';
    this.items['private-box'].setAttribute('aria-disabled', String(this.composer !== 'site'));
    // The 1:1 items follow the conversation itself, not a room in its channel.
    const own = view?.state ?? 'plaintext';
    const start = own === 'plaintext' ? msg('lock_menu_start') : msg('lock_menu_refresh');
    if (this.items.start.textContent !== start) this.items.start.textContent = start;
    const encrypted = own === 'unverified' || own === 'private';
    this.items.end.setAttribute('aria-disabled', String(own === 'plaintext'));
    this.items.verify.setAttribute('aria-disabled', String(!encrypted));
    this.items.attach.hidden = !this.attachAvailable;
    this.items.attach.setAttribute('aria-disabled', String(!this.attachAvailable || !encrypted));
    this.fingerprint.textContent = view?.fingerprint
      ? msg('lock_fingerprint', [view.peer, view.fingerprint])
      : msg('lock_no_fingerprint');
    this.noAnswer.update(view);
    this.button.setAttribute('data-offrecord-asked', String(!!view?.peerAsked));
    // With reduced motion no animation ends: the outline goes when the request does.
    if (!view?.peerAsked) this.button.classList.remove('pulse');
    this.keepMenuFocus();
    this.fit(); // items shown or hidden change the menu's height
    if (view?.peerAsked && !this.pulsed) {
      this.button.classList.add('pulse');
      this.button.addEventListener('animationend', () => this.button.classList.remove('pulse'), { once: true });
    }
    this.pulsed = !!view?.peerAsked;
    if (view?.fingerprintChanged) this.showKeyWarning(msg('lock_key_changed', view.peer));
  }

  /** Takes the notice away now (what it said no longer holds). */
  clearNotice(): void {
    this.doc.defaultView?.clearTimeout(this.noticeTimer);
    this.notice.hidden = true;
  }

  /**
   * An item the update hid hands the focus on before the browser drops it: a focus lost from the
   * menu closes the menu, under a user's click.
   */
  private keepMenuFocus(): void {
    const focused = (this.host.shadowRoot as ShadowRoot).activeElement as HTMLElement | null;
    if (this.menu.hidden || !focused || !this.menu.contains(focused)) return;
    if (focused.hidden || (this.noAnswer.section.hidden && this.noAnswer.section.contains(focused))) this.enabledItems()[0]?.focus();
  }

  /** The changed-key warning, kept until the next notice, with its button to the popup. */
  showKeyWarning(text: string): void {
    this.showNotice(text, 0);
    this.notice.append(' ', this.checkKey);
  }

  /** ms 0 keeps it until the next notice. */
  showNotice(text: string, ms = 6000): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
    const win = this.doc.defaultView;
    if (win) {
      win.clearTimeout(this.noticeTimer);
      if (ms > 0) this.noticeTimer = win.setTimeout(() => (this.notice.hidden = true), ms);
    }
  }

  /**
   * Above the composer's top-right corner, where the site's own buttons rarely are. Held by its
   * right edge, so a longer or shorter label never moves the menu (it opens from that edge).
   */
  place(anchor: DOMRect): void {
    const viewport = this.doc.documentElement.clientWidth;
    const right = `${Math.max(4, Math.round(viewport - anchor.right))}px`;
    const top = `${Math.max(4, Math.round(anchor.top - 30))}px`;
    if (this.host.style.right === right && this.host.style.top === top) return;
    this.host.style.right = right;
    this.host.style.top = top;
    this.fit();
  }

  destroy(): void {
    this.noAnswer.destroy();
    this.host.remove();
  }
}
