import { useState } from 'preact/hooks';
import type { AccountView, IdentityStatus, KeyView, LibotrFiles } from '../../messaging/schema';
import { Fingerprint } from '../components/Fingerprint';
import { Progress } from '../components/Progress';
import { formatDate } from '../format';
import { errorText } from '../components/ErrorBanner';
import { t } from '../i18n';
import { Passphrase } from './Passphrase';

export interface ImportResult {
  keys: KeyView[];
  peers: number;
  instanceTags: number;
}

export interface KeysActions {
  /** Make a new identity key; undefined while the background offers no such request. */
  replaceIdentity?: () => Promise<void>;
  setPassphrase(current: string | null, next: string | null): Promise<void>;
  separateKey(site: string, account: string): Promise<void>;
  useIdentity(site: string, account: string): Promise<void>;
  makeIdentity(keyId: string): Promise<void>;
  importFiles(files: { privateKeys?: string; fingerprints?: string; instanceTags?: string }): Promise<ImportResult>;
  exportFiles(): Promise<LibotrFiles>;
}

const FILES = [
  { field: 'privateKeys', name: 'otr.private_key' },
  { field: 'fingerprints', name: 'otr.fingerprints' },
  { field: 'instanceTags', name: 'otr.instance_tags' },
] as const;

export function Keys({ status, keys, accounts, actions }: { status: IdentityStatus | null; keys: KeyView[]; accounts: AccountView[]; actions: KeysActions }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const identity = keys.find((k) => k.isIdentity);
  const guard = (work: () => Promise<unknown>) => async () => {
    setError('');
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="section" aria-labelledby="keys-title" id="keys" aria-busy={busy}>
      <h2 id="keys-title">{t('keys_title')}</h2>
      <p class="muted">{t('keys_intro')}</p>

      <div class="card stack">
        <h3>{t('identity_title')}</h3>
        {status?.state === 'generating' && <Progress value={status.progress} label={t('generating_title')} />}
        {status?.state === 'locked' && <p class="note">{t('keys_locked')}</p>}
        {status?.state === 'ready' && (
          <>
            <Fingerprint value={identity?.fingerprint ?? status.fingerprint} label={t('identity_fp_label')} size="large" copyable />
            {identity && <p class="muted small">{t('key_created', formatDate(identity.createdAt))}</p>}
          </>
        )}
        {actions.replaceIdentity && status?.state === 'ready' && (
          <div class="actions">
            <button type="button" class="btn" disabled={busy} onClick={guard(actions.replaceIdentity)}>
              {t('keys_replace_identity')}
            </button>
          </div>
        )}
      </div>

      {status?.state === 'ready' && (
        <Passphrase enabled={status.passphraseSet} set={actions.setPassphrase} />
      )}

      <div class="card stack">
        <h3>{t('keys_accounts_title')}</h3>
        <p class="muted small">{t('keys_accounts_help')}</p>
        {accounts.length === 0 ? (
          <p class="muted">{t('keys_accounts_empty')}</p>
        ) : (
          <ul class="rows" aria-label={t('keys_accounts_title')}>
            {accounts.map((a) => (
              <li key={`${a.site}|${a.account}`} class="row" data-account={`${a.site}|${a.account}`}>
                <div class="grow">
                  <strong>{a.account || t('keys_account_unknown')}</strong> <span class="muted">· {a.site}</span>
                  <p class="small">{a.usesIdentity ? t('keys_uses_identity') : t('keys_uses_own')}</p>
                  <Fingerprint value={a.fingerprint} label={t('keys_account_fp', a.account || a.site)} />
                </div>
                <div class="actions actions-col">
                  {a.usesIdentity ? (
                    <button type="button" class="btn btn-small" disabled={busy} onClick={guard(() => actions.separateKey(a.site, a.account))}>
                      {t('keys_separate')}
                    </button>
                  ) : (
                    <>
                      <button type="button" class="btn btn-small" disabled={busy} onClick={guard(() => actions.makeIdentity(a.keyId))}>
                        {t('keys_make_identity')}
                      </button>
                      <button type="button" class="btn btn-small" disabled={busy} onClick={guard(() => actions.useIdentity(a.site, a.account))}>
                        {t('keys_use_identity')}
                      </button>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>

      <ImportExport actions={actions} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ImportExport({ actions }: { actions: KeysActions }) {
  const [chosen, setChosen] = useState<Partial<Record<(typeof FILES)[number]['field'], File>>>({});
  const [result, setResult] = useState<ImportResult | null>(null);
  const [exported, setExported] = useState<LibotrFiles | null>(null);
  const [error, setError] = useState('');

  const doImport = async (e: Event) => {
    e.preventDefault();
    setError('');
    setResult(null);
    try {
      const files: { privateKeys?: string; fingerprints?: string; instanceTags?: string } = {};
      for (const f of FILES) {
        const file = chosen[f.field];
        if (file) files[f.field] = await file.text();
      }
      setResult(await actions.importFiles(files));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const doExport = async () => {
    setError('');
    try {
      setExported(await actions.exportFiles());
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div class="card stack">
      <h3>{t('libotr_title')}</h3>
      <p class="muted small">{t('libotr_help')}</p>
      <form class="stack" onSubmit={doImport} aria-label={t('libotr_import')}>
        {FILES.map((f) => (
          <label key={f.field} class="field file">
            <span class="label">
              <code>{f.name}</code>
            </span>
            <input
              type="file"
              data-file={f.name}
              onChange={(e) => {
                const file = (e.target as HTMLInputElement).files?.[0];
                setChosen((c) => ({ ...c, [f.field]: file }));
              }}
            />
          </label>
        ))}
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={!Object.values(chosen).some(Boolean)}>
            {t('libotr_import')}
          </button>
        </div>
      </form>
      {result && (
        <div class="result result-succeeded" role="status">
          <strong>{t('libotr_imported', [String(result.keys.length), String(result.peers), String(result.instanceTags)])}</strong>
          <ul class="rows">
            {result.keys.map((k) => (
              <li key={k.keyId} class="row" data-imported-key={k.keyId}>
                <span class="small grow">{k.accounts.map((a) => `${a.account} (${a.site})`).join(', ')}</span>
                <Fingerprint value={k.fingerprint} label={t('account_key_fp_label')} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="actions">
        <button type="button" class="btn" onClick={doExport}>
          {t('libotr_export')}
        </button>
      </div>
      {exported && (
        <div class="stack">
          <p class="small note">{t('libotr_export_warning')}</p>
          <ul class="downloads">
            {FILES.map((f) => (
              <li key={f.field}>
                <a class="btn btn-small" download={f.name} href={`data:text/plain;charset=utf-8,${encodeURIComponent(exported[f.field])}`}>
                  {t('libotr_download', f.name)}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
