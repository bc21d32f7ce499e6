#!/usr/bin/env node
// Reference OTR peer on otr.js 0.2.16, speaking the harness line contract
// (see test/interop/harness.ts). The long-lived DSA key lives in --dir in
// otr.js's own packed form (otrjs.private_key), with the instance tag and the
// fingerprints we have already seen beside it.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const { OTR, DSA } = require('otr');
const CONST = OTR.CONST;

// otr.js logs debugging text with console.log; stdout belongs to the contract.
console.log = (...a) => process.stderr.write(a.join(' ') + '\n');

const esc = (s) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
const unesc = (s) => s.replace(/\\(.)/g, (_, c) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
// Returns nothing on purpose: otr.js's EventEmitter drops a listener that returns true.
const out = (line) => {
  process.stdout.write(line + '\n');
};
const hexOfLatin1 = (s) => Buffer.from(s, 'latin1').toString('hex');
const groups = (hex) => hex.toUpperCase().match(/.{8}/g).join(' ');

function parseArgs(argv) {
  const o = { protocol: 'prpl-interop', max: 0, policy: 0x76 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${k}`);
    if (k === '--account') o.account = v;
    else if (k === '--peer') o.peer = v;
    else if (k === '--protocol') o.protocol = v;
    else if (k === '--dir') o.dir = v;
    else if (k === '--smp-secret') o.smpSecret = unesc(v);
    else if (k === '--max') o.max = Number(v);
    else if (k === '--policy') o.policy = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  if (!o.account || !o.peer || !o.dir) throw new Error('need --account, --peer and --dir');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
mkdirSync(opts.dir, { recursive: true });
const keyFile = join(opts.dir, 'otrjs.private_key');
const tagFile = join(opts.dir, 'otrjs.instance_tag');
const fpFile = join(opts.dir, 'otrjs.fingerprints');

let priv;
if (existsSync(keyFile)) {
  priv = DSA.parsePrivate(readFileSync(keyFile, 'utf8').trim());
} else {
  priv = new DSA();
  writeFileSync(keyFile, priv.packPrivate() + '\n', { mode: 0o600 });
}
let tag;
if (existsSync(tagFile)) {
  tag = Buffer.from(readFileSync(tagFile, 'utf8').trim(), 'hex').toString('latin1');
} else {
  tag = OTR.makeInstanceTag();
  writeFileSync(tagFile, hexOfLatin1(tag) + '\n');
}
const known = new Set(existsSync(fpFile) ? readFileSync(fpFile, 'utf8').split('\n').filter(Boolean) : []);

// otr.js counts fragment_size as payload only; libotr counts the whole line.
// Subtract the longest (v3) fragment header so every line fits --max.
const otr = new OTR({ priv, instance_tag: tag, fragment_size: opts.max > 0 ? Math.max(1, opts.max - 37) : 0, send_interval: 0 });
otr.debug = true; // keeps real error texts instead of a generic one
otr.ALLOW_V2 = !!(opts.policy & 0x02);
otr.ALLOW_V3 = !!(opts.policy & 0x04);
otr.REQUIRE_ENCRYPTION = !!(opts.policy & 0x08);
otr.SEND_WHITESPACE_TAG = !!(opts.policy & 0x10);
otr.WHITESPACE_START_AKE = !!(opts.policy & 0x20);
otr.ERROR_START_AKE = !!(opts.policy & 0x40);

let secure = false;
let smpAsked = false;
const version = () => (otr.msgstate === CONST.MSGSTATE_PLAINTEXT ? 0 : otr.ake.otr_version?.charCodeAt(1) ?? 0);

otr.on('io', (msg) => out('WIRE ' + esc(msg)));
otr.on('ui', (msg, encrypted) => {
  if (!encrypted && otr.msgstate !== CONST.MSGSTATE_PLAINTEXT) {
    out('EVENT msg RCVDMSG_UNENCRYPTED text=' + esc(msg));
    return;
  }
  out('SHOW ' + esc(msg));
});

// otr.js reports problems as free text; map the ones libotr names.
const errorNames = [
  ['Received an unencrypted message.', null], // reported from 'ui' above
  ['Received an unreadable encrypted message.', 'RCVDMSG_NOT_IN_PRIVATE'],
  ['Message cannot be sent at this time.', 'CONNECTION_ENDED'],
  ['Received a message intended for a different session.', 'RCVDMSG_FOR_OTHER_INSTANCE'],
  ['MACs do not match.', 'RCVDMSG_UNREADABLE'],
  ['Counter in message is not larger.', 'RCVDMSG_UNREADABLE'],
  ['Not of our latest keys.', 'RCVDMSG_UNREADABLE'],
  ['Not of your latest keys.', 'RCVDMSG_UNREADABLE'],
  ['Do not have that key.', 'RCVDMSG_UNREADABLE'],
];
otr.on('error', (err) => {
  const text = String(err);
  const hit = errorNames.find(([t]) => t === text);
  if (hit && hit[1] === null) return;
  const name = hit ? hit[1] : lastWasOtrError ? 'RCVDMSG_GENERAL_ERR' : 'OTRJS_ERROR';
  out(`EVENT msg ${name} text=${esc(text)}`);
});

otr.on('status', (state) => {
  if (state === CONST.STATUS_AKE_SUCCESS) {
    const fp = otr.their_priv_pk.fingerprint();
    if (!known.has(fp)) {
      known.add(fp);
      appendFileSync(fpFile, fp + '\n');
      out('EVENT new_fingerprint ' + groups(fp));
    }
    out(secure ? 'EVENT still_secure' : `EVENT gone_secure v${version()}`);
    secure = true;
  } else if (state === CONST.STATUS_END_OTR) {
    if (otr.msgstate === CONST.MSGSTATE_FINISHED) out('EVENT peer_ended');
    else out('EVENT gone_insecure');
    secure = false;
  }
});

otr.on('smp', (type, a, b) => {
  if (type === 'question') {
    out('EVENT smp ASK_FOR_ANSWER 25%' + (a ? ' question=' + esc(a) : ''));
    if (opts.smpSecret !== undefined) otr.smpSecret(opts.smpSecret);
    else smpAsked = true;
  } else if (type === 'trust') {
    smpAsked = false;
    out(`EVENT smp ${a ? 'SUCCESS' : 'FAILURE'} 100%`);
  } else if (type === 'abort') {
    smpAsked = false;
    out('EVENT smp ABORT 0%');
  }
});

otr.on('file', (type, key) => {
  // 'receive' is reported from the TLV hook below, which also knows the use.
  if (type === 'send') out(`EVENT symkey use=${pendingUse} key=${hexOfLatin1(key)}`);
});

// otr.js drops the use number of an extra-symmetric-key TLV and ignores
// empty messages silently; look at the TLVs ourselves to report both.
let sawTlv = false;
let lastWasOtrError = false;
let pendingUse = 1;
const origTLVs = OTR.prototype.handleTLVs;
OTR.prototype.handleTLVs = function (tlvs, sessKeys) {
  let rest = tlvs;
  while (rest.length >= 4) {
    const type = (rest.charCodeAt(0) << 8) | rest.charCodeAt(1);
    const len = (rest.charCodeAt(2) << 8) | rest.charCodeAt(3);
    const val = rest.substr(4, len);
    sawTlv = true;
    if (type === 8 && val.length >= 4) {
      const use = ((val.charCodeAt(0) << 24) | (val.charCodeAt(1) << 16) | (val.charCodeAt(2) << 8) | val.charCodeAt(3)) >>> 0;
      out(`EVENT received_symkey use=${use} key=${hexOfLatin1(sessKeys.extra_symkey)} usedata=${hexOfLatin1(val.substring(4))}`);
    }
    rest = rest.substring(4 + len);
  }
  return origTLVs.call(this, tlvs, sessKeys);
};
const origData = OTR.prototype.handleDataMsg;
OTR.prototype.handleDataMsg = function (msg) {
  sawTlv = false;
  const text = origData.call(this, msg);
  if (text === '' && !sawTlv) out('EVENT msg LOG_HEARTBEAT_RCVD text=');
  return text;
};

function sendSymkey(use, usedata) {
  if (otr.msgstate !== CONST.MSGSTATE_ENCRYPTED || otr.ake.otr_version !== CONST.OTR_VERSION_3) {
    out('EVENT msg SYMKEY_ERROR text=needs an encrypted v3 session');
    return;
  }
  // Same TLV otr.js's sendFile builds, but with the requested use number.
  const be = (n, bytes) => Array.from({ length: bytes }, (_, i) => String.fromCharCode((n >>> (8 * (bytes - 1 - i))) & 0xff)).join('');
  const body = '\x00' + be(8, 2) + be(4 + usedata.length, 2) + be(use, 4) + usedata;
  pendingUse = use;
  const wire = otr.prepareMsg(body, 'symkey');
  if (wire) otr.io(wire);
}

function handle(line) {
  const sp = line.indexOf(' ');
  const cmd = sp < 0 ? line : line.slice(0, sp);
  const raw = sp < 0 ? '' : line.slice(sp + 1);
  switch (cmd) {
    case 'RECV': {
      const wire = unesc(raw);
      lastWasOtrError = wire.startsWith('?OTR Error:');
      otr.receiveMsg(wire);
      lastWasOtrError = false;
      break;
    }
    case 'SEND':
      otr.sendMsg(unesc(raw));
      break;
    case 'QUERY':
      otr.sendQueryMsg();
      break;
    case 'END':
      otr.endOtr();
      break;
    case 'SMP':
      if (smpAsked) smpAsked = false;
      otr.smpSecret(unesc(raw));
      break;
    case 'SMPQ': {
      // Separator: a raw tab, or the first escaped \t.
      let q, s;
      const tab = raw.indexOf('\t');
      if (tab >= 0) [q, s] = [raw.slice(0, tab), raw.slice(tab + 1)];
      else {
        const m = /^((?:[^\\]|\\[^t])*)\\t(.*)$/s.exec(raw);
        if (!m) return out('EVENT msg BAD_COMMAND text=SMPQ');
        [q, s] = [m[1], m[2]];
      }
      otr.smpSecret(unesc(s), unesc(q));
      break;
    }
    case 'SMPABORT':
      if (otr.sm) otr.sm.abort();
      break;
    case 'SYMKEY': {
      const [use, hex] = unesc(raw).split(' ');
      sendSymkey(Number(use), Buffer.from(hex ?? '', 'hex').toString('latin1'));
      break;
    }
    case 'STATUS': {
      const st = ['PLAINTEXT', 'ENCRYPTED', 'FINISHED'][otr.msgstate];
      const fp = otr.their_priv_pk && otr.msgstate !== CONST.MSGSTATE_PLAINTEXT ? groups(otr.their_priv_pk.fingerprint()) : '-';
      out(`STATUS msgstate=${st} version=${version()} fingerprint=${fp} smp=EXPECT${otr.sm ? otr.sm.smpstate : 1}`);
      break;
    }
    case 'QUIT':
      quit();
      break;
    case '':
      break;
    default:
      out('EVENT msg BAD_COMMAND text=' + esc(cmd));
  }
}

// Fragments leave on timers; wait for them before exiting.
function quit() {
  const wait = () => (otr.outgoing.length ? setTimeout(wait, 5) : setTimeout(() => process.exit(0), 5));
  wait();
}

out(`READY ${groups(priv.fingerprint())} ${hexOfLatin1(tag)}`);
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (l) => {
  try {
    handle(l.replace(/\r$/, ''));
  } catch (e) {
    out('EVENT msg OTRJS_EXCEPTION text=' + esc(String(e && e.stack ? e.message : e)));
  }
});
rl.on('close', quit);
