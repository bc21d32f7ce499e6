import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Trust } from '../../src/messaging/schema';
import { Peers, type PeersActions } from '../../src/ui/popup/Peers';
import { FP_ALICE, FP_BOB, FP_BOB_NEW, en, installI18n, peer } from './helpers';

function actions() {
  return { setTrust: vi.fn(), forget: vi.fn(), acknowledge: vi.fn() } satisfies PeersActions;
}
const carol = peer({
  fingerprint: FP_ALICE,
  trust: 'smp',
  seen: [
    { site: 'converse', account: 'me@localhost', peer: 'carol@localhost', firstSeen: 1, lastSeen: 2 },
    { site: 'thelounge', account: 'me', peer: 'carol', firstSeen: 1, lastSeen: 2 },
  ],
});

describe('popup: Known peers', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });
  afterEach(cleanup);

  it('says so when no peer is known yet', () => {
    render(<Peers peers={[]} actions={actions()} />);
    expect(screen.getByText(en('peers_empty'))).toBeTruthy();
  });

  const trusts: [Trust, string, string][] = [
    ['unverified', 'trust_unverified', 'peers_mark_verified'],
    ['smp', 'trust_smp', 'peers_mark_unverified'],
    ['manual', 'trust_manual', 'peers_mark_unverified'],
  ];
  for (const [trust, label, button] of trusts) {
    it(`shows trust "${trust}" and offers the opposite`, () => {
      const a = actions();
      render(<Peers peers={[peer({ trust })]} actions={a} />);
      const card = screen.getByRole('listitem', { name: 'bob' });
      expect(within(card).getByText(en(label))).toBeTruthy();
      fireEvent.click(within(card).getByRole('button', { name: en(button) }));
      expect(a.setTrust).toHaveBeenCalledWith(FP_BOB, trust === 'unverified' ? 'manual' : 'unverified');
    });
  }

  it('lists fingerprint, first and last seen, and every account and site the key was seen on', () => {
    render(<Peers peers={[carol]} actions={actions()} />);
    const card = screen.getByRole('listitem', { name: 'carol@localhost, carol' });
    expect(within(card).getByLabelText(new RegExp(FP_ALICE))).toBeTruthy();
    expect(within(card).getByText(en('peers_first_seen'))).toBeTruthy();
    expect(within(card).getByText(en('peers_last_seen'))).toBeTruthy();
    expect(within(card).getByText(en('peers_seen_row', ['carol@localhost', 'converse', 'me@localhost']))).toBeTruthy();
    expect(within(card).getByText(en('peers_seen_row', ['carol', 'thelounge', 'me']))).toBeTruthy();
  });

  it('searches by name, site and fingerprint (with or without spaces)', () => {
    render(<Peers peers={[peer(), carol]} actions={actions()} />);
    const search = screen.getByRole('searchbox', { name: en('peers_search_label') });
    fireEvent.input(search, { target: { value: 'carol' } });
    expect(screen.getAllByRole('listitem', { name: /carol/ })).toHaveLength(1);
    expect(screen.queryByRole('listitem', { name: 'bob' })).toBeNull();
    fireEvent.input(search, { target: { value: 'b0b0b0b01111' } });
    expect(screen.getByRole('listitem', { name: 'bob' })).toBeTruthy();
    fireEvent.input(search, { target: { value: 'converse' } });
    expect(screen.queryByRole('listitem', { name: 'bob' })).toBeNull();
    fireEvent.input(search, { target: { value: 'nobody' } });
    expect(screen.getByText(en('peers_no_match'))).toBeTruthy();
  });

  it('puts a changed fingerprint first, as an alert that must be acknowledged', () => {
    const a = actions();
    const changed = peer({ fingerprint: FP_BOB_NEW, changedWarning: true, lastSeen: 0 });
    render(<Peers peers={[carol, changed]} actions={a} />);
    const cards = screen.getAllByRole('listitem').filter((li) => li.classList.contains('card'));
    expect(cards[0]!.getAttribute('data-peer')).toBe(FP_BOB_NEW);
    expect(cards[0]!.className).toContain('card-alert');
    const alert = within(cards[0]!).getByRole('alert');
    expect(alert.textContent).toContain(en('changed_title', 'bob'));
    fireEvent.click(within(alert).getByRole('button', { name: en('changed_acknowledge') }));
    expect(a.acknowledge).toHaveBeenCalledWith(changed);
  });

  it('asks before forgetting a key; Escape cancels, confirming forgets', () => {
    const a = actions();
    render(<Peers peers={[peer()]} actions={a} />);
    const forget = screen.getByRole('button', { name: en('peers_forget') });
    forget.focus();
    fireEvent.click(forget);
    const dialog = screen.getByRole('alertdialog', { name: en('forget_title', 'bob') });
    expect(dialog.contains(document.activeElement)).toBe(true);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(forget);
    expect(a.forget).not.toHaveBeenCalled();

    fireEvent.click(forget);
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: en('forget_confirm') }));
    expect(a.forget).toHaveBeenCalledWith(FP_BOB);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});
