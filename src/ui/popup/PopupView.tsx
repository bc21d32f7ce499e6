import { useState } from 'preact/hooks';
import type { AccountView, ConversationView, IdentityStatus, KeyView, PeerView, ProblemView } from '../../messaging/schema';
import { ErrorBanner, type UiError } from '../components/ErrorBanner';
import { Tabs } from '../components/Tabs';
import { t } from '../i18n';
import { Identity } from './Identity';
import { Peers, type PeersActions } from './Peers';
import { ThisTab, type PageSetup, type ThisTabActions } from './ThisTab';
import { Unlock } from './Unlock';
import { VerifyDialog, type VerifyActions } from './VerifyDialog';

export type PopupTab = 'tab' | 'identity' | 'peers';

export interface PopupData {
  /** null while the first answer from the background is awaited. */
  identity: IdentityStatus | null;
  keys: KeyView[];
  accounts: AccountView[];
  conversations: ConversationView[];
  peers: PeerView[];
  /** Whether the active tab's site can be (or was) set up with the element picker. */
  page?: PageSetup;
  /** Storage faults (unreadable saved conversation, full disk, the cap), listed on This tab. */
  problems?: ProblemView[];
  /** A failed request, shown until the next success. */
  error?: UiError;
}

export interface PopupActions
  extends Omit<ThisTabActions, 'verify'>,
    PeersActions,
    VerifyActions {
  unlock(passphrase: string): Promise<void>;
  openOptions(): void;
  /** Reloads the extension: the way out when its background does not answer. */
  restart(): void;
  /** Opens "How to talk with Pidgin, Adium, irssi or ChatSecure users". */
  openFirstContact?(): void;
}

/** The fingerprint this conversation's account really uses (its own key or the identity key). */
export function keyFor(c: ConversationView, data: PopupData): string {
  const own = data.accounts.find((a) => a.site === c.site && a.account === c.account);
  if (own) return own.fingerprint;
  return data.identity?.state === 'ready' ? data.identity.fingerprint : '';
}

/** The popup, as a pure view of `data`; `actions` reach the background (see PopupApp). */
export function PopupView({ data, actions, initialTab }: { data: PopupData; actions: PopupActions; initialTab?: PopupTab }) {
  const [tab, setTab] = useState<PopupTab | null>(initialTab ?? null);
  const [verifying, setVerifying] = useState<string | null>(null);
  const status = data.identity;
  const changedPeers = data.peers.filter((p) => p.changedWarning).length;
  const changedHere = data.conversations.filter((c) => c.fingerprintChanged).length;
  // With nothing on this page (or on first run) the identity is what the user came for.
  const active: PopupTab =
    tab ?? (data.conversations.length > 0 ? 'tab' : changedPeers > 0 ? 'peers' : 'identity');
  const verifyConv = verifying ? data.conversations.find((c) => c.id === verifying) : undefined;

  let body;
  if (!status && data.error?.unreachable) {
    // Nothing is on its way: the banner above says why and offers the restart.
    body = null;
  } else if (!status) {
    body = <p class="muted center" role="status">{t('loading')}</p>;
  } else if (status.state === 'locked') {
    body = <Unlock onUnlock={actions.unlock} />;
  } else if (status.state === 'error') {
    body = (
      <div class="alert" role="alert">
        <strong>{t('store_error_title')}</strong>
        <p>{status.message}</p>
      </div>
    );
  } else {
    body = (
      <Tabs
        label={t('popup_sections')}
        active={active}
        onChange={setTab}
        tabs={[
          { key: 'tab', label: t('tab_this_tab'), badge: <Count n={data.conversations.length} alert={changedHere > 0} /> },
          { key: 'identity', label: t('tab_identity') },
          { key: 'peers', label: t('tab_peers'), badge: changedPeers > 0 ? <Count n={changedPeers} alert /> : undefined },
        ]}
      >
        {active === 'tab' && <ThisTab conversations={data.conversations} page={data.page} problems={data.problems} actions={{ ...actions, verify: setVerifying }} />}
        {active === 'identity' && <Identity status={status} keys={data.keys} accounts={data.accounts} />}
        {active === 'peers' && <Peers peers={data.peers} actions={actions} />}
      </Tabs>
    );
  }

  return (
    <div class="popup">
      <header class="topbar">
        <Logo />
        <h1 class="brand">OffRecord</h1>
        <button type="button" class="btn btn-link topbar-end" onClick={actions.openOptions}>
          {t('open_settings')}
        </button>
      </header>
      <ErrorBanner error={data.error} onRestart={actions.restart} />
      <main>{body}</main>
      {actions.openFirstContact && (
        <footer class="popup-footer">
          <button type="button" class="btn btn-link" data-offrecord="open-first-contact" onClick={actions.openFirstContact}>
            {t('guide_open')}
          </button>
        </footer>
      )}
      {verifyConv && (
        <VerifyDialog conversation={verifyConv} myFingerprint={keyFor(verifyConv, data)} actions={actions} onClose={() => setVerifying(null)} />
      )}
    </div>
  );
}

function Count({ n, alert = false }: { n: number; alert?: boolean }) {
  if (n === 0 && !alert) return null;
  return (
    <span class={`count${alert ? ' count-alert' : ''}`} aria-label={alert ? t('count_alert', String(n)) : String(n)}>
      {alert ? '!' : n}
    </span>
  );
}

export function Logo() {
  return (
    <svg class="logo" width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="4" y="10" width="16" height="11" rx="2.5" fill="currentColor" />
      <path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2.2" />
      <circle cx="12" cy="15.5" r="1.8" fill="var(--surface)" />
    </svg>
  );
}
