import type { HistoryRetention, Settings } from '../../messaging/schema';
import { t } from '../i18n';

const PROTECTS = ['privacy_protects_1', 'privacy_protects_2', 'privacy_protects_3', 'privacy_protects_4'];
const LIMITS = ['privacy_limits_1', 'privacy_limits_2', 'privacy_limits_3', 'privacy_limits_4', 'privacy_limits_5'];

export function Privacy({ settings, onChange }: { settings: Settings | null; onChange: (s: Partial<Settings>) => void }) {
  const options: HistoryRetention[] = ['off', 'session'];
  return (
    <section class="section" aria-labelledby="privacy-title" id="privacy">
      <h2 id="privacy-title">{t('privacy_title')}</h2>
      <fieldset class="radios">
        <legend>{t('privacy_retention_legend')}</legend>
        {options.map((o) => (
          <label key={o} class="radio">
            <input
              type="radio"
              name="retention"
              value={o}
              checked={settings?.historyRetention === o}
              disabled={!settings}
              onChange={() => onChange({ historyRetention: o })}
            />
            <span>
              <strong>{t(`privacy_retention_${o}`)}</strong>
              <span class="muted small block">{t(`privacy_retention_${o}_help`)}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <div class="columns">
        <div class="card">
          <h3>{t('privacy_protects_title')}</h3>
          <ul class="checks">
            {PROTECTS.map((k) => (
              <li key={k}>{t(k)}</li>
            ))}
          </ul>
        </div>
        <div class="card">
          <h3>{t('privacy_limits_title')}</h3>
          <ul class="limits">
            {LIMITS.map((k) => (
              <li key={k}>{t(k)}</li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
