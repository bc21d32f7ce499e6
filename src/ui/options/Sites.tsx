import { useState } from 'preact/hooks';
import type { SitePolicy, SiteView } from '../../messaging/schema';
import { errorText } from '../components/ErrorBanner';
import { t } from '../i18n';

export interface SitesActions {
  /** Called inside the click: the container asks the browser for the permission first. */
  add(name: string, pattern: string): Promise<void>;
  update(id: string, change: { policy?: SitePolicy; fragmentSize?: number }): void;
  remove(id: string): void;
}

/**
 * The match pattern for an address the user typed. Ports are dropped: match patterns do not
 * carry them and a host's permission covers all its ports.
 */
export function sitePattern(address: string): { name: string; pattern: string } | null {
  let text = address.trim();
  if (!text) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.hostname) return null;
  return { name: url.hostname, pattern: `${url.protocol}//${url.hostname}/*` };
}

const POLICIES: SitePolicy[] = ['manual', 'opportunistic', 'always'];

export function Sites({ sites, actions }: { sites: SiteView[]; actions: SitesActions }) {
  const [address, setAddress] = useState('');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = (e: Event) => {
    e.preventDefault();
    setStatus('');
    const site = sitePattern(address);
    if (!site) {
      setError(t('sites_bad_address'));
      return;
    }
    setError('');
    setBusy(true);
    // No await before this call: the permission prompt needs the click's user activation.
    actions.add(site.name, site.pattern).then(
      () => {
        setAddress('');
        setStatus(t('sites_added', site.name));
        setBusy(false);
      },
      (err: unknown) => {
        setError(errorText(err));
        setBusy(false);
      },
    );
  };

  return (
    <section class="section" aria-labelledby="sites-title" id="sites">
      <h2 id="sites-title">{t('sites_title')}</h2>
      <p class="muted">{t('sites_intro')}</p>
      <table class="table">
        <caption class="sr-only">{t('sites_title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('sites_col_site')}</th>
            <th scope="col">{t('sites_col_policy')}</th>
            <th scope="col">{t('sites_col_fragment')}</th>
            <th scope="col">
              <span class="sr-only">{t('sites_col_actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sites.map((s) => (
            <tr key={s.id} data-site={s.id}>
              <th scope="row">
                <span class="site-name">{s.name}</span>
                <span class={`tag${s.builtIn ? '' : ' tag-user'}`}>{s.builtIn ? t('sites_builtin') : t('sites_user')}</span>
                <span class="muted small block">{s.origins.join(', ') || t('sites_detected')}</span>
              </th>
              <td>
                <select
                  aria-label={t('sites_policy_for', s.name)}
                  value={s.policy}
                  onChange={(e) => actions.update(s.id, { policy: (e.target as HTMLSelectElement).value as SitePolicy })}
                >
                  {POLICIES.map((p) => (
                    <option key={p} value={p}>
                      {t(`policy_${p}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  type="number"
                  min={0}
                  step={1}
                  class="num"
                  aria-label={t('sites_fragment_for', s.name)}
                  value={s.fragmentSize}
                  onChange={(e) => {
                    const n = Number((e.target as HTMLInputElement).value);
                    if (Number.isInteger(n) && n >= 0) actions.update(s.id, { fragmentSize: n });
                  }}
                />
              </td>
              <td>
                {!s.builtIn && (
                  <button type="button" class="btn btn-small btn-danger-quiet" aria-label={t('sites_remove', s.name)} onClick={() => actions.remove(s.id)}>
                    {t('remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">{t('sites_policy_help')}</p>

      <form class="add-site" onSubmit={submit}>
        <label class="field grow">
          <span class="label">{t('sites_add_label')}</span>
          <input
            type="text"
            inputMode="url"
            placeholder="https://chat.example.org"
            value={address}
            aria-invalid={error ? true : undefined}
            aria-describedby="add-site-help"
            onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {t('sites_add')}
        </button>
      </form>
      <p id="add-site-help" class="muted small">
        {t('sites_add_help')}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="ok" role="status">
        {status}
      </p>
    </section>
  );
}
