/**
 * Mail stack: Postfix (SMTP on loopback, virtual delivery into Maildir), Dovecot (IMAP on
 * loopback, plaintext login allowed, passwd-file users) and Debian's Roundcube 1.6 (SQLite,
 * served by PHP's built-in server) in front of both. Users alice and bob of domain
 * offrecord.test, password "secret". Everything lives in one temp dir: Postfix runs from its own
 * config dir (`postfix -c`), Dovecot from its own config file (`dovecot -c`), Roundcube from its
 * own config dir (ROUNDCUBE_CONFIG_DIR); the machine's /etc stays untouched.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, removeDir, startProcess, stopProcess, tcpOpen, tempDir, waitUntil, type Started } from './process';

export const MAIL_USERS = ['alice', 'bob'] as const;
export type MailUser = (typeof MAIL_USERS)[number];
export const MAIL_PASSWORD = 'secret';
export const MAIL_DOMAIN = 'offrecord.test';

/** Mail files belong to `nobody`: Postfix's virtual agent and Dovecot both refuse root. */
const MAIL_UID = 65534;
const MAIL_GID = 65534;
const ROUNDCUBE_ROOT = '/var/lib/roundcube/public_html';
const ROUNDCUBE_ETC = '/etc/roundcube';

export interface StoredMail {
  /** File name in the Maildir (unique per message). */
  file: string;
  /** The message exactly as delivered, RFC 822 with CRLF or LF line ends as stored. */
  raw: string;
}

export interface MailStack {
  /** Roundcube's address, e.g. http://127.0.0.1:PORT/ */
  url: string;
  smtpPort: number;
  imapPort: number;
  /** Every message in the user's INBOX Maildir (new/ and cur/), oldest first. */
  inbox(user: MailUser): StoredMail[];
  /** Every file under the mail store, for checks such as "no plaintext anywhere". */
  storeFiles(): string[];
  /** Postfix's log so far (one line per queue step and delivery). */
  postfixLog(): string;
  stop(): Promise<void>;
}

function postfixMain(dir: string): string {
  return `# generated for one test run
compatibility_level = 3.6
queue_directory = ${dir}/postfix-spool
data_directory = ${dir}/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.${MAIL_DOMAIN}
mydomain = ${MAIL_DOMAIN}
myorigin = ${MAIL_DOMAIN}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
relay_domains =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
virtual_mailbox_domains = ${MAIL_DOMAIN}
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = texthash:${dir}/postfix/mailboxes
virtual_uid_maps = static:${MAIL_UID}
virtual_gid_maps = static:${MAIL_GID}
virtual_mailbox_limit = 0
message_size_limit = 52428800
maillog_file = ${dir}/postfix.log
maillog_file_prefixes = ${dir}
smtputf8_enable = no
biff = no
`;
}

/** Only the services a loopback SMTP-to-Maildir system needs; nothing chrooted. */
function postfixMaster(smtpPort: number): string {
  const rows = [
    `127.0.0.1:${smtpPort} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return rows.join('\n') + '\n';
}

function dovecotConf(dir: string, imapPort: number): string {
  return `# generated for one test run
base_dir = ${dir}/dovecot-run
state_dir = ${dir}/dovecot-state
instance_name = offrecord-${imapPort}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${dir}/dovecot.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/dovecot-users
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/mail/%n
}
mail_location = maildir:${dir}/mail/%n
first_valid_uid = 100
first_valid_gid = 100
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
`;
}

function roundcubeConf(dir: string, imapPort: number, smtpPort: number): string {
  // Single-quoted PHP strings: the temp path holds no quote or backslash.
  return `<?php
$config = [];
$config['db_dsnw'] = 'sqlite:///${dir}/roundcube/roundcube.db?mode=0600';
$config['imap_host'] = '127.0.0.1:${imapPort}';
$config['smtp_host'] = '127.0.0.1:${smtpPort}';
$config['smtp_user'] = '';
$config['smtp_pass'] = '';
$config['mail_domain'] = '${MAIL_DOMAIN}';
$config['des_key'] = 'offrecord-test-only-key!';
$config['temp_dir'] = '${dir}/roundcube/temp/';
$config['log_dir'] = '${dir}/roundcube/logs/';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['enable_spellcheck'] = false;
$config['enable_installer'] = false;
$config['support_url'] = '';
$config['login_rate_limit'] = 0;
$config['max_message_size'] = '50M';
// New mails start in the plain-text editor; a reply to an HTML mail starts in TinyMCE.
$config['htmleditor'] = 2;
`;
}

/** PHP's built-in server: static files as they are, everything else through Roundcube. */
const ROUTER = `<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/' && is_file($_SERVER['DOCUMENT_ROOT'] . $path)) return false;
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
`;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function readInbox(maildir: string): StoredMail[] {
  const mails: Array<StoredMail & { order: string }> = [];
  for (const sub of ['new', 'cur']) {
    const d = join(maildir, sub);
    if (!existsSync(d)) continue;
    // Maildir names start with the delivery time in seconds, then a unique part.
    for (const file of readdirSync(d)) mails.push({ file, raw: readFileSync(join(d, file), 'utf8'), order: file });
  }
  mails.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return mails.map(({ file, raw }) => ({ file, raw }));
}

export async function startMailStack(): Promise<MailStack> {
  const dir = tempDir('mail');
  // The delivery agent and Dovecot work as `nobody`: they must be able to enter the temp dir.
  chmodSync(dir, 0o755);
  const smtpPort = await freePort();
  const imapPort = await freePort();
  const httpPort = await freePort();

  for (const sub of ['postfix', 'postfix-spool', 'postfix-data', 'dovecot-run', 'dovecot-state', 'mail', 'roundcube', 'roundcube/config', 'roundcube/temp', 'roundcube/logs']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const postfixUser = systemUser('postfix');
  chownSync(join(dir, 'postfix-data'), postfixUser.uid, postfixUser.gid);
  chownSync(join(dir, 'mail'), MAIL_UID, MAIL_GID);
  writeFileSync(join(dir, 'postfix/main.cf'), postfixMain(dir));
  writeFileSync(join(dir, 'postfix/master.cf'), postfixMaster(smtpPort));
  writeFileSync(join(dir, 'postfix/mailboxes'), MAIL_USERS.map((u) => `${u}@${MAIL_DOMAIN} ${u}/\n`).join(''));
  writeFileSync(join(dir, 'postfix.log'), '');
  writeFileSync(join(dir, 'dovecot.conf'), dovecotConf(dir, imapPort));
  writeFileSync(join(dir, 'dovecot-users'), MAIL_USERS.map((u) => `${u}:{PLAIN}${MAIL_PASSWORD}\n`).join(''));
  const rcConfig = join(dir, 'roundcube/config');
  writeFileSync(join(rcConfig, 'config.inc.php'), roundcubeConf(dir, imapPort, smtpPort));
  // Roundcube reads its defaults and MIME table from the config dir too.
  symlinkSync(join(ROUNDCUBE_ETC, 'defaults.inc.php'), join(rcConfig, 'defaults.inc.php'));
  symlinkSync(join(ROUNDCUBE_ETC, 'mimetypes.php'), join(rcConfig, 'mimetypes.php'));
  writeFileSync(join(dir, 'roundcube/router.php'), ROUTER);

  const started: Started[] = [];
  // Postfix's master starts its own session, out of reach of the process-group kill that stops
  // the other children: it is stopped by the PID it records, also when the test runner exits.
  const killMaster = (): void => {
    const pid = postfixMasterPid(dir);
    if (pid) signal(pid, 'SIGKILL');
  };
  process.on('exit', killMaster);
  const stop = async (): Promise<void> => {
    await stopPostfixMaster(dir);
    process.off('exit', killMaster);
    await Promise.all(started.map((s) => stopProcess(s.child)));
    removeDir(dir);
  };
  try {
    const postfix = startProcess('/usr/sbin/postfix', ['-c', join(dir, 'postfix'), 'start-fg'], { cwd: dir });
    started.push(postfix);
    const dovecot = startProcess('/usr/sbin/dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { cwd: dir });
    started.push(dovecot);
    // Upload limits above the 25 MB encrypted-attachment limit (PHP's default is 2 MB).
    const phpLimits = ['-d', 'upload_max_filesize=50M', '-d', 'post_max_size=60M', '-d', 'memory_limit=512M'];
    const php = startProcess('php', [...phpLimits, '-S', `127.0.0.1:${httpPort}`, '-t', ROUNDCUBE_ROOT, join(dir, 'roundcube/router.php')], {
      cwd: dir,
      // Workers let two browsers (and Roundcube's parallel requests) be served at once.
      env: { ...process.env, ROUNDCUBE_CONFIG_DIR: rcConfig, PHP_CLI_SERVER_WORKERS: '4' },
    });
    started.push(php);
    const logged = (s: Started, file: string) => ({ ...s, output: () => s.output() + readLog(join(dir, file)) });
    await waitUntil('postfix smtp', () => tcpOpen(smtpPort), 20_000, logged(postfix, 'postfix.log'));
    await waitUntil('dovecot imap', () => tcpOpen(imapPort), 20_000, logged(dovecot, 'dovecot.log'));
    await waitUntil('roundcube', () => httpOk(`http://127.0.0.1:${httpPort}/`), 20_000, php);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${httpPort}/`,
    smtpPort,
    imapPort,
    inbox: (user) => readInbox(join(dir, 'mail', user)),
    storeFiles: () => filesUnder(join(dir, 'mail')),
    postfixLog: () => readLog(join(dir, 'postfix.log')),
    stop,
  };
}

function postfixMasterPid(dir: string): number | null {
  const file = join(dir, 'postfix-spool/pid/master.pid');
  const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // already gone
  }
}

/** SIGTERM to the master (it stops its own services), SIGKILL if it is still there after 5 s. */
async function stopPostfixMaster(dir: string): Promise<void> {
  const pid = postfixMasterPid(dir);
  if (!pid || !signal(pid, 'SIGTERM')) return;
  for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (!signal(pid, 0)) return;
  }
  signal(pid, 'SIGKILL');
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function systemUser(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`system user ${user} is missing: is the postfix package installed?`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
