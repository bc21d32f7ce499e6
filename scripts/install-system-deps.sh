#!/usr/bin/env bash
# Installs the Debian packages the tests use (real peers, servers and browsers). Idempotent:
# does nothing when they are all present. Needs root (CI runs as root) or sudo.
set -euo pipefail
packages=(
  gcc pkg-config libotr5-dev libotr5-bin       # libotr 4.1.1 reference peer (C harness)
  python3 python3-potr python3-pycryptodome     # potr reference peer (OTR v2)
  chromium xvfb xauth fonts-liberation          # Chromium with the extension loaded
  firefox-esr                                   # Firefox run of the overlay
  ngircd prosody lua-unbound                    # local IRC and XMPP servers
  postfix dovecot-imapd                         # local mail stack: SMTP into Maildir, IMAP
  roundcube-core roundcube-sqlite3 php-cli php-sqlite3  # Roundcube 1.6 webmail on SQLite
  irssi irssi-plugin-otr bsdutils               # irssi-otr peer, headless under `script`
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# The mail tests run Postfix and Roundcube from their own temp config; the packages must install
# without asking anything and without configuring a system mailer or database.
"${sudo_cmd[@]}" debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string offrecord.test
roundcube-core roundcube/dbconfig-install boolean false
roundcube-core roundcube/database-type select sqlite3
EOF
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: done"
