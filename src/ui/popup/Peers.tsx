import { useMemo, useState } from 'preact/hooks';
import type { PeerView, Trust } from '../../messaging/schema';
import { Dialog } from '../components/Dialog';
import { Fingerprint } from '../components/Fingerprint';
import { TrustBadge } from '../components/StateBadge';
import { formatDate, formatFingerprint } from '../format';
import { t } from '../i18n';

export interface PeersActions {
  setTrust(fingerprint: string, trust: Trust): void;
  forget(fingerprint: string): void;
  acknowledge(peer: PeerView): void;
}

/** Names a peer went by: every peer id it was seen as, once each. */
function names(peer: PeerView): string[] {
  return [...new Set(peer.seen.map((s) => s.peer))];
}

function matches(peer: PeerView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const hex = q.replace(/\s+/g, '');
  if (hex && formatFingerprint(peer.fingerprint).replace(/ /g, '').toLowerCase().includes(hex)) return true;
  return peer.seen.some((s) => [s.peer, s.site, s.account].some((v) => v.toLowerCase().includes(q)));
}

/** "Known peers": every fingerprint met, its trust, where it was seen; changes first. */
export function Peers({ peers, actions }: { peers: PeerView[]; actions: PeersActions }) {
  const [query, setQuery] = useState('');
  const [forgetting, setForgetting] = useState<PeerView | null>(null);
  const shown = useMemo(
    () =>
      peers
        .filter((p) => matches(p, query))
        .sort((a, b) => Number(b.changedWarning) - Number(a.changedWarning) || b.lastSeen - a.lastSeen),
    [peers, query],
  );
  return (
    <div class="stack">
      <label class="search">
        <span class="sr-only">{t('peers_search_label')}</span>
        <input
          type="search"
          value={query}
          placeholder={t('peers_search_placeholder')}
          aria-label={t('peers_search_label')}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
      </label>
      {peers.length === 0 && <p class="empty muted">{t('peers_empty')}</p>}
      {peers.length > 0 && shown.length === 0 && <p class="empty muted">{t('peers_no_match')}</p>}
      <ul class="cards" aria-label={t('peers_list_label')}>
        {shown.map((p) => (
          <PeerCard key={p.fingerprint} peer={p} actions={actions} onForget={() => setForgetting(p)} />
        ))}
      </ul>
      {forgetting && (
        <Dialog role="alertdialog" title={t('forget_title', names(forgetting).join(', '))} onClose={() => setForgetting(null)}>
          <p>{t('forget_body')}</p>
          <Fingerprint value={forgetting.fingerprint} label={t('peer_fingerprint_label', names(forgetting).join(', '))} />
          <div class="actions actions-end">
            <button type="button" class="btn" onClick={() => setForgetting(null)}>
              {t('cancel')}
            </button>
            <button
              type="button"
              class="btn btn-danger"
              onClick={() => {
                actions.forget(forgetting.fingerprint);
                setForgetting(null);
              }}
            >
              {t('forget_confirm')}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function PeerCard({ peer, actions, onForget }: { peer: PeerView; actions: PeersActions; onForget: () => void }) {
  const who = names(peer).join(', ') || '—';
  return (
    <li class={`card${peer.changedWarning ? ' card-alert' : ''}`} data-peer={formatFingerprint(peer.fingerprint)} aria-label={who}>
      <div class="card-row">
        <h3>{who}</h3>
        <TrustBadge trust={peer.trust} />
      </div>
      {peer.changedWarning && (
        <div class="alert" role="alert">
          <strong>{t('changed_title', who)}</strong>
          <p>{t('changed_body')}</p>
          <button type="button" class="btn" onClick={() => actions.acknowledge(peer)}>
            {t('changed_acknowledge')}
          </button>
        </div>
      )}
      <Fingerprint value={peer.fingerprint} label={t('peer_fingerprint_label', who)} />
      <dl class="meta small">
        <dt>{t('peers_first_seen')}</dt>
        <dd>{formatDate(peer.firstSeen)}</dd>
        <dt>{t('peers_last_seen')}</dt>
        <dd>{formatDate(peer.lastSeen)}</dd>
      </dl>
      <details class="small">
        <summary>{t('peers_seen_where', String(peer.seen.length))}</summary>
        <ul class="seen">
          {peer.seen.map((s) => (
            <li key={`${s.site}|${s.account}|${s.peer}`}>
              {s.account ? t('peers_seen_row', [s.peer, s.site, s.account]) : t('peers_seen_row_noaccount', [s.peer, s.site])}
            </li>
          ))}
        </ul>
      </details>
      <div class="actions">
        {peer.trust === 'unverified' ? (
          <button type="button" class="btn" onClick={() => actions.setTrust(peer.fingerprint, 'manual')}>
            {t('peers_mark_verified')}
          </button>
        ) : (
          <button type="button" class="btn" onClick={() => actions.setTrust(peer.fingerprint, 'unverified')}>
            {t('peers_mark_unverified')}
          </button>
        )}
        <button type="button" class="btn btn-danger-quiet" onClick={onForget}>
          {t('peers_forget')}
        </button>
      </div>
    </li>
  );
}
