#!/usr/bin/env node
// `npm run demo`: starts the local IRC stack (ngircd + The Lounge) and opens two Chromium
// windows with the built extension, Alice and Bob, both in #test. Click the lock above the
// message box in one window and choose "Start private conversation"; the other window's lock
// pulses: choose it there too (OffRecord never answers by itself); then type in the green box.
// Runs until Ctrl+C, then closes the windows and stops the stack.
//
// Needs a display. Without one (no $DISPLAY) it re-runs itself under `xvfb-run`, so the windows
// exist on a virtual screen: useful as a smoke test (`--screenshot` saves both windows to
// test-results/screenshots/ once the overlay is up). `--exit` stops right after that.
import { build } from 'esbuild';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

// Debian's servers and browser, and The Lounge in its own package folder, as the tests use them.
execFileSync('bash', [join(root, 'scripts/install-system-deps.sh')], { stdio: 'inherit' });
if (!existsSync(join(root, 'test/stacks/thelounge/node_modules/thelounge'))) {
  execFileSync('npm', ['ci', '--prefix', join(root, 'test/stacks/thelounge'), '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

if (!process.env.DISPLAY) {
  console.log('No $DISPLAY: running the demo under xvfb-run (a virtual screen).');
  const r = spawnSync('xvfb-run', ['-a', '-s', '-screen 0 1920x1080x24', process.execPath, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const ext = join(root, '.output/chrome-mv3');
if (!existsSync(join(ext, 'manifest.json'))) {
  console.log('Building the extension first (npx wxt build)…');
  execFileSync('npx', ['wxt', 'build'], { cwd: root, stdio: 'inherit' });
}

// The stack code is TypeScript (test/stacks/): bundle it as scripts/stacks.mjs does.
const out = join(root, '.tmp/stacks/stacks.mjs');
await build({ entryPoints: [join(root, 'test/stacks/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, packages: 'external', logLevel: 'warning' });
const stacks = await import(pathToFileURL(out).href);
const { chromium } = await import('playwright-core');

const irc = await stacks.startIrcStack();
console.log(`The Lounge: ${irc.url}  (ngircd 127.0.0.1:${irc.ircPort}, channel ${irc.channel})`);

const windows = [];
async function open(nick, x) {
  const dir = mkdtempSync(join(tmpdir(), `offrecord-demo-${nick}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    viewport: null,
    args: [`--disable-extensions-except=${ext}`, `--load-extension=${ext}`, '--no-sandbox', '--no-first-run', '--disable-quic',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', `--window-position=${x},0`, '--window-size=940,900'],
  });
  windows.push({ context, dir });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(irc.url);
  await page.fill('input[name=nick]', nick);
  await page.click('form.container button[type=submit]');
  await page.waitForSelector(`#chat .chat-view[data-type="channel"] .userlist [data-name="${nick}"]`, { state: 'attached', timeout: 30_000 });
  await page.waitForSelector('[data-offrecord=lock]', { timeout: 30_000 });
  return page;
}

async function stop() {
  for (const w of windows) {
    await w.context.close().catch(() => {});
    rmSync(w.dir, { recursive: true, force: true });
  }
  await irc.stop();
}
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    void stop().then(() => process.exit(0));
  });
}

try {
  const [alice, bob] = [await open('alice', 0), await open('bob', 960)];
  console.log('Two windows are open: Alice (left) and Bob (right), both in #test.');
  console.log('In one of them click the lock above the message box → "Start private conversation";');
  console.log('the other lock then pulses: choose "Start private conversation" there too.');
  if (args.includes('--screenshot')) {
    const shots = join(root, 'test-results/screenshots');
    mkdirSync(shots, { recursive: true });
    await alice.screenshot({ path: join(shots, 'demo-alice.png') });
    await bob.screenshot({ path: join(shots, 'demo-bob.png') });
    console.log(`Screenshots in ${shots}/demo-*.png`);
  }
  if (args.includes('--exit')) {
    stopping = true;
    await stop();
    process.exit(0);
  }
  console.log('Press Ctrl+C to stop.');
} catch (err) {
  console.error(err);
  await stop();
  process.exit(1);
}
