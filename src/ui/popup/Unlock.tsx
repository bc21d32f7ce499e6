import { useState } from 'preact/hooks';
import { t } from '../i18n';

/** The key store is locked by a passphrase: ask for it before anything else. */
export function Unlock({ onUnlock }: { onUnlock: (passphrase: string) => Promise<void> }) {
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!passphrase || busy) return;
    setBusy(true);
    setError('');
    try {
      await onUnlock(passphrase);
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : t('unlock_failed'));
    } finally {
      setBusy(false);
      setPassphrase('');
    }
  };
  return (
    <form class="card stack unlock" onSubmit={submit} aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('unlock_title')}</h2>
      <p class="muted small">{t('unlock_body')}</p>
      <label class="field">
        <span class="label">{t('passphrase')}</span>
        <input
          type="password"
          autoComplete="current-password"
          autoFocus
          value={passphrase}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'unlock-error' : undefined}
          onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)}
        />
      </label>
      {error && (
        <p id="unlock-error" class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy || !passphrase}>
        {busy ? t('unlocking') : t('unlock')}
      </button>
    </form>
  );
}
