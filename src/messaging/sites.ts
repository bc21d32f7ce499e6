/**
 * The match-pattern reader the content script (which adapter runs where) and the background
 * (which site rows cover an origin, issue 17 item 3) share. The sites themselves are records in
 * src/adapters/sites/records.ts.
 */

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
