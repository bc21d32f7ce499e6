/**
 * The sites OffRecord knows by address, as data both sides read: the content script's adapters
 * (src/adapters/sites, whose `matches` must equal these; a test checks) and the background, which
 * keys policy by the origin a request really came from (issue 17 item 3), never by the adapter
 * id the content script names. Also the match-pattern reader both sides share.
 */

export interface FixedSite {
  id: string;
  name: string;
  matches: readonly string[];
}

export const FIXED_SITES: readonly FixedSite[] = [
  { id: 'whatsapp', name: 'WhatsApp Web', matches: ['https://web.whatsapp.com/*'] },
  { id: 'telegram-k', name: 'Telegram Web K', matches: ['https://web.telegram.org/k/*'] },
  { id: 'telegram-a', name: 'Telegram Web A', matches: ['https://web.telegram.org/a/*'] },
  { id: 'messenger', name: 'Facebook Messenger', matches: ['https://www.messenger.com/*', 'https://www.facebook.com/messages/*'] },
  { id: 'slack', name: 'Slack', matches: ['https://app.slack.com/*'] },
  { id: 'discord', name: 'Discord', matches: ['https://discord.com/channels/*', 'https://canary.discord.com/channels/*', 'https://ptb.discord.com/channels/*'] },
  { id: 'google-chat', name: 'Google Chat', matches: ['https://chat.google.com/*', 'https://mail.google.com/chat/*'] },
  { id: 'gmail', name: 'Gmail', matches: ['https://mail.google.com/mail/*'] },
  { id: 'outlook', name: 'Outlook on the web', matches: ['https://outlook.live.com/*', 'https://outlook.office.com/*', 'https://outlook.office365.com/*'] },
  { id: 'element', name: 'Element (Matrix)', matches: ['https://app.element.io/*', 'https://develop.element.io/*'] },
  { id: 'mattermost', name: 'Mattermost', matches: ['https://*.cloud.mattermost.com/*'] },
  { id: 'rocketchat', name: 'Rocket.Chat', matches: ['https://*.rocket.chat/*'] },
  { id: 'zulip', name: 'Zulip', matches: ['https://*.zulipchat.com/*'] },
];

const PATTERN = /^(\*|https?|wss?|file):\/\/(\*|\*\.[^/*]+|[^/*]*)(\/.*)$/;

function hostMatches(host: string, hostname: string): boolean {
  if (host === '*') return true;
  if (host.startsWith('*.')) {
    const base = host.slice(2);
    return hostname === base || hostname.endsWith(`.${base}`);
  }
  return hostname === host;
}

function schemeMatches(scheme: string, url: URL): boolean {
  const proto = url.protocol.slice(0, -1);
  return scheme === '*' ? proto === 'http' || proto === 'https' : scheme === proto;
}

/** WebExtension match patterns: scheme://host/path with `*` wildcards (`*.` for subdomains). */
export function matchesPattern(pattern: string, url: URL): boolean {
  const m = PATTERN.exec(pattern);
  if (!m) return false;
  const [, scheme = '', host = '', path = ''] = m;
  if (!schemeMatches(scheme, url) || !hostMatches(host, url.hostname)) return false;
  const re = new RegExp(`^${path.split('*').map(escapeRe).join('.*')}$`);
  return re.test(url.pathname + url.search);
}

/**
 * The pattern's scheme and host cover this URL's origin, whatever the path. Policy is decided
 * this way: a page can change its own path (history.pushState), not its origin.
 */
export function patternCoversOrigin(pattern: string, url: URL): boolean {
  const m = PATTERN.exec(pattern);
  if (!m) return false;
  return schemeMatches(m[1] ?? '', url) && hostMatches(m[2] ?? '', url.hostname);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
