import { useState } from 'preact/hooks';
import type { ConversationView, ProblemView } from '../../messaging/schema';
import { Fingerprint } from '../components/Fingerprint';
import { StateBadge } from '../components/StateBadge';
import { formatFingerprint } from '../format';
import { t } from '../i18n';
import { RoomPanel, type RoomActions } from './RoomPanel';

export interface ThisTabActions {
  start(id: string): void;
  end(id: string): void;
  verify(id: string): void;
  /** The user saw the changed-fingerprint warning for this conversation and accepts the new key. */
  acknowledgeChange(conversation: ConversationView): void;
  /** Runs the element picker on the page (generic adapter); resolves once it is showing. */
  setUpPage?(): Promise<void>;
  /** Drops the picks saved for this site. */
  forgetPage?(): Promise<void>;
  /** A channel's private room (issue 13). */
  room?: RoomActions;
}

/** What the background knows of the tab's site and the element picker (picker.status). */
export interface PageSetup {
  origin: string | null;
  configured: boolean;
}

/** Conversations the content scripts of the active tab registered, with their controls. */
export function ThisTab({ conversations, actions, page, problems = [] }: { conversations: ConversationView[]; actions: ThisTabActions; page?: PageSetup; problems?: ProblemView[] }) {
  // Kept here, not in the set-up controls: forgetting reloads `page`, which may unmount them.
  const [setup, setSetup] = useState<SetupStatus>('');
  if (conversations.length === 0) {
    return (
      <div class="empty">
        <Problems problems={problems} />
        <p class="empty-title">{t('tab_empty_title')}</p>
        <p class="muted">{t('tab_empty_body')}</p>
        {page?.origin && <PageSetupControls page={page} actions={actions} status={setup} onStatus={setSetup} offerSetUp />}
      </div>
    );
  }
  return (
    <>
      <Problems problems={problems} />
      <ul class="cards" aria-label={t('tab_list_label')}>
        {conversations.map((c) => (
          <ConversationCard key={c.id} conversation={c} actions={actions} />
        ))}
      </ul>
      {page && (page.configured || setup === 'forgotten') && (
        <PageSetupControls page={page} actions={actions} status={setup} onStatus={setSetup} offerSetUp={false} />
      )}
    </>
  );
}

type SetupStatus = '' | 'started' | 'forgotten';

/** Storage faults since the browser started: each says which conversation and what happened. */
function Problems({ problems }: { problems: ProblemView[] }) {
  if (problems.length === 0) return null;
  return (
    <div class="alert" role="status" data-problems>
      <strong>{t('tab_problems_title')}</strong>
      <ul>
        {problems.map((p, i) => (
          <li key={i} data-problem={p.code} title={p.message}>
            {t(`tab_problem_${p.code}`)}
            {p.title ? `: ${p.title}` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "Set up OffRecord on this page" for sites no adapter knows, and forgetting that set-up. */
function PageSetupControls(props: {
  page: PageSetup;
  actions: ThisTabActions;
  status: SetupStatus;
  onStatus(s: SetupStatus): void;
  offerSetUp: boolean;
}) {
  const { page, actions, status, onStatus, offerSetUp } = props;
  const setUp = () => void actions.setUpPage?.().then(() => onStatus('started'));
  const forget = () => void actions.forgetPage?.().then(() => onStatus('forgotten'));
  return (
    <div class="page-setup" data-page-setup={page.configured ? 'configured' : 'none'}>
      {page.configured && status !== 'forgotten' && (
        <>
          <p class="muted small">{t('tab_setup_configured')}</p>
          <button type="button" class="btn btn-small btn-danger-quiet" onClick={forget}>
            {t('tab_setup_forget')}
          </button>
        </>
      )}
      {offerSetUp && (!page.configured || status === 'forgotten') && (
        <>
          <p class="muted">{t('tab_setup_intro')}</p>
          <div class="actions">
            <button type="button" class="btn btn-primary" onClick={setUp}>
              {t('tab_setup_button')}
            </button>
          </div>
        </>
      )}
      {status && (
        <p class="note" role="status">
          {status === 'started' ? t('tab_setup_started') : t('tab_setup_forgotten')}
        </p>
      )}
    </div>
  );
}

function ConversationCard({ conversation: c, actions }: { conversation: ConversationView; actions: ThisTabActions }) {
  const encrypted = c.state === 'unverified' || c.state === 'private';
  const headingId = `conv-${c.id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <li class={`card${c.fingerprintChanged ? ' card-alert' : ''}`} aria-labelledby={headingId} data-conversation={c.id}>
      <div class="card-row">
        <div class="card-title">
          <h3 id={headingId}>{c.title || c.peer}</h3>
          <p class="muted small">{t('tab_peer_on_site', [c.peer, c.site])}</p>
        </div>
        <StateBadge state={c.state} />
      </div>

      {c.fingerprintChanged && (
        <div class="alert" role="alert">
          <strong>{t('changed_title', c.peer)}</strong>
          <p>{t('changed_body')}</p>
          <dl class="fp-compare">
            <dt>{t('changed_previous')}</dt>
            <dd>
              <code>{formatFingerprint(c.fingerprintChanged.previous)}</code>
            </dd>
            <dt>{t('changed_current')}</dt>
            <dd>
              <code>{formatFingerprint(c.fingerprintChanged.current)}</code>
            </dd>
          </dl>
          <div class="actions">
            <button type="button" class="btn btn-primary" onClick={() => actions.verify(c.id)}>
              {t('action_verify')}
            </button>
            <button type="button" class="btn" onClick={() => actions.acknowledgeChange(c)}>
              {t('changed_acknowledge')}
            </button>
          </div>
        </div>
      )}

      {c.fingerprint && (
        <div class="field">
          <span class="label">{t('peer_fingerprint_label', c.peer)}</span>
          <Fingerprint value={c.fingerprint} label={t('peer_fingerprint_label', c.peer)} />
        </div>
      )}

      {c.smp.status === 'awaiting-answer' && (
        <p class="note" role="status">
          {c.smp.question ? t('smp_peer_asks', [c.peer, c.smp.question]) : t('smp_peer_wants', c.peer)}
        </p>
      )}
      {c.smp.status === 'in-progress' && (
        <p class="note" role="status">
          {t('smp_running')}
        </p>
      )}
      {c.queued > 0 && <p class="note">{t('tab_queued', String(c.queued))}</p>}
      {c.peerAsked && (
        <p class="note" role="status" data-offrecord="peer-asked">
          {t('tab_peer_asked', c.peer)}
        </p>
      )}

      {c.room && actions.room && <RoomPanel room={c.room} conversationId={c.id} actions={actions.room} />}

      <div class="actions" role="group" aria-label={t('tab_actions_label', c.peer)}>
        <button type="button" class="btn btn-primary" onClick={() => actions.start(c.id)}>
          {encrypted ? t('action_refresh') : t('action_start')}
        </button>
        {c.state !== 'plaintext' && (
          <button type="button" class="btn" onClick={() => actions.end(c.id)}>
            {t('action_end')}
          </button>
        )}
        {encrypted && (
          <button type="button" class="btn" onClick={() => actions.verify(c.id)}>
            {c.smp.status === 'awaiting-answer' ? t('action_answer') : t('action_verify')}
          </button>
        )}
      </div>
    </li>
  );
}
