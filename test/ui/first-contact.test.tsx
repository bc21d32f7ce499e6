import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { FirstContact, GUIDE_CLIENTS } from '../../src/ui/guide/FirstContact';
import { ThisTab, type ThisTabActions } from '../../src/ui/popup/ThisTab';
import { PopupView, type PopupActions } from '../../src/ui/popup/PopupView';
import { FP_ALICE, catalogue, conversation, en, installI18n } from './helpers';

beforeEach(() => {
  fakeBrowser.reset();
  installI18n();
});
afterEach(cleanup);

function tabActions(): ThisTabActions & { [k: string]: ReturnType<typeof vi.fn> } {
  return { start: vi.fn(), end: vi.fn(), verify: vi.fn(), acknowledgeChange: vi.fn() };
}

describe('popup: a query from the peer', () => {
  it('offers "Start private conversation" once, and starts only on a click', () => {
    const a = tabActions();
    render(<ThisTab conversations={[conversation({ state: 'plaintext', peer: 'bob', peerAsked: true })]} actions={a} />);
    expect(screen.getByRole('status').textContent).toBe(en('tab_peer_asked', 'bob'));
    const start = screen.getAllByRole('button', { name: en('action_start') });
    expect(start).toHaveLength(1);
    expect(a.start).not.toHaveBeenCalled();
    fireEvent.click(start[0]!);
    expect(a.start).toHaveBeenCalledTimes(1);
  });

  it('says nothing of a request when the peer did not ask', () => {
    render(<ThisTab conversations={[conversation({ state: 'plaintext' })]} actions={tabActions()} />);
    expect(screen.queryByText(en('tab_peer_asked', 'bob'))).toBeNull();
  });
});

describe('first contact with a Pidgin, Adium, irssi or ChatSecure user', () => {
  it('the popup opens the guide', () => {
    const openFirstContact = vi.fn();
    const actions = { openOptions: vi.fn(), openFirstContact } as unknown as PopupActions;
    render(<PopupView data={{ identity: { state: 'ready', fingerprint: FP_ALICE, passphraseSet: false }, keys: [], accounts: [], conversations: [], peers: [] }} actions={actions} />);
    fireEvent.click(screen.getByRole('button', { name: en('guide_open') }));
    expect(openFirstContact).toHaveBeenCalledTimes(1);
  });

  it('has short steps for each client, every one in the catalogue', () => {
    render(<FirstContact identity={null} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('How to talk with Pidgin, Adium, irssi or ChatSecure users');
    for (const c of GUIDE_CLIENTS) {
      const card = document.querySelector(`[data-client="${c.id}"]`) as HTMLElement;
      expect(within(card).getByRole('heading').textContent).toBe(en(`guide_${c.id}_name`));
      const steps = within(card).getAllByRole('listitem');
      expect(steps).toHaveLength(c.steps);
      steps.forEach((s, i) => {
        expect(catalogue[`guide_${c.id}_${i + 1}`]).toBeDefined();
        expect(s.textContent).toBe(en(`guide_${c.id}_${i + 1}`));
      });
    }
  });

  it('shows my fingerprint in the 5×8 hex form libotr clients show, and explains SMP with a question', () => {
    render(<FirstContact identity={{ state: 'ready', fingerprint: FP_ALICE.replace(/ /g, '').toLowerCase(), passphraseSet: false }} />);
    const fp = document.querySelector('[data-fingerprint]')!;
    expect(fp.getAttribute('data-fingerprint')).toMatch(/^([0-9A-F]{8} ){4}[0-9A-F]{8}$/);
    expect(fp.getAttribute('data-fingerprint')).toBe(FP_ALICE);
    const smp = screen.getByRole('region', { name: en('guide_smp_title') });
    expect(within(smp).getAllByRole('listitem').map((l) => l.textContent)).toEqual([en('guide_smp_1'), en('guide_smp_2'), en('guide_smp_3')]);
    expect(en('guide_smp_1')).toContain(en('verify_mode_question'));
  });
});
