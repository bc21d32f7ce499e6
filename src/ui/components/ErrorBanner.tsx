/** How the popup and options page word a failed request, and the banner that shows it. */
import { NO_RECEIVER, RequestError } from '../../messaging/client';
import { t } from '../i18n';

export interface UiError {
  text: string;
  /** No background answered at all: restarting OffRecord is the way out, not trying again. */
  unreachable: boolean;
}

const unreachable = (err: unknown): boolean => err instanceof RequestError && err.code === NO_RECEIVER;

/** The words for a failed request: the background's own message, or a general one. */
export function errorText(err: unknown): string {
  if (unreachable(err)) return t('background_unreachable');
  return err instanceof Error && err.message ? err.message : t('request_failed');
}

export function uiError(err: unknown): UiError {
  return { text: errorText(err), unreachable: unreachable(err) };
}

export function ErrorBanner({ error, onRestart }: { error: UiError | undefined; onRestart: () => void }) {
  if (!error) return null;
  return (
    <div class="alert alert-inline" role="alert">
      {error.text}
      {error.unreachable && (
        <button type="button" class="btn btn-link" data-offrecord="restart" onClick={onRestart}>
          {t('background_restart')}
        </button>
      )}
    </div>
  );
}
