import type { AccountView, IdentityStatus, KeyView, SecurityMark, Settings, SiteView } from '../../messaging/schema';
import { ErrorBanner, type UiError } from '../components/ErrorBanner';
import { t } from '../i18n';
import { Logo } from '../popup/PopupView';
import { Keys, type KeysActions } from './Keys';
import { InvitationLinks } from './InvitationLinks';
import { Privacy } from './Privacy';
import { SecurityMarkSection } from './SecurityMarkSection';
import { Sites, type SitesActions } from './Sites';

export interface OptionsData {
  identity: IdentityStatus | null;
  keys: KeyView[];
  accounts: AccountView[];
  sites: SiteView[];
  settings: Settings | null;
  /** Optional so that views made before issue 17's mark (tests, stories) still build. */
  mark?: SecurityMark | null;
  error?: UiError;
}

export interface OptionsActions {
  sites: SitesActions;
  keys: KeysActions;
  setSettings(change: Partial<Settings>): void;
  /** Reloads the extension: the way out when its background does not answer. */
  restart(): void;
  /** Draws a new security mark. */
  newMark?(): Promise<void>;
}

/** The options page: one scrolling page, a side index to its three sections. */
export function OptionsView({ data, actions }: { data: OptionsData; actions: OptionsActions }) {
  return (
    <div class="options">
      <header class="topbar">
        <Logo />
        <h1 class="brand">OffRecord</h1>
        <span class="muted topbar-end">{t('options_title')}</span>
      </header>
      <div class="options-body">
        <nav class="sidenav" aria-label={t('options_nav')}>
          <a href="#sites">{t('sites_title')}</a>
          <a href="#keys">{t('keys_title')}</a>
          <a href="#privacy">{t('privacy_title')}</a>
          <a href="#security-mark">{t('security_mark_title')}</a>
          <a href="#invitation">{t('invite_nav')}</a>
        </nav>
        <main class="options-main">
          <ErrorBanner error={data.error} onRestart={actions.restart} />
          <Sites sites={data.sites} actions={actions.sites} />
          <Keys status={data.identity} keys={data.keys} accounts={data.accounts} actions={actions.keys} />
          <Privacy settings={data.settings} onChange={actions.setSettings} />
          <SecurityMarkSection mark={data.mark ?? null} onNew={actions.newMark ?? (async () => undefined)} />
          <InvitationLinks settings={data.settings} onChange={actions.setSettings} />
        </main>
      </div>
    </div>
  );
}
