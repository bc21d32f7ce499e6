/**
 * The canary (DESIGN.md §3): when an adapter's selectors stop matching, say so on the page
 * instead of silently doing nothing. The notice is built with textContent only and carries no
 * message text, just which part is missing.
 */
import type { SiteAdapter } from './types';

export type AdapterPart = 'conversation' | 'composer' | 'message list';

export function missingAdapterParts(adapter: SiteAdapter, doc: Document): AdapterPart[] {
  const missing: AdapterPart[] = [];
  if (!adapter.conversation(doc)) missing.push('conversation');
  if (!adapter.composer(doc)) missing.push('composer');
  if (!adapter.messageList(doc)) missing.push('message list');
  return missing;
}

export const CANARY_ATTR = 'data-offrecord';
export const CANARY_VALUE = 'canary';

export interface CanaryOptions {
  /** How long parts may be missing before the notice shows (pages render late), ms. */
  graceMs?: number;
  now?: () => number;
}

export class Canary {
  private missingSince: number | null = null;
  private notice: HTMLElement | null = null;

  constructor(
    private readonly adapter: SiteAdapter,
    private readonly doc: Document,
    private readonly opts: CanaryOptions = {},
  ) {}

  /** Re-evaluates; returns the missing parts (empty when the adapter sees everything). */
  check(): AdapterPart[] {
    const missing = missingAdapterParts(this.adapter, this.doc);
    const now = this.opts.now ? this.opts.now() : Date.now();
    if (missing.length === 0) {
      this.missingSince = null;
      this.hide();
      return missing;
    }
    this.missingSince ??= now;
    if (now - this.missingSince >= (this.opts.graceMs ?? 5000)) this.show(missing);
    return missing;
  }

  private show(missing: AdapterPart[]): void {
    const text = `OffRecord can't find the ${missing.join(', ')} on this page (${this.adapter.name}). Private messaging is not active here.`;
    if (!this.notice || !this.notice.isConnected) {
      const el = this.doc.createElement('div');
      el.setAttribute(CANARY_ATTR, CANARY_VALUE);
      el.setAttribute('role', 'status');
      el.style.cssText =
        'position:fixed;bottom:8px;right:8px;z-index:2147483647;max-width:360px;padding:6px 10px;' +
        'font:12px/1.4 system-ui,sans-serif;background:#fff4e5;color:#5a3b00;border:1px solid #e0a040;border-radius:4px;';
      (this.doc.body ?? this.doc.documentElement).appendChild(el);
      this.notice = el;
    }
    if (this.notice.textContent !== text) this.notice.textContent = text;
  }

  private hide(): void {
    this.notice?.remove();
    this.notice = null;
  }

  dispose(): void {
    this.hide();
  }
}
