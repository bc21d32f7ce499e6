#!/usr/bin/env node
// Starts the local chat and mail stacks by hand: `node scripts/stacks.mjs [irc|xmpp|mail|all]`.
// Prints their addresses and runs until Ctrl+C, then stops everything and removes temp dirs.
// The stack code is TypeScript (test/stacks/), so it is bundled to .tmp/ with esbuild first.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
if (!['irc', 'xmpp', 'mail', 'all'].includes(which)) {
  console.error('usage: node scripts/stacks.mjs [irc|xmpp|mail|all]');
  process.exit(2);
}
const out = join(root, '.tmp/stacks/stacks.mjs');
await build({
  entryPoints: [join(root, 'test/stacks/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  packages: 'external',
  logLevel: 'warning',
});
const stacks = await import(pathToFileURL(out).href);
const running = [];
try {
  if (which === 'irc' || which === 'all') {
    const irc = await stacks.startIrcStack();
    running.push(irc);
    console.log(`The Lounge: ${irc.url}  (ngircd 127.0.0.1:${irc.ircPort}, channel ${irc.channel})`);
  }
  if (which === 'xmpp' || which === 'all') {
    const xmpp = await stacks.startXmppStack();
    running.push(xmpp);
    console.log(`Converse.js: ${xmpp.url}  (users ${stacks.XMPP_USERS.join(', ')}, password "${stacks.XMPP_PASSWORD}")`);
  }
  if (which === 'mail' || which === 'all') {
    const mail = await stacks.startMailStack();
    running.push(mail);
    console.log(
      `Roundcube: ${mail.url}  (users ${stacks.MAIL_USERS.map((u) => `${u}@${stacks.MAIL_DOMAIN}`).join(', ')}, password "${stacks.MAIL_PASSWORD}"; ` +
        `SMTP 127.0.0.1:${mail.smtpPort}, IMAP 127.0.0.1:${mail.imapPort})`,
    );
  }
} catch (err) {
  console.error(err);
  for (const s of running) await s.stop();
  process.exit(1);
}
console.log('Ctrl+C stops them.');
let stopping = false;
const stopAll = async () => {
  if (stopping) return;
  stopping = true;
  for (const s of running) await s.stop();
  process.exit(0);
};
// The stack module's own signal handler stands back while this one is registered.
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
setInterval(() => {}, 1 << 30);
