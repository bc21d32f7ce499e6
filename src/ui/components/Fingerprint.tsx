import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { fingerprintGroups, formatFingerprint } from '../format';

interface FingerprintProps {
  value: string;
  /** Accessible name of the fingerprint, e.g. "Your fingerprint". */
  label: string;
  size?: 'large' | 'small';
  copyable?: boolean;
  /** More controls shown beside the copy button (e.g. the QR toggle). */
  children?: ComponentChildren;
}

/** A fingerprint as 5 monospace groups; the copied text is the standard spaced form. */
export function Fingerprint({ value, label, size = 'small', copyable = false, children }: FingerprintProps) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const text = formatFingerprint(value);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class={`fp fp-${size}`}>
      <code class="fp-groups" aria-label={`${label}: ${text}`} data-fingerprint={text}>
        {fingerprintGroups(value).map((g, i) => (
          <span key={i} class="fp-group">
            {g}
            {i < 4 ? ' ' : ''}
          </span>
        ))}
      </code>
      {(copyable || children) && (
        <div class="fp-actions">
          {copyable && (
            <button type="button" class="btn btn-small" onClick={copy} aria-label={t('copy_fingerprint')}>
              {copied ? t('copied') : t('copy')}
            </button>
          )}
          {children}
        </div>
      )}
      {copyable && (
        <span class="sr-only" role="status">
          {copied ? t('copied') : ''}
        </span>
      )}
    </div>
  );
}
