/**
 * "Authenticate buddy" (verify.html#TOKEN): the question-and-answer, shared-secret and
 * fingerprint-comparison flow, in an extension-origin frame so the secret is typed where the
 * page cannot read it. Reuses the popup's VerifyDialog; the frame's token tells it which
 * conversation, and conversation pushes on the same port bring SMP progress.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { connectFrame, request } from '../messaging/client';
import { postToHost } from '../messaging/frame-host';
import type { ConversationView } from '../messaging/types';
import { VerifyDialog, type VerifyActions } from '../ui/popup/VerifyDialog';

function close(): void {
  // Carries nothing but a fixed name: the content script removes this frame.
  postToHost(window, { offrecord: 'close-verify' });
}

function VerifyApp({ token }: { token: string }) {
  const [view, setView] = useState<ConversationView | null>(null);
  const [mine, setMine] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const ch = connectFrame(token, (m) => {
      if (m.type === 'ready' || m.type === 'conversation') setView(m.view);
      else if (m.type === 'error') setError(m.message);
    });
    request('identity.status', {})
      .then((s) => s.state === 'ready' && setMine(s.fingerprint))
      .catch(() => undefined);
    return () => ch.close();
  }, [token]);
  const run = (p: Promise<ConversationView>) =>
    p.then(setView).catch((e: Error) => setError(`OffRecord refused: ${e.message}`));
  const actions: VerifyActions = {
    smpStart: (id, secret, question) => run(request('smp.start', question === undefined ? { conversationId: id, secret } : { conversationId: id, secret, question })),
    smpAnswer: (id, secret) => run(request('smp.answer', { conversationId: id, secret })),
    smpAbort: (id) => run(request('smp.abort', { conversationId: id })),
    verifyManual: (id, verified) =>
      // Taking trust back is the popup's job (peers); here "not compared" simply changes nothing.
      verified ? run(request('conversation.verifyManual', { conversationId: id })) : undefined,
  };
  if (!view) return <p class="muted">{error || 'Connecting to OffRecord…'}</p>;
  return (
    <>
      {error && (
        <p role="alert" data-offrecord="verify-error">
          {error}
        </p>
      )}
      <VerifyDialog conversation={view} myFingerprint={mine} actions={actions} onClose={close} />
    </>
  );
}

export function startVerify(root: HTMLElement, token: string): void {
  render(<VerifyApp token={token} />, root);
}
