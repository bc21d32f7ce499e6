import { useState } from 'preact/hooks';
import { errorText } from '../components/ErrorBanner';
import { t } from '../i18n';

/** Turn the passphrase on, change it, or turn it off. `set` throws on a wrong current one. */
export function Passphrase({ enabled, set }: { enabled: boolean; set: (current: string | null, next: string | null) => Promise<void> }) {
  const [mode, setMode] = useState<'idle' | 'set' | 'change' | 'remove'>('idle');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  const reset = () => {
    setMode('idle');
    setCurrent('');
    setNext('');
    setConfirm('');
    setError('');
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone('');
    if (mode !== 'remove' && next !== confirm) return setError(t('pass_mismatch'));
    if (mode !== 'remove' && next.length < 8) return setError(t('pass_too_short'));
    try {
      await set(mode === 'set' ? null : current, mode === 'remove' ? null : next);
      setDone(t(mode === 'remove' ? 'pass_removed' : mode === 'set' ? 'pass_set' : 'pass_changed'));
      reset();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const input = (label: string, value: string, onValue: (v: string) => void, auto: string) => (
    <label class="field">
      <span class="label">{label}</span>
      <input type="password" autoComplete={auto} required value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
    </label>
  );

  return (
    <div class="card stack" aria-labelledby="pass-title">
      <div class="card-row">
        <h3 id="pass-title">{t('pass_title')}</h3>
        <span class={`tag${enabled ? ' tag-on' : ''}`}>{enabled ? t('pass_on') : t('pass_off')}</span>
      </div>
      <p class="muted small">{t('pass_help')}</p>
      {mode === 'idle' ? (
        <div class="actions">
          {!enabled && (
            <button type="button" class="btn" onClick={() => setMode('set')}>
              {t('pass_turn_on')}
            </button>
          )}
          {enabled && (
            <button type="button" class="btn" onClick={() => setMode('change')}>
              {t('pass_change')}
            </button>
          )}
          {enabled && (
            <button type="button" class="btn btn-danger-quiet" onClick={() => setMode('remove')}>
              {t('pass_turn_off')}
            </button>
          )}
        </div>
      ) : (
        <form class="stack" onSubmit={submit}>
          {mode !== 'set' && input(t('pass_current'), current, setCurrent, 'current-password')}
          {mode !== 'remove' && input(t('pass_new'), next, setNext, 'new-password')}
          {mode !== 'remove' && input(t('pass_confirm'), confirm, setConfirm, 'new-password')}
          {mode === 'remove' && <p class="small">{t('pass_remove_warning')}</p>}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="actions">
            <button type="button" class="btn" onClick={reset}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn btn-primary">
              {mode === 'remove' ? t('pass_turn_off') : t('save')}
            </button>
          </div>
        </form>
      )}
      <p class="ok" role="status">
        {done}
      </p>
    </div>
  );
}
