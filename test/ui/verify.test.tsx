import { cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ConversationView, SmpView } from '../../src/messaging/schema';
import { VerifyDialog, type VerifyActions } from '../../src/ui/popup/VerifyDialog';
import { FP_ALICE, FP_BOB, conversation, en, installI18n } from './helpers';

const ID = 'thelounge|alice|bob|0';
function actions() {
  return { smpStart: vi.fn(), smpAnswer: vi.fn(), smpAbort: vi.fn(), verifyManual: vi.fn() } satisfies VerifyActions;
}
const conv = (smp: Partial<SmpView> = {}, over: Partial<ConversationView> = {}) =>
  conversation({ state: 'unverified', fingerprint: FP_BOB, trust: 'unverified', smp: { status: 'idle', progress: 0, ...smp }, ...over });

function dialog(c: ConversationView, a = actions(), onClose = vi.fn()) {
  const r = render(<VerifyDialog conversation={c} myFingerprint={FP_ALICE} actions={a} onClose={onClose} />);
  const rerender = (next: ConversationView) => r.rerender(<VerifyDialog conversation={next} myFingerprint={FP_ALICE} actions={a} onClose={onClose} />);
  return { a, onClose, rerender, el: screen.getByRole('dialog', { name: en('verify_title', 'bob') }) };
}
const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

describe('popup: Verify dialog ("Authenticate buddy")', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installI18n();
  });
  afterEach(cleanup);

  it('question and answer: starts the SMP with the question, then shows progress and success', () => {
    const { a, rerender, el } = dialog(conv());
    expect((screen.getByLabelText(en('verify_how', 'bob')) as HTMLSelectElement).value).toBe('question');
    type(en('verify_question'), '  Where did we meet?  ');
    type(en('verify_answer'), 'Lisbon');
    fireEvent.click(within(el).getByRole('button', { name: en('verify_submit') }));
    expect(a.smpStart).toHaveBeenCalledWith(ID, 'Lisbon', 'Where did we meet?');

    rerender(conv({ status: 'in-progress', progress: 0.5 }));
    expect(screen.getByRole('progressbar', { name: en('verify_progress_label') }).getAttribute('aria-valuenow')).toBe('50');
    rerender(conv({ status: 'succeeded', progress: 1 }, { state: 'private', trust: 'smp' }));
    expect(screen.getByRole('status').textContent).toContain(en('verify_result_succeeded', 'bob'));
  });

  it('shared secret: starts the SMP without a question; failure offers a retry', () => {
    const { a, rerender } = dialog(conv());
    fireEvent.change(screen.getByLabelText(en('verify_how', 'bob')), { target: { value: 'secret' } });
    expect(screen.queryByLabelText(en('verify_question'))).toBeNull();
    type(en('verify_secret'), 'correct horse');
    fireEvent.click(screen.getByRole('button', { name: en('verify_submit') }));
    expect(a.smpStart).toHaveBeenCalledWith(ID, 'correct horse', undefined);

    rerender(conv({ status: 'failed', progress: 1 }));
    expect(screen.getByRole('status').textContent).toContain(en('verify_result_failed'));
    fireEvent.click(screen.getByRole('button', { name: en('verify_try_again') }));
    expect(screen.getByLabelText(en('verify_how', 'bob'))).toBeTruthy();
  });

  it('does not start the SMP without a secret', () => {
    const { a } = dialog(conv());
    fireEvent.change(screen.getByLabelText(en('verify_how', 'bob')), { target: { value: 'secret' } });
    fireEvent.submit(screen.getByRole('button', { name: en('verify_submit') }).closest('form')!);
    expect(a.smpStart).not.toHaveBeenCalled();
  });

  it('can stop a running SMP, and shows it was stopped', () => {
    const { a, rerender } = dialog(conv({ status: 'in-progress', progress: 0.25 }));
    fireEvent.click(screen.getByRole('button', { name: en('verify_abort') }));
    expect(a.smpAbort).toHaveBeenCalledWith(ID);
    rerender(conv({ status: 'aborted', progress: 0 }));
    expect(screen.getByRole('status').textContent).toContain(en('verify_result_aborted'));
  });

  it('answers the question the peer asked', () => {
    const { a, rerender } = dialog(conv({ status: 'awaiting-answer', progress: 0.25, question: 'Our first city?' }));
    expect(screen.getByText('Our first city?')).toBeTruthy();
    expect(screen.queryByLabelText(en('verify_how', 'bob'))).toBeNull();
    type(en('verify_answer'), 'Porto');
    fireEvent.click(screen.getByRole('button', { name: en('verify_submit_answer') }));
    expect(a.smpAnswer).toHaveBeenCalledWith(ID, 'Porto');
    rerender(conv({ status: 'in-progress', progress: 0.75 }));
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('75');
  });

  it('manual comparison: shows both fingerprints and records "I have verified" only after the comparison step', () => {
    const { a, onClose } = dialog(conv());
    fireEvent.change(screen.getByLabelText(en('verify_how', 'bob')), { target: { value: 'manual' } });
    expect(screen.getByLabelText(`${en('verify_manual_mine', 'alice')}: ${FP_ALICE}`)).toBeTruthy();
    expect(screen.getByLabelText(`${en('verify_manual_theirs', 'bob')}: ${FP_BOB}`)).toBeTruthy();
    const choice = screen.getByLabelText(en('verify_manual_choice_label')) as HTMLSelectElement;
    expect(choice.value).toBe('no');
    fireEvent.change(choice, { target: { value: 'yes' } });
    const save = screen.getByRole('button', { name: en('verify_submit_manual') }) as HTMLButtonElement;
    // Not yet: the user has not said the fingerprints were compared with bob over another channel.
    expect(save.disabled).toBe(true);
    fireEvent.click(save);
    expect(a.verifyManual).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText(en('verify_manual_compared', 'bob')));
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    expect(a.verifyManual).toHaveBeenCalledWith(ID, true);
    expect(onClose).toHaveBeenCalled();
  });

  it('keyboard: focus starts inside, Tab wraps, Escape closes', () => {
    const { el, onClose } = dialog(conv());
    expect(el.contains(document.activeElement)).toBe(true);
    const focusables = [...el.querySelectorAll<HTMLElement>('button, input, select')];
    focusables[focusables.length - 1]!.focus();
    fireEvent.keyDown(el, { key: 'Tab' });
    expect(document.activeElement).toBe(focusables[0]);
    fireEvent.keyDown(el, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(focusables[focusables.length - 1]);
    fireEvent.keyDown(el, { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
    expect(el.getAttribute('aria-modal')).toBe('true');
  });
});
