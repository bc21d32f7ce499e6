/**
 * The one site table (issue 12): every site OffRecord has an adapter for, as plain data. The
 * adapters in this folder take their id, name and addresses from here, and the background
 * derives its built-in sites (policy rows, options page, static content-script matches) from
 * here too. This file is the only part of src/adapters the background may import, so it holds
 * no DOM code and imports nothing (a lint rule says so).
 */

/** Where self-hosted clients are recognised out of the box (DESIGN.md §3: loopback addresses). */
export const LOOPBACK_ORIGINS: readonly string[] = ['http://localhost/*', 'http://127.0.0.1/*'];

export interface SiteRecord {
  id: string;
  /** As the options page and the canary's messages name it. */
  name: string;
  /** Fixed addresses (match patterns) where the adapter runs; empty for a self-hosted client. */
  matches: readonly string[];
  /** A self-hosted client: recognised from the page, on loopback or an origin the user allowed. */
  selfHosted: boolean;
  /** The default OTR fragment size in characters (0: never fragment); the user may change it. */
  fragmentSize: number;
}

const fixed = (id: string, name: string, matches: string[]): SiteRecord => ({ id, name, matches, selfHosted: false, fragmentSize: 0 });

/** In the order the content script tries the adapters (fixed addresses first, then detection). */
export const SITE_RECORDS: readonly SiteRecord[] = [
  fixed('whatsapp', 'WhatsApp Web', ['https://web.whatsapp.com/*']),
  fixed('telegram-k', 'Telegram Web K', ['https://web.telegram.org/k/*']),
  fixed('telegram-a', 'Telegram Web A', ['https://web.telegram.org/a/*']),
  fixed('messenger', 'Facebook Messenger', ['https://www.messenger.com/*', 'https://www.facebook.com/messages/*']),
  fixed('slack', 'Slack', ['https://app.slack.com/*']),
  fixed('discord', 'Discord', ['https://discord.com/channels/*', 'https://canary.discord.com/channels/*', 'https://ptb.discord.com/channels/*']),
  fixed('google-chat', 'Google Chat', ['https://chat.google.com/*', 'https://mail.google.com/chat/*']),
  fixed('gmail', 'Gmail', ['https://mail.google.com/mail/*']),
  fixed('outlook', 'Outlook on the web', ['https://outlook.live.com/*', 'https://outlook.office.com/*', 'https://outlook.office365.com/*']),
  fixed('element', 'Element (Matrix)', ['https://app.element.io/*', 'https://develop.element.io/*']),
  fixed('mattermost', 'Mattermost', ['https://*.cloud.mattermost.com/*']),
  fixed('rocketchat', 'Rocket.Chat', ['https://*.rocket.chat/*']),
  fixed('zulip', 'Zulip', ['https://*.zulipchat.com/*']),
  // Fragments stay under IRC's 512-byte line once "PRIVMSG nick :" and OTR's header are counted.
  { id: 'thelounge', name: 'The Lounge (IRC)', matches: [], selfHosted: true, fragmentSize: 400 },
  { id: 'converse', name: 'Converse.js (XMPP)', matches: [], selfHosted: true, fragmentSize: 0 },
  // A mail carries any length: one OTR message per mail, never fragmented.
  { id: 'roundcube', name: 'Roundcube (mail)', matches: [], selfHosted: true, fragmentSize: 0 },
];

/** The addresses a site's policy row covers: its fixed ones, or loopback for a self-hosted one. */
export function originsOf(record: SiteRecord): string[] {
  return [...(record.selfHosted ? LOOPBACK_ORIGINS : record.matches)];
}

/** What an adapter takes from its record (fresh arrays: adapters may not share them). */
export function siteIdentity(id: string): { id: string; name: string; matches: string[] } {
  const r = SITE_RECORDS.find((s) => s.id === id);
  if (!r) throw new Error(`no site record for ${id}`);
  return { id: r.id, name: r.name, matches: [...r.matches] };
}
