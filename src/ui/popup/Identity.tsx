import { useState } from 'preact/hooks';
import type { AccountView, IdentityStatus, KeyView } from '../../messaging/schema';
import { Fingerprint } from '../components/Fingerprint';
import { Progress } from '../components/Progress';
import { QrCode } from '../components/QrCode';
import { formatDate, formatFingerprint, sameFingerprint } from '../format';
import { t } from '../i18n';

interface IdentityProps {
  status: IdentityStatus;
  keys: KeyView[];
  accounts: AccountView[];
}

/** "My identity": the fingerprint people compare, with copy and QR; per-account keys below. */
export function Identity({ status, keys, accounts }: IdentityProps) {
  if (status.state === 'generating') return <Generating progress={status.progress} />;
  if (status.state !== 'ready') return null;

  const identity = keys.find((k) => k.isIdentity);
  const others = keys.filter((k) => !k.isIdentity);
  const shared = accounts.filter((a) => a.usesIdentity);
  return (
    <div class="stack">
      <section class="card" aria-labelledby="id-title">
        <h3 id="id-title">{t('identity_title')}</h3>
        <p class="muted small">{t('identity_explainer')}</p>
        <KeyBlock fingerprint={identity?.fingerprint ?? status.fingerprint} label={t('identity_fp_label')} />
        <p class="small">
          {shared.length === 0
            ? t('identity_used_everywhere')
            : t('identity_used_by', shared.map((a) => (a.account ? `${a.account} (${a.site})` : a.site)).join(', '))}
        </p>
        {identity && <p class="muted small">{t('key_created', formatDate(identity.createdAt))}</p>}
      </section>
      {others.map((k) => (
        <section class="card" key={k.keyId} aria-label={t('account_key_title')}>
          <h3>{t('account_key_title')}</h3>
          <p class="small">
            {t(
              'account_key_used_by',
              k.accounts.map((a) => (a.account ? `${a.account} (${a.site})` : a.site)).join(', ') || '—',
            )}
          </p>
          <KeyBlock fingerprint={k.fingerprint} label={t('account_key_fp_label')} />
          {sameFingerprint(k.fingerprint, status.fingerprint) && <p class="muted small">{t('identity_same_as_identity')}</p>}
        </section>
      ))}
    </div>
  );
}

function KeyBlock({ fingerprint, label }: { fingerprint: string; label: string }) {
  const [showQr, setShowQr] = useState(false);
  return (
    <div class="keyblock">
      <Fingerprint value={fingerprint} label={label} size="large" copyable>
        <button type="button" class="btn btn-small" aria-expanded={showQr} onClick={() => setShowQr(!showQr)}>
          {showQr ? t('qr_hide') : t('qr_show')}
        </button>
      </Fingerprint>
      {showQr && (
        <div class="qr-wrap">
          <QrCode text={formatFingerprint(fingerprint)} label={t('qr_label', formatFingerprint(fingerprint))} />
        </div>
      )}
    </div>
  );
}

/** First run: the identity key is being made in the background; the popup stays responsive. */
export function Generating({ progress }: { progress: number }) {
  return (
    <section class="card generating" aria-labelledby="gen-title" aria-busy="true">
      <h3 id="gen-title">{t('generating_title')}</h3>
      <Progress value={progress} label={t('generating_title')} />
      <p class="muted small">{t('generating_body')}</p>
    </section>
  );
}
