import { useState } from 'preact/hooks';
import type { SecurityMark } from '../../messaging/schema';
import { SecurityMarkBadge } from '../components/SecurityMark';
import { t } from '../i18n';

/**
 * The security mark (issue 17 item 1): shown here, where the page cannot be, so the user learns
 * it; every genuine OffRecord box in a page shows the same. "New mark" draws another.
 */
export function SecurityMarkSection({ mark, onNew }: { mark: SecurityMark | null; onNew: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <section class="section" aria-labelledby="mark-title" id="security-mark">
      <h2 id="mark-title">{t('security_mark_title')}</h2>
      <p>{mark ? <SecurityMarkBadge mark={mark} /> : <span class="muted">{t('security_mark_loading')}</span>}</p>
      <p class="muted small">{t('security_mark_help')}</p>
      <div class="actions">
        <button
          type="button"
          class="btn"
          data-offrecord="security-mark-new"
          disabled={busy || !mark}
          onClick={() => {
            setBusy(true);
            void onNew().finally(() => setBusy(false));
          }}
        >
          {t('security_mark_new')}
        </button>
      </div>
    </section>
  );
}
