/**
 * XMPP stack: Prosody on loopback serving Converse.js 14 over its own HTTP server (websocket,
 * BOSH, http_files), users alice, bob, carol and dave (password "secret"), MUC at
 * conference.localhost. mod_stanza_debug logs every stanza at debug level, so `traffic()` shows
 * what crossed the server. See ENVIRONMENT.md "XMPP: Prosody + Converse.js 14".
 *
 * With `archive`, Prosody keeps messages for offline users (mod_offline) and every 1:1 message
 * in its archive (mod_mam), which Converse reads back as history when a chat opens: a
 * conversation between people who are never online together. `stored()` is everything Prosody
 * wrote to disk, to show no plaintext rests there.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, removeDir, repoRoot, startProcess, stopProcess, tcpOpen, tempDir, waitUntil } from './process';

export const XMPP_USERS = ['alice', 'bob', 'carol', 'dave'] as const;
export const XMPP_PASSWORD = 'secret';
export const XMPP_DOMAIN = 'localhost';

export interface XmppStack {
  /** Converse's page, e.g. http://localhost:PORT/ (not 127.0.0.1: the host is the XMPP domain). */
  url: string;
  c2sPort: number;
  /** Prosody's debug log so far: every stanza sent and received (mod_stanza_debug). */
  traffic(): string;
  /** Every file under Prosody's data folder (offline store, archive, accounts), concatenated. */
  stored(): string;
  stop(): Promise<void>;
}

export interface XmppStackOptions {
  /** Offline storage and the message archive (MAM) on; off by default. */
  archive?: boolean;
  /** New MUC rooms show occupants' real JIDs to anyone (non-anonymous); on by default. */
  publicJids?: boolean;
}

function prosodyConf(dir: string, httpPort: number, c2sPort: number, archive: boolean, publicJids: boolean): string {
  return `-- generated for one test run
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
log = { { levels = { min = "debug" }, to = "file", filename = "${dir}/prosody.log" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${c2sPort} }
s2s_ports = { }
http_ports = { ${httpPort} }
http_interfaces = { "127.0.0.1" }
https_ports = { }
admin_socket = "${dir}/data/prosody.sock"
modules_enabled = {
  "roster"; "saslauth"; "disco"; "carbons"; "ping"; "time"; "version"; "blocklist";
  "bookmarks"; "pep"; "private"; "vcard4"; "vcard_legacy"; "csi_simple"; "smacks";
  "websocket"; "bosh"; "http_files"; "stanza_debug";${archive ? ' "mam";' : ''}
}
modules_disabled = { "s2s"; "tls";${archive ? '' : ' "offline"'} }
${archive ? 'default_archive_policy = true\narchive_expires_after = "1w"' : ''}
authentication = "internal_plain"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
consider_bosh_secure = true
cross_domain_websocket = true
cross_domain_bosh = true
http_files_dir = "${dir}/www"
http_paths = { files = "/" }
http_default_host = "${XMPP_DOMAIN}"
VirtualHost "${XMPP_DOMAIN}"
Component "conference.${XMPP_DOMAIN}" "muc"
  -- Non-anonymous rooms: every occupant sees each other's real (bare) JID, which is what a
  -- private room's members are named by. Rooms open at once, with no configuration step.
  muc_room_default_public_jids = ${publicJids}
  muc_room_locking = false
`;
}

/** Converse 14 ships as an ES module; it logs in from the login form the test fills in. */
const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Converse test</title>
<link rel="stylesheet" href="/dist/converse.min.css"></head>
<body class="converse-fullscreen">
<script type="module">
import converse from '/dist/converse.min.js';
// Test hook only: lets the harness open a 1:1 chat without clicking through the roster.
converse.plugins.add('offrecord-test-hook', {
  initialize() { window.converseTestApi = this._converse.api; },
});
converse.initialize({
  whitelisted_plugins: ['offrecord-test-hook'],
  view_mode: 'fullscreen',
  websocket_url: 'ws://' + location.host + '/xmpp-websocket',
  bosh_service_url: 'http://' + location.host + '/http-bind',
  assets_path: '/dist/',
  blacklisted_plugins: ['converse-omemo'],
  allow_non_roster_messaging: true,
  auto_reconnect: true,
  discover_connection_methods: false,
  jid: '',
  locked_domain: '${XMPP_DOMAIN}',
  auto_login: false,
  play_sounds: false,
  show_desktop_notifications: false,
  persistent_store: 'sessionStorage',
  loglevel: 'warn',
  theme: 'classic',
});
</script></body></html>
`;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

export async function startXmppStack(opts: XmppStackOptions = {}): Promise<XmppStack> {
  const dir = tempDir('xmpp');
  const httpPort = await freePort();
  const c2sPort = await freePort();
  const cfg = join(dir, 'prosody.cfg.lua');
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'www'));
  cpSync(join(repoRoot(), 'node_modules/converse.js/dist'), join(dir, 'www/dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  });
  writeFileSync(join(dir, 'www/index.html'), INDEX_HTML);
  writeFileSync(cfg, prosodyConf(dir, httpPort, c2sPort, opts.archive ?? false, opts.publicJids ?? true));
  writeFileSync(join(dir, 'prosody.log'), '');
  const uid = Number(execFileSync('id', ['-u', 'prosody']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'prosody']).toString().trim());
  chownTree(dir, uid, gid);

  for (const user of XMPP_USERS) {
    execFileSync('runuser', ['-u', 'prosody', '--', 'prosodyctl', '--config', cfg, 'register', user, XMPP_DOMAIN, XMPP_PASSWORD], {
      stdio: 'pipe',
    });
  }
  // </dev/null: Prosody otherwise waits on stdin (ENVIRONMENT.md).
  const prosody = startProcess('runuser', ['-u', 'prosody', '--', 'prosody', '--config', cfg, '-F'], { cwd: dir });
  const url = `http://localhost:${httpPort}/`;
  const stop = async (): Promise<void> => {
    // No grace: Prosody's clean shutdown spends about 2 s closing every session, and all it
    // could save dies with the temp folder anyway.
    await stopProcess(prosody.child, 0);
    removeDir(dir);
  };
  try {
    await waitUntil('prosody c2s', () => tcpOpen(c2sPort), 20_000, prosody);
    await waitUntil('prosody http', () => httpOk(url), 20_000, prosody);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    c2sPort,
    traffic: () => readFileSync(join(dir, 'prosody.log'), 'utf8'),
    stored: () => filesUnder(join(dir, 'data')).map((f) => readFileSync(f, 'utf8')).join('\n'),
    stop,
  };
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((e) => (e.endsWith('.sock') ? [] : filesUnder(join(path, e))));
}
