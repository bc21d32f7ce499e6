/**
 * "Authenticate buddy" (verify.html): the question-and-answer, shared-secret and
 * fingerprint-comparison flow, in an extension-origin frame so the secret is typed where the
 * page cannot read it. Reuses the popup's VerifyDialog. The frame's token (claimed by the content
 * script that placed it) names the conversation; its actions go over the same token-bound port,
 * so they can only ever act on that conversation, and pushes on it bring SMP progress.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request } from '../messaging/client';
import { connectFrame, type FrameChannel } from '../messaging/frame-link';
import { postToHost } from '../messaging/frame-host';
import { msg } from '../ui/i18n';
import type { ConversationView, SecurityMark } from '../messaging/types';
import { VerifyDialog, type VerifyActions } from '../ui/popup/VerifyDialog';

function close(): void {
  // Carries nothing but a fixed name: the content script removes this frame.
  postToHost(window, { offrecord: 'close-verify' });
}

/** As the compose frame's (compose.ts). */
const TYPING_EVERY_MS = 150;

function VerifyApp() {
  const [view, setView] = useState<ConversationView | null>(null);
  const [mine, setMine] = useState('');
  const [error, setError] = useState('');
  const [mark, setMark] = useState<SecurityMark | undefined>(undefined);
  const [channel, setChannel] = useState<FrameChannel | null>(null);
  useEffect(() => {
    const ch = connectFrame((m) => {
      if (m.type === 'mark') setMark(m.mark);
      else if (m.type === 'ready' || m.type === 'conversation') {
        setView(m.view);
        setError('');
      } else if (m.type === 'error') setError(msg('verify_refused', m.message));
    });
    setChannel(ch);
    // While an SMP secret is typed here, the content script moves no focus to the site's box
    // (sender.ts): say when a key is pressed, at most every TYPING_EVERY_MS, never which.
    let lastTyping = 0;
    const onKey = () => {
      const now = Date.now();
      if (now - lastTyping < TYPING_EVERY_MS) return;
      lastTyping = now;
      ch.typing();
    };
    document.addEventListener('keydown', onKey, true);
    request('identity.status', {})
      .then((s) => s.state === 'ready' && setMine(s.fingerprint))
      .catch(() => undefined);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      ch.close();
    };
  }, []);
  // The conversation is the one the token names: the id the dialog passes is not sent.
  const actions: VerifyActions = {
    smpStart: (_id, secret, question) => channel?.verify(question === undefined ? { action: 'smp.start', secret } : { action: 'smp.start', secret, question }),
    smpAnswer: (_id, secret) => channel?.verify({ action: 'smp.answer', secret }),
    smpAbort: () => channel?.verify({ action: 'smp.abort' }),
    // Taking trust back is the popup's job (peers); here "not compared" simply changes nothing.
    verifyManual: (_id, verified) => (verified ? channel?.verify({ action: 'trust' }) : undefined),
  };
  if (!view) return <p class="muted">{error || msg('compose_connecting')}</p>;
  return (
    <>
      {error && (
        <p role="alert" data-offrecord="verify-error">
          {error}
        </p>
      )}
      <VerifyDialog conversation={view} myFingerprint={mine} actions={actions} onClose={close} mark={mark} />
    </>
  );
}

export function startVerify(root: HTMLElement): void {
  render(<VerifyApp />, root);
}
