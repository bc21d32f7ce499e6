import type { SecurityMark } from '../../messaging/schema';
import { t } from '../i18n';

/** The user's security mark (issue 17 item 1), as every genuine OffRecord frame shows it. */
export function SecurityMarkBadge({ mark }: { mark: SecurityMark }) {
  return (
    <span class="security-mark" data-offrecord="security-mark" data-colour={mark.colour} role="img" aria-label={t('security_mark_label')} title={t('security_mark_label')} style={{ background: mark.colour }}>
      {mark.symbols}
    </span>
  );
}
