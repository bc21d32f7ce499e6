import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ConversationStateName } from '../../src/messaging/schema';
import { ThisTab, type ThisTabActions } from '../../src/ui/popup/ThisTab';
import { FP_BOB, FP_BOB_NEW, conversation, en, installI18n } from './helpers';

function actions(): ThisTabActions & { [k: string]: ReturnType<typeof vi.fn> } {
  return { start: vi.fn(), end: vi.fn(), verify: vi.fn(), acknowledgeChange: vi.fn() };
}

describe('popup: This tab', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });
  afterEach(cleanup);

  it('lists storage problems, naming the conversation', () => {
    const problems = [
      { at: 1, code: 'corrupt' as const, message: 'a conversation record does not decrypt' },
      { at: 2, code: 'quota' as const, conversationId: 'x', title: 'bob', message: 'the disk is full' },
    ];
    render(<ThisTab conversations={[]} actions={actions()} problems={problems} />);
    expect(screen.getByText(en('tab_problems_title'))).toBeTruthy();
    expect(screen.getByText(en('tab_problem_corrupt'))).toBeTruthy();
    expect(screen.getByText(`${en('tab_problem_quota')}: bob`)).toBeTruthy();
  });

  it('says so when the page has no conversation', () => {
    render(<ThisTab conversations={[]} actions={actions()} />);
    expect(screen.getByText(en('tab_empty_title'))).toBeTruthy();
  });

  const cases: [ConversationStateName, string, string[], string[]][] = [
    ['plaintext', 'state_not_private', ['action_start'], ['action_end', 'action_verify', 'action_refresh']],
    ['unverified', 'state_unverified', ['action_refresh', 'action_end', 'action_verify'], ['action_start']],
    ['private', 'state_private', ['action_refresh', 'action_end', 'action_verify'], ['action_start']],
    ['finished', 'state_finished', ['action_start', 'action_end'], ['action_verify', 'action_refresh']],
  ];
  for (const [state, label, shown, hidden] of cases) {
    it(`shows a ${state} conversation as "${en(label)}" with its actions`, () => {
      const fp = state === 'plaintext' ? undefined : FP_BOB;
      render(<ThisTab conversations={[conversation({ state, fingerprint: fp })]} actions={actions()} />);
      const card = screen.getByRole('listitem', { name: 'bob' });
      expect(within(card).getByText(en(label))).toBeTruthy();
      for (const k of shown) expect(within(card).getByRole('button', { name: en(k) })).toBeTruthy();
      for (const k of hidden) expect(within(card).queryByRole('button', { name: en(k) })).toBeNull();
      if (fp) expect(within(card).getByLabelText(`${en('peer_fingerprint_label', 'bob')}: ${FP_BOB}`)).toBeTruthy();
      else expect(within(card).queryByText(/B0B0B0B0/)).toBeNull();
    });
  }

  it('calls start, end and verify with the conversation id', () => {
    const a = actions();
    render(<ThisTab conversations={[conversation({ state: 'unverified', fingerprint: FP_BOB })]} actions={a} />);
    fireEvent.click(screen.getByRole('button', { name: en('action_refresh') }));
    fireEvent.click(screen.getByRole('button', { name: en('action_end') }));
    fireEvent.click(screen.getByRole('button', { name: en('action_verify') }));
    expect(a.start).toHaveBeenCalledWith('thelounge|alice|bob|0');
    expect(a.end).toHaveBeenCalledWith('thelounge|alice|bob|0');
    expect(a.verify).toHaveBeenCalledWith('thelounge|alice|bob|0');
  });

  it('shows a changed fingerprint as an alert with both fingerprints, to be acknowledged', () => {
    const a = actions();
    const c = conversation({ state: 'unverified', fingerprint: FP_BOB_NEW, fingerprintChanged: { previous: FP_BOB, current: FP_BOB_NEW } });
    render(<ThisTab conversations={[c]} actions={a} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(en('changed_title', 'bob'));
    expect(alert.textContent).toContain(FP_BOB);
    expect(alert.textContent).toContain(FP_BOB_NEW);
    fireEvent.click(within(alert).getByRole('button', { name: en('changed_acknowledge') }));
    expect(a.acknowledgeChange).toHaveBeenCalledWith(c);
  });

  it('tells the user when the peer asked a verification question, and offers to answer', () => {
    const c = conversation({ state: 'unverified', fingerprint: FP_BOB, smp: { status: 'awaiting-answer', progress: 0.25, question: 'Our first city?' } });
    render(<ThisTab conversations={[c]} actions={actions()} />);
    expect(screen.getByText(en('smp_peer_asks', ['bob', 'Our first city?']))).toBeTruthy();
    expect(screen.getByRole('button', { name: en('action_answer') })).toBeTruthy();
  });

  it('shows messages held back until the session is private', () => {
    render(<ThisTab conversations={[conversation({ policy: 'always', queued: 2 })]} actions={actions()} />);
    expect(screen.getByText(en('tab_queued', '2'))).toBeTruthy();
  });
});
