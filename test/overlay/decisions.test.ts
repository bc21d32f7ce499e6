/** The overlay's pure decisions: message + the background's answer -> what the page shows. */
import { beforeEach, describe, expect, it } from 'vitest';
import { classify } from '../../src/otr/classify';
import { fragmentMessage } from '../../src/otr/fragment';
import { messageIdOf } from '../../src/messaging/message-id';
import {
  earlierDecoration, feedsEngine, pieceGroup, readerOnArrival, replyDecoration, statusText, wholeMessageStatus, type SeenMessage,
} from '../../src/overlay/decisions';
import { en, installI18n } from '../ui/helpers';

// The status lines come from the English catalogue, as the content script's browser.i18n has it.
beforeEach(installI18n);

const data = `?OTR:${Buffer.from([0, 3, 3, 9, 9, 9, 9, 9, 9]).toString('base64')}.`;
const seen = (text: string, over: Partial<SeenMessage> = {}): SeenMessage => ({ text, wire: classify(text), mine: false, history: false, ...over });
const pieces = fragmentMessage(data.repeat(4), 60, 3, 0x100, 0x200);

describe('feedsEngine', () => {
  it('feeds incoming messages (history with its flag) and our live ones (the background tells echoes), not our history', () => {
    expect(feedsEngine(seen(data))).toBe(true);
    expect(feedsEngine(seen(data, { history: true }))).toBe(true);
    expect(feedsEngine(seen(data, { mine: true }))).toBe(true);
    expect(feedsEngine(seen(data, { mine: true, history: true }))).toBe(false);
  });
});

describe('earlierDecoration (history, replays, our messages from elsewhere)', () => {
  it('gives a data message or a last piece a reader under its own id', () => {
    expect(earlierDecoration(seen(data, { history: true }))).toEqual({ kind: 'reader', messageId: messageIdOf(data) });
    const last = pieces[pieces.length - 1]!;
    expect(earlierDecoration(seen(last, { history: true }))).toEqual({ kind: 'reader', messageId: messageIdOf(last) });
  });
  it('gives protocol traffic a status line', () => {
    expect(earlierDecoration(seen('?OTRv23?', { mine: true }))).toEqual({ kind: 'status', text: 'You asked for a private conversation', tone: 'info' });
    expect(earlierDecoration(seen(pieces[0]!))).toEqual({ kind: 'status', text: `Encrypted message, part 1 of ${pieces.length}`, tone: 'info' });
  });
});

describe('replyDecoration (after the background answered)', () => {
  const m = seen(data);
  it('encrypted -> reader for the id the background names', () => {
    expect(replyDecoration(m, { display: 'encrypted', messageId: 'abc' })).toEqual({ kind: 'reader', messageId: 'abc' });
  });
  it('error -> a warning line; hidden -> the status of its kind; plain -> the page shows it', () => {
    expect(replyDecoration(m, { display: 'error', messageId: 'x' })).toMatchObject({ kind: 'status', tone: 'warn' });
    expect(replyDecoration(seen('?OTR:AAMC.'), { display: 'hidden', messageId: 'x' })).toEqual({ kind: 'status', text: 'Private conversation handshake', tone: 'info' });
    expect(replyDecoration(m, { display: 'plain', messageId: 'x' })).toBeNull();
  });
  it('duplicate or earlier -> shown as history; locked, expired, replayed -> a status line', () => {
    expect(replyDecoration(m, { display: 'duplicate', messageId: 'x' })).toEqual(earlierDecoration(m));
    expect(replyDecoration(m, { display: 'earlier', messageId: 'x' })).toEqual(earlierDecoration(m));
    expect(replyDecoration(m, { display: 'locked', messageId: 'x' })).toEqual({ kind: 'status', text: en('status_locked'), tone: 'info' });
    for (const display of ['expired', 'replayed'] as const) expect(replyDecoration(m, { display, messageId: 'x' })).toMatchObject({ kind: 'status' });
  });
  it('gone (earlier, nothing kept) -> "encrypted earlier" as a status line, not a frame', () => {
    expect(replyDecoration(m, { display: 'gone', messageId: 'x' })).toEqual({ kind: 'status', text: en('reader_unavailable'), tone: 'info' });
    expect(en('reader_unavailable')).toMatch(/^Encrypted earlier/);
  });
});

describe('readerOnArrival', () => {
  it('places a frame before the answer only for incoming data messages and last pieces, while private: live at once, history on screen', () => {
    expect(readerOnArrival(seen(data), false)).toBe(null);
    expect(readerOnArrival(seen(data), true)).toBe('now');
    expect(readerOnArrival(seen(pieces[pieces.length - 1]!), true)).toBe('now');
    expect(readerOnArrival(seen(pieces[0]!), true)).toBe(null);
    expect(readerOnArrival(seen(data, { mine: true }), true)).toBe(null);
    expect(readerOnArrival(seen(data, { history: true }), true)).toBe('on-screen');
    expect(readerOnArrival(seen(data, { history: true }), false)).toBe(null);
    expect(readerOnArrival(seen('?OTRv3?'), true)).toBe(null);
  });
});

describe('pieceGroup (one row per message)', () => {
  it('groups the pieces of one message, the last one closing the group', () => {
    const groups = pieces.map((p) => pieceGroup(seen(p)));
    expect(new Set(groups.map((g) => g!.key)).size).toBe(1);
    expect(groups.map((g) => g!.last)).toEqual(pieces.map((_, i) => i === pieces.length - 1));
    expect(pieceGroup(seen(data))).toBeNull();
    expect(pieceGroup(seen(pieces[0]!, { mine: true }))!.key).not.toBe(groups[0]!.key);
  });
  it('once all pieces are in, the status speaks for the whole message', () => {
    const commit = `?OTR:${Buffer.from([0, 3, 2, ...new Array(120).fill(7)]).toString('base64')}.`;
    const parts = fragmentMessage(commit, 60, 3, 0x100, 0x200);
    expect(parts.length).toBeGreaterThan(1);
    expect(wholeMessageStatus(parts, false)).toBe('Private conversation handshake');
    expect(wholeMessageStatus(pieces, false)).toBe(statusText(classify(data.repeat(4)), false));
    expect(wholeMessageStatus([data], false)).toBeNull();
  });
  it('says "part k of n" only for pieces', () => {
    expect(statusText(classify(pieces[1]!), false)).toBe(`Encrypted message, part 2 of ${pieces.length}`);
  });
});
