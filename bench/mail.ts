/**
 * Issue 14's figures, engine side (no browser): opening a 50-mail private thread (each body
 * normalised from its mail form, then decrypted by the receiving engine) and decrypting a 1 MB
 * encrypted attachment, both as ratios to a plain open of the same thread in the same run
 * (the same 50 bodies as plaintext, normalised and shown). Reader frames in a real page are
 * not part of these figures.
 */
import { decryptFile, encryptFile, fileUseData, type PlainFile } from '../src/files/encrypted-file';
import { normaliseMailBody } from '../src/adapters/core/mail-body';
import { type ConversationState, receiveMessage, sendMessage } from '../src/otr/session';
import { offRecordIdentity, Pair } from './offrecord';
import { check, median, timeRuns } from './stats';
import { fileKeyOf } from '../src/background/file-keys';
import { decryptAll } from '../src/frames/file-decrypt';
import { toHex } from '../src/otr/bytes';

const THREAD_MAILS = 50;
const RUNS = 21;
const env = { random: (n: number) => crypto.getRandomValues(new Uint8Array(n)), now: () => Date.now() };

/** A mail body as Roundcube's plain-text editor leaves it: a greeting-free, 76-column wrap. */
const asMail = (text: string): string => text.match(/.{1,76}/gs)!.join('\n');

function letter(i: number): string {
  return `Mail ${i}: Grüße aus dem Büro, 世界 🙂 — `.repeat(12);
}

export function benchMail(log: (s: string) => void): string[] {
  const pair = new Pair(offRecordIdentity(), offRecordIdentity());
  pair.ake();
  const texts = Array.from({ length: THREAD_MAILS }, (_, i) => letter(i));
  const bodies: string[] = [];
  for (const t of texts) {
    const r = sendMessage(env, pair.a.me, pair.a.state, t);
    pair.a.state = r.state;
    check(r.send.length === 1, 'one wire message per mail');
    bodies.push(asMail(r.send[0]!));
  }
  const bobAtStart: ConversationState = structuredClone(pair.b.state);
  const plainBodies = texts.map(asMail);

  const plainOpen = median(
    timeRuns(RUNS, () => {
      for (const b of plainBodies) check(normaliseMailBody(b).body.kind === 'plain', 'plain mail');
    }),
  );
  const privateOpen = median(
    timeRuns(RUNS, () => {
      // Every run opens the thread afresh: the receiver's state as before the first mail.
      let state = structuredClone(bobAtStart);
      for (let i = 0; i < bodies.length; i++) {
        const found = normaliseMailBody(bodies[i]!).body;
        check(found.kind === 'otr', 'mail carries OTR');
        const r = receiveMessage(env, pair.b.me, state, found.text);
        state = r.state;
        check(r.show[0]?.text === texts[i], `mail ${i} shown`);
      }
    }),
  );
  log(`mail thread: plain open ${plainOpen.toFixed(2)} ms, private open ${privateOpen.toFixed(1)} ms`);

  const contents = new Uint8Array(1024 * 1024);
  for (let at = 0; at < contents.length; at += 65536) contents.set(crypto.getRandomValues(new Uint8Array(65536)), at);
  const file: PlainFile = { name: 'bench.bin', type: 'application/octet-stream', contents };
  const key = crypto.getRandomValues(new Uint8Array(32));
  const useData = fileUseData(file);
  const blob = encryptFile(file, key, useData, env.random);
  const decrypt = median(timeRuns(RUNS, () => check(decryptFile(blob, key, useData).contents.length === contents.length, 'file decrypted')));
  log(`1 MB attachment decrypt ${decrypt.toFixed(1)} ms`);
  // The extension's path: the background derives the per-file key from the extra symmetric key
  // (file-keys.ts), and the reader frame opens the fetched attachment with it (reader-files.ts).
  const buffer = blob.slice().buffer;
  const inReader = median(
    timeRuns(RUNS, () => {
      const view = fileKeyOf(toHex(key), toHex(useData));
      check(decryptAll([buffer], [view]).files[0]?.contents.length === contents.length, 'file decrypted in the reader');
    }),
  );
  log(`1 MB attachment, Decrypt and save path ${inReader.toFixed(1)} ms`);

  const ms = (v: number) => (v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
  return [
    '',
    '## Mail threads and encrypted attachments (issue 14, engine side)',
    '',
    `Medians of ${RUNS}; bodies wrapped at 76 columns as Roundcube's plain editor sends them. No browser: reader frames are not counted.`,
    '',
    '| operation | time | ratio to a plain open of the thread |',
    '|---|---|---|',
    `| plain open of a ${THREAD_MAILS}-mail thread (normalise, show) | ${ms(plainOpen)} | 1× |`,
    `| private open of the same thread (normalise, decrypt, show) | ${ms(privateOpen)} | ${(privateOpen / plainOpen).toFixed(1)}× |`,
    `| decrypt a 1 MB encrypted attachment (HKDF, XChaCha20-Poly1305, hash check) | ${ms(decrypt)} | ${(decrypt / plainOpen).toFixed(1)}× |`,
    `| the same as "Decrypt and save" runs it (background's per-file key, reader frame's decryptAll) | ${ms(inReader)} | ${(inReader / plainOpen).toFixed(1)}× |`,
  ];
}
