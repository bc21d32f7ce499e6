/**
 * The lock when the peer asks for a private conversation (issue 16): one pulse per request, the
 * request in the label (a pulse is only seen), and nothing left of it once it is answered.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Lock } from '../../src/overlay/lock';
import type { ConversationView } from '../../src/messaging/types';
import { installI18n } from '../ui/helpers';

// The lock's strings come from the English catalogue, as in the browser.
beforeEach(installI18n);

const view = (change: Partial<ConversationView> = {}): ConversationView => ({
  id: 'c1', site: 'thelounge', account: 'bob', peer: 'alice', title: 'alice', state: 'plaintext', version: 0,
  smp: { status: 'idle', progress: 0 }, policy: 'manual', queued: 0, ...change,
});

function lockOf(): { lock: Lock; button: HTMLElement } {
  const lock = new Lock(document, () => undefined);
  document.body.append(lock.host);
  return { lock, button: lock.host.shadowRoot!.querySelector<HTMLElement>('[data-offrecord=lock]')! };
}

describe('the lock and a peer’s request', () => {
  it('pulses once per request and says who asks in its label', () => {
    const { lock, button } = lockOf();
    lock.update(view());
    expect(button.getAttribute('data-offrecord-asked')).toBe('false');
    expect(button.classList.contains('pulse')).toBe(false);
    lock.update(view({ peerAsked: true }));
    expect(button.getAttribute('data-offrecord-asked')).toBe('true');
    expect(button.classList.contains('pulse')).toBe(true);
    expect(button.getAttribute('aria-label')).toContain('alice asks for a private conversation');
    // The animation ends; the same request pushed again does not pulse again.
    button.dispatchEvent(new Event('animationend'));
    lock.update(view({ peerAsked: true }));
    expect(button.classList.contains('pulse')).toBe(false);
  });

  it('forgets the request once answered, even when no animation ran (reduced motion)', () => {
    const { lock, button } = lockOf();
    lock.update(view({ peerAsked: true }));
    expect(button.classList.contains('pulse')).toBe(true);
    lock.update(view({ state: 'unverified', version: 3 }));
    expect(button.classList.contains('pulse')).toBe(false);
    expect(button.getAttribute('data-offrecord-asked')).toBe('false');
    expect(button.getAttribute('aria-label')).not.toContain('asks');
  });
});

describe('no trust level in the page (issue 17 item 8)', () => {
  const pageReadable = (lock: Lock) =>
    Array.from(lock.host.shadowRoot!.querySelectorAll('*'))
      .filter((el) => el.tagName !== 'STYLE')
      .map((el) => `${el.tagName} ${Array.from(el.attributes).map((a) => `${a.name}=${a.value}`).join(' ')} ${el.textContent}`)
      .join('\n');

  it('an unverified and a verified conversation, or room, read the same in the page', () => {
    const fingerprint = 'AAAAAAAA BBBBBBBB CCCCCCCC DDDDDDDD EEEEEEEE';
    const unverified = lockOf();
    unverified.lock.update(view({ state: 'unverified', version: 3, fingerprint, trust: 'unverified' }));
    const verified = lockOf();
    verified.lock.update(view({ state: 'private', version: 3, fingerprint, trust: 'smp' }));
    expect(pageReadable(unverified.lock)).toBe(pageReadable(verified.lock));
    expect(unverified.button.getAttribute('data-offrecord-state')).toBe('private');
    expect(pageReadable(verified.lock)).not.toMatch(/unverified|\(verified\)/i);
  });
});

describe('the changed-key warning (issue 17, first-time users)', () => {
  it("offers to open the popup, and a page script's click does nothing", () => {
    const actions: string[] = [];
    const lock = new Lock(document, (a) => actions.push(a));
    document.body.append(lock.host);
    lock.update(view({ state: 'unverified', version: 3, fingerprintChanged: { previous: 'A', current: 'B' } }));
    const root = lock.host.shadowRoot!;
    expect(root.querySelector('[data-offrecord=notice]')!.textContent).toContain("alice's key changed");
    const check = root.querySelector<HTMLButtonElement>('[data-offrecord=notice] [data-offrecord=check-key]')!;
    expect(check).toBeTruthy();
    check.click(); // untrusted, as a page script's
    check.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(actions).toEqual([]);
  });
});
