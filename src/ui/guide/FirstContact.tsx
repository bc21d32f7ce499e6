import type { IdentityStatus } from '../../messaging/schema';
import { Fingerprint } from '../components/Fingerprint';
import { t } from '../i18n';
import { Logo } from '../popup/PopupView';

/** Each client's steps, in the words its own menus use (catalogue keys guide_<client>_<n>). */
export const GUIDE_CLIENTS = [
  { id: 'pidgin', steps: 3 },
  { id: 'adium', steps: 3 },
  { id: 'irssi', steps: 3 },
  { id: 'chatsecure', steps: 3 },
] as const;

/**
 * "How to talk with Pidgin, Adium, irssi or ChatSecure users": what a first private conversation
 * with a libotr client looks like, the fingerprint in the 5×8 form those clients show, and the
 * SMP with a question.
 */
export function FirstContact({ identity }: { identity: IdentityStatus | null }) {
  const mine = identity?.state === 'ready' ? identity.fingerprint : null;
  return (
    <div class="guide">
      <header class="topbar">
        <Logo />
        <span class="brand">OffRecord</span>
      </header>
      <main class="guide-main">
        <h1>{t('guide_title')}</h1>
        <p>{t('guide_intro')}</p>

        <section class="section" aria-labelledby="guide-start">
          <h2 id="guide-start">{t('guide_start_title')}</h2>
          <p>{t('guide_start_body')}</p>
        </section>

        <section class="section" aria-labelledby="guide-clients">
          <h2 id="guide-clients">{t('guide_clients_title')}</h2>
          <div class="guide-clients">
            {GUIDE_CLIENTS.map((c) => (
              <div class="card" key={c.id} data-client={c.id}>
                <h3>{t(`guide_${c.id}_name`)}</h3>
                <ol class="guide-steps">
                  {Array.from({ length: c.steps }, (_, i) => (
                    <li key={i}>{t(`guide_${c.id}_${i + 1}`)}</li>
                  ))}
                </ol>
              </div>
            ))}
          </div>
        </section>

        <section class="section" aria-labelledby="guide-fp">
          <h2 id="guide-fp">{t('guide_fp_title')}</h2>
          <p>{t('guide_fp_body')}</p>
          {mine ? (
            <div class="field">
              <span class="label">{t('guide_fp_mine')}</span>
              <Fingerprint value={mine} label={t('guide_fp_mine')} size="large" copyable />
            </div>
          ) : (
            <p class="muted">{t('loading')}</p>
          )}
          <p class="muted small">{t('guide_fp_example')}</p>
        </section>

        <section class="section" aria-labelledby="guide-smp">
          <h2 id="guide-smp">{t('guide_smp_title')}</h2>
          <ol class="guide-steps">
            <li>{t('guide_smp_1')}</li>
            <li>{t('guide_smp_2')}</li>
            <li>{t('guide_smp_3')}</li>
          </ol>
        </section>
      </main>
    </div>
  );
}
