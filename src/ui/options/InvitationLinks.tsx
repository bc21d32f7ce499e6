import { useEffect, useState } from 'preact/hooks';
import type { Settings, StoreLinks } from '../../messaging/schema';
import { invitationFor } from '../../background/invitation-text';
import { invitationQuery } from '../../otr/invitation';
import { POLICY_MANUAL } from '../../otr/policy';
import { t } from '../i18n';

const STORE_URL = /^(https:\/\/\S+)?$/;
const STORES: (keyof StoreLinks)[] = ['chrome', 'firefox'];

/** The store links the invitation carries, with the query as it is sent on a 400-character site. */
export function InvitationLinks({ settings, onChange }: { settings: Settings | null; onChange: (s: Partial<Settings>) => void }) {
  const saved = settings?.storeLinks ?? { chrome: '', firefox: '' };
  const [links, setLinks] = useState<StoreLinks>(saved);
  useEffect(() => setLinks(saved), [saved.chrome, saved.firefox]);
  const invalid = STORES.filter((s) => !STORE_URL.test(links[s].trim()));
  const changed = STORES.some((s) => links[s].trim() !== saved[s]);
  const preview = invitationQuery(POLICY_MANUAL, invitationFor(t('invite_preview_name'), links), 400);

  const submit = (e: Event) => {
    e.preventDefault();
    if (invalid.length > 0) return;
    onChange({ storeLinks: { chrome: links.chrome.trim(), firefox: links.firefox.trim() } });
  };

  return (
    <section class="section" aria-labelledby="invite-title" id="invitation">
      <h2 id="invite-title">{t('invite_title')}</h2>
      <p class="muted">{t('invite_help')}</p>
      <form class="stack" onSubmit={submit}>
        {STORES.map((s) => (
          <label key={s} class="field">
            <span class="label">{t(`invite_${s}_label`)}</span>
            <input
              type="url"
              name={`store-${s}`}
              value={links[s]}
              disabled={!settings}
              aria-invalid={invalid.includes(s) ? 'true' : undefined}
              aria-describedby={invalid.includes(s) ? 'invite-invalid' : undefined}
              onInput={(e) => setLinks({ ...links, [s]: (e.target as HTMLInputElement).value })}
            />
          </label>
        ))}
        {invalid.length > 0 && (
          <p class="error" id="invite-invalid" role="alert">
            {t('invite_invalid')}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={!settings || !changed || invalid.length > 0}>
            {t('save')}
          </button>
        </div>
      </form>
      <div class="field">
        <span class="label" id="invite-preview-label">{t('invite_preview')}</span>
        <p class="note invite-preview" aria-labelledby="invite-preview-label" data-offrecord="invite-preview">
          {preview}
        </p>
      </div>
    </section>
  );
}
