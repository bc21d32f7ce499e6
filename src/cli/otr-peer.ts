/**
 * otr-peer: OffRecord's engine on a line protocol (stdin commands, stdout events), the stable
 * contract that interop tests and tools drive. See README "Command-line peer".
 */
import { createInterface } from 'node:readline';
import { fromHex, toHex } from '../otr/bytes';
import type { OtrEnv, StepResult } from '../otr/conversation';
import { fingerprint, formatFingerprint, publicKeyOf } from '../otr/dsa';
import { isOtrError } from '../otr/errors';
import type { OtrEvent } from '../otr/events';
import { formatInstanceTag } from '../otr/instance-tag';
import {
  abortSmp,
  answerSmp,
  type ConversationState,
  conversationStatus,
  createConversation,
  endOtr,
  receiveMessage,
  sendMessage,
  startOtr,
  startSmp,
  useExtraSymmetricKey,
} from '../otr/session';
import { escapeField, unescapeField } from './line-protocol';
import { PeerFiles } from './peer-files';

interface Options {
  account: string;
  peer: string;
  protocol: string;
  dir: string;
  smpSecret?: string;
  max: number;
  policy?: number;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const account = get('account');
  const peer = get('peer');
  const dir = get('dir');
  if (!account || !peer || !dir) {
    process.stderr.write('usage: otr-peer --account A --peer P [--protocol PROT] --dir DIR [--smp-secret S] [--max N] [--policy N]\n');
    process.exit(2);
  }
  const policy = get('policy');
  const smpSecret = get('smp-secret');
  const opts: Options = { account, peer, dir, protocol: get('protocol') ?? 'prpl-irc', max: Number(get('max') ?? 0) };
  if (policy !== undefined) opts.policy = Number(policy);
  if (smpSecret !== undefined) opts.smpSecret = unescapeField(smpSecret);
  return opts;
}

const env: OtrEnv = {
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  now: () => Date.now(),
};

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function eventLine(e: OtrEvent): string {
  switch (e.type) {
    case 'gone_secure':
      return `EVENT gone_secure v${e.version}`;
    case 'still_secure':
    case 'gone_insecure':
    case 'peer_ended':
      return `EVENT ${e.type}`;
    case 'smp': {
      // The contract names one status for "the peer asks us": with or without a question.
      const status = e.status === 'ASK_FOR_SECRET' ? 'ASK_FOR_ANSWER' : e.status;
      return `EVENT smp ${status} ${e.progress}%` + (e.question !== undefined ? ` question=${escapeField(e.question)}` : '');
    }
    case 'symkey':
      return `EVENT symkey use=${e.use} key=${e.key}`;
    case 'received_symkey':
      return `EVENT received_symkey use=${e.use} key=${e.key} usedata=${e.useData}`;
    case 'tlv':
      return `EVENT tlv type=${e.tlvType} value=${e.value}`;
    case 'msg':
      return `EVENT msg ${e.name} text=${escapeField(e.text)}`;
  }
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const files = new PeerFiles(opts.dir, opts.account, opts.protocol);
  const me = { privateKey: files.privateKey(env.random), instanceTag: files.instanceTag(env.random) };
  let state: ConversationState =
    files.loadConversation(opts.peer) ??
    createConversation({ account: opts.account, protocol: opts.protocol, peer: opts.peer, maxFragmentSize: opts.max, ...(opts.policy !== undefined ? { policy: opts.policy } : {}) });
  // Flags given on this start win over what the saved state remembers.
  state.maxFragmentSize = opts.max;
  if (opts.policy !== undefined) state.policy = opts.policy;

  const emit = (r: StepResult) => {
    state = r.state;
    for (const wire of r.send) out(`WIRE ${escapeField(wire)}`);
    for (const shown of r.show) out(`SHOW ${escapeField(shown.text)}`);
    for (const e of r.events) {
      // libotr reports an unknown fingerprint during the AKE, before it reports going secure.
      if (e.type === 'gone_secure') rememberFingerprint(e.fingerprint);
      out(eventLine(e));
      afterEvent(e);
    }
    files.saveConversation(opts.peer, state);
  };

  const afterEvent = (e: OtrEvent) => {
    // As libotr's clients do, a question answered right proves the asker to us, but not us to
    // them: only the side that asked (or shared a secret both ways) marks the peer trusted.
    if (e.type === 'smp' && e.status === 'SUCCESS' && e.question === undefined) trustFingerprint('smp');
    if (e.type === 'smp' && (e.status === 'ASK_FOR_SECRET' || e.status === 'ASK_FOR_ANSWER') && opts.smpSecret !== undefined) {
      emit(answerSmp(env, me, state, opts.smpSecret));
    }
  };

  const rememberFingerprint = (hex: string) => {
    const entries = files.fingerprints();
    const known = entries.some((f) => f.username === opts.peer && f.account === opts.account && f.protocol === opts.protocol && toHex(f.fingerprint) === hex);
    if (known) return;
    entries.push({ username: opts.peer, account: opts.account, protocol: opts.protocol, fingerprint: fromHex(hex), trust: '' });
    files.saveFingerprints(entries);
    out(`EVENT new_fingerprint ${formatFingerprint(fromHex(hex))}`);
  };

  const trustFingerprint = (trust: string) => {
    const hex = conversationStatus(state).theirFingerprint;
    if (!hex) return;
    const entries = files.fingerprints();
    for (const f of entries) if (f.username === opts.peer && toHex(f.fingerprint) === hex) f.trust = trust;
    files.saveFingerprints(entries);
  };

  const command = (line: string) => {
    const space = line.indexOf(' ');
    const verb = space < 0 ? line : line.slice(0, space);
    const arg = space < 0 ? '' : unescapeField(line.slice(space + 1));
    switch (verb) {
      case 'RECV':
        return emit(receiveMessage(env, me, state, arg));
      case 'SEND':
        return emit(sendMessage(env, me, state, arg));
      case 'QUERY':
        return emit(startOtr(env, me, state));
      case 'END':
        return emit(endOtr(env, me, state));
      case 'SMP':
        return emit(conversationStatus(state).smp === 'awaiting-answer' ? answerSmp(env, me, state, arg) : startSmp(env, me, state, arg));
      case 'SMPQ': {
        const tab = arg.indexOf('\t');
        if (tab < 0) return out('ERROR SMPQ needs <question>\\t<secret>');
        return emit(startSmp(env, me, state, arg.slice(tab + 1), arg.slice(0, tab)));
      }
      case 'SMPABORT':
        return emit(abortSmp(env, me, state));
      case 'SYMKEY': {
        const [use, data] = arg.split(' ');
        return emit(useExtraSymmetricKey(env, me, state, Number(use), fromHex(data ?? '')));
      }
      case 'STATUS': {
        const s = conversationStatus(state);
        const fp = s.theirFingerprint ? formatFingerprint(fromHex(s.theirFingerprint)) : '-';
        return out(`STATUS msgstate=${s.msgstate} version=${s.version} fingerprint=${fp} smp=${s.smp} ssid=${s.ssid ?? '-'} instance=${s.theirInstanceTag ? formatInstanceTag(s.theirInstanceTag) : '-'}`);
      }
      case 'QUIT':
        files.saveConversation(opts.peer, state);
        process.exit(0);
      // falls through (process.exit does not return)
      case '':
        return;
      default:
        return out(`ERROR unknown command ${escapeField(verb)}`);
    }
  };

  out(`READY ${formatFingerprint(fingerprint(publicKeyOf(me.privateKey)))} ${formatInstanceTag(me.instanceTag)}`);
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    try {
      command(line.replace(/\r$/, ''));
    } catch (e) {
      // Typed engine errors (e.g. SMP while not private) are reported, never fatal.
      if (!isOtrError(e)) throw e;
      out(`ERROR ${e.code} ${escapeField(e.message)}`);
    }
  });
  rl.on('close', () => process.exit(0));
}

main();
