import type { HistoryRetention, Settings } from '../../messaging/schema';
import { t } from '../i18n';

const PROTECTS = ['privacy_protects_1', 'privacy_protects_2', 'privacy_protects_3', 'privacy_protects_4', 'privacy_room_deniability'];
const AT_REST = ['privacy_at_rest_1', 'privacy_at_rest_passphrase', 'privacy_at_rest_no_passphrase', 'privacy_at_rest_end'];
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

      <label class="field">
        <span>{t('privacy_idle_label')}</span>
        <input
          type="number"
          name="idle-days"
          min={1}
          max={30}
          value={settings?.idleDays ?? 7}
          disabled={!settings}
          onChange={(e) => {
            const days = Number((e.currentTarget as HTMLInputElement).value);
            if (Number.isInteger(days) && days >= 1 && days <= 30) onChange({ idleDays: days });
          }}
        />
        <span class="muted small block">{t('privacy_idle_help')}</span>
      </label>

      <label class="field">
        <input
          type="checkbox"
          name="contact-log"
          checked={settings?.contactLog ?? true}
          disabled={!settings}
          onChange={(e) => onChange({ contactLog: (e.currentTarget as HTMLInputElement).checked })}
        />
        <span>{t('privacy_contact_log_label')}</span>
        <span class="muted small block">{t('privacy_contact_log_help')}</span>
      </label>

      <div class="card">
        <h3>{t('privacy_at_rest_title')}</h3>
        <ul class="limits">
          {AT_REST.map((k) => (
            <li key={k}>{t(k)}</li>
          ))}
        </ul>
      </div>

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
