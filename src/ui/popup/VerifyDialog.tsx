import { useState } from 'preact/hooks';
import type { ConversationView, SecurityMark } from '../../messaging/schema';
import { SecurityMarkBadge } from '../components/SecurityMark';
import { Dialog } from '../components/Dialog';
import { Fingerprint } from '../components/Fingerprint';
import { Progress } from '../components/Progress';
import { t } from '../i18n';

export type VerifyMode = 'question' | 'secret' | 'manual';

export interface VerifyActions {
  smpStart(conversationId: string, secret: string, question?: string): void;
  smpAnswer(conversationId: string, secret: string): void;
  smpAbort(conversationId: string): void;
  /** verified: the user compared fingerprints and they match; false takes trust back. */
  verifyManual(conversationId: string, verified: boolean): void;
}

interface VerifyDialogProps {
  conversation: ConversationView;
  /** The fingerprint of the key this conversation's account uses. */
  myFingerprint: string;
  actions: VerifyActions;
  onClose: () => void;
  /** In a frame inside the page: the user's security mark, which the page cannot show. */
  mark?: SecurityMark;
}

/**
 * Pidgin's "Authenticate buddy": a question and answer, a shared secret (both run the SMP), or
 * comparing fingerprints by hand. The SMP's progress and result come from `conversation.smp`.
 */
export function VerifyDialog({ conversation: c, myFingerprint, actions, onClose, mark }: VerifyDialogProps) {
  const smp = c.smp;
  const answering = smp.status === 'awaiting-answer';
  // Show the SMP's outcome only once this dialog asked for it (or the peer's run is live).
  const [submitted, setSubmitted] = useState(smp.status === 'in-progress');
  const [mode, setMode] = useState<VerifyMode>('question');
  const [question, setQuestion] = useState('');
  const [secret, setSecret] = useState('');
  const [manual, setManual] = useState<'yes' | 'no'>(c.trust === 'manual' || c.trust === 'smp' ? 'yes' : 'no');
  // The comparison step (issue 17): "verified" is saved only once the user says the two
  // fingerprints were compared with the peer over another channel and match.
  const [compared, setCompared] = useState(false);
  const unconfirmed = !answering && mode === 'manual' && manual === 'yes' && !compared;

  const running = submitted && smp.status === 'in-progress';
  const finished = submitted && (smp.status === 'succeeded' || smp.status === 'failed' || smp.status === 'aborted');

  const submit = (e: Event) => {
    e.preventDefault();
    if (answering) {
      if (!secret) return;
      actions.smpAnswer(c.id, secret);
      setSubmitted(true);
    } else if (mode === 'manual') {
      if (unconfirmed) return;
      actions.verifyManual(c.id, manual === 'yes');
      onClose();
    } else {
      if (!secret || (mode === 'question' && !question.trim())) return;
      actions.smpStart(c.id, secret, mode === 'question' ? question.trim() : undefined);
      setSubmitted(true);
    }
    setSecret('');
  };

  return (
    <Dialog title={t('verify_title', c.peer)} onClose={onClose}>
      {mark && (
        <p class="mark-line">
          <SecurityMarkBadge mark={mark} />
        </p>
      )}
      {running && (
        <div class="stack" aria-live="polite">
          <p>{t('verify_in_progress', c.peer)}</p>
          <Progress value={smp.progress} label={t('verify_progress_label')} />
          <div class="actions actions-end">
            <button type="button" class="btn" onClick={() => actions.smpAbort(c.id)}>
              {t('verify_abort')}
            </button>
          </div>
        </div>
      )}

      {finished && (
        <div class="stack">
          <div class={`result result-${smp.status}`} role="status">
            <strong>{t(`verify_result_${smp.status}`, c.peer)}</strong>
            <p class="small">{t(`verify_result_${smp.status}_body`, c.peer)}</p>
          </div>
          <div class="actions actions-end">
            {smp.status !== 'succeeded' && (
              <button type="button" class="btn" onClick={() => setSubmitted(false)}>
                {t('verify_try_again')}
              </button>
            )}
            <button type="button" class="btn btn-primary" onClick={onClose}>
              {t('close')}
            </button>
          </div>
        </div>
      )}

      {!running && !finished && (
        <form class="stack" onSubmit={submit}>
          {answering ? (
            <>
              <p>{smp.question ? t('verify_peer_asks', c.peer) : t('verify_peer_secret', c.peer)}</p>
              {smp.question && <blockquote class="question">{smp.question}</blockquote>}
              <label class="field">
                <span class="label">{smp.question ? t('verify_answer') : t('verify_secret')}</span>
                <input type="text" autoComplete="off" required value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
              </label>
            </>
          ) : (
            <>
              <label class="field">
                <span class="label">{t('verify_how', c.peer)}</span>
                <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as VerifyMode)}>
                  <option value="question">{t('verify_mode_question')}</option>
                  <option value="secret">{t('verify_mode_secret')}</option>
                  <option value="manual">{t('verify_mode_manual')}</option>
                </select>
              </label>
              {mode === 'question' && <p class="muted small">{t('verify_question_help', c.peer)}</p>}
              {mode === 'secret' && <p class="muted small">{t('verify_secret_help', c.peer)}</p>}
              {mode === 'question' && (
                <label class="field">
                  <span class="label">{t('verify_question')}</span>
                  <input type="text" autoComplete="off" required value={question} onInput={(e) => setQuestion((e.target as HTMLInputElement).value)} />
                </label>
              )}
              {mode !== 'manual' && (
                <label class="field">
                  <span class="label">{mode === 'question' ? t('verify_answer') : t('verify_secret')}</span>
                  <input type="text" autoComplete="off" required value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
                </label>
              )}
              {mode === 'manual' && (
                <div class="stack">
                  <p class="muted small">{t('verify_manual_help', c.peer)}</p>
                  <div class="field">
                    <span class="label">{t('verify_manual_mine', c.account || c.site)}</span>
                    <Fingerprint value={myFingerprint} label={t('verify_manual_mine', c.account || c.site)} />
                  </div>
                  <div class="field">
                    <span class="label">{t('verify_manual_theirs', c.peer)}</span>
                    {c.fingerprint ? (
                      <Fingerprint value={c.fingerprint} label={t('verify_manual_theirs', c.peer)} />
                    ) : (
                      <p class="muted">—</p>
                    )}
                  </div>
                  <label class="field">
                    <span class="sr-only">{t('verify_manual_choice_label')}</span>
                    <select
                      aria-label={t('verify_manual_choice_label')}
                      value={manual}
                      onChange={(e) => setManual((e.target as HTMLSelectElement).value as 'yes' | 'no')}
                    >
                      <option value="no">{t('verify_manual_not', c.peer)}</option>
                      <option value="yes">{t('verify_manual_have', c.peer)}</option>
                    </select>
                  </label>
                  {manual === 'yes' && (
                    <label class="field">
                      <input
                        type="checkbox"
                        data-offrecord="compared"
                        checked={compared}
                        onChange={(e) => setCompared((e.target as HTMLInputElement).checked)}
                      />
                      <span>{t('verify_manual_compared', c.peer)}</span>
                    </label>
                  )}
                </div>
              )}
            </>
          )}
          <div class="actions actions-end">
            <button type="button" class="btn" onClick={onClose}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={unconfirmed}>
              {answering ? t('verify_submit_answer') : mode === 'manual' ? t('verify_submit_manual') : t('verify_submit')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
