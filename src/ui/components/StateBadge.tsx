import type { ConversationStateName, Trust } from '../../messaging/schema';
import { t } from '../i18n';

const STATE_KEY: Record<ConversationStateName, string> = {
  plaintext: 'state_not_private',
  unverified: 'state_unverified',
  private: 'state_private',
  finished: 'state_finished',
};

/** The four states OTR users know (Pidgin's wording), each with its own colour and glyph. */
export function StateBadge({ state }: { state: ConversationStateName }) {
  return (
    <span class={`badge badge-${state}`} data-state={state}>
      <span class="badge-dot" aria-hidden="true" />
      {t(STATE_KEY[state])}
    </span>
  );
}

const TRUST_KEY: Record<Trust, string> = {
  unverified: 'trust_unverified',
  smp: 'trust_smp',
  manual: 'trust_manual',
};

export function TrustBadge({ trust }: { trust: Trust }) {
  return (
    <span class={`badge badge-trust-${trust}`} data-trust={trust}>
      <span class="badge-dot" aria-hidden="true" />
      {t(TRUST_KEY[trust])}
    </span>
  );
}
