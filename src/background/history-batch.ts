/**
 * History in batches (issue 11: a long history reads fast after a restart). A page opened on a
 * persisted conversation may show hundreds of `?OTR:` messages from while the browser was
 * closed. Fed one request each, every message paid a round trip and its own IndexedDB write
 * before it could show. A batch (content.history, at most HISTORY_BATCH_MAX) is fed to the
 * engine in page order on the conversation's chain, and the whole batch is written once
 * (engine state, processed-message markers, queued texts); only then are its plaintexts kept
 * for readers and its replies handed back. A crash before that write leaves the state before
 * the batch on disk and nothing shown, so the reloaded page feeds the same batch again from
 * there: each message still reaches the engine exactly once.
 */
import { MAX_TEXT, SchemaError, str } from '../messaging/check';
import type { HistoryEntryResult, IncomingResult } from '../messaging/types';
import type { Durability } from './conversation-store';
import { isStoreError } from './errors';

const TEXT = str(MAX_TEXT, 1);

/** An entry's text, or the typed error its position gets (the other entries go on). */
function historyText(entry: unknown, index: number): string | HistoryEntryResult {
  try {
    return TEXT(entry, `payload.texts[${index}]`);
  } catch (e) {
    if (e instanceof SchemaError) return { error: { code: 'schema', message: e.message } };
    throw e;
  }
}

/** The typed error of an entry whose step failed (rolled back; the batch goes on without it). */
function entryError(e: unknown): HistoryEntryResult {
  if (isStoreError(e)) return { error: { code: e.code, message: e.message } };
  return { error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
}

/**
 * What a batch's steps leave for after its one write: whether anything changed, how durable
 * the write must be (strict as soon as one step sends something), and the work that may only
 * follow the write (plaintext for readers, our queued texts shown, hand-overs to rooms).
 */
export class HistoryCommit {
  dirty = false;
  durability: Durability = 'relaxed';
  private after: Array<() => Promise<void>> = [];

  /** A step changed the conversation; `then` runs once the batch is written. */
  add(durability: Durability, then?: () => Promise<void>): void {
    this.dirty = true;
    if (durability === 'strict') this.durability = 'strict';
    if (then) this.after.push(then);
  }

  /** Where the work of the step about to run starts, to drop it if that step is rolled back. */
  mark(): number {
    return this.after.length;
  }

  dropAfter(mark: number): void {
    this.after.length = mark;
  }

  /** After the write, in page order. */
  async run(): Promise<void> {
    for (const fn of this.after.splice(0)) await fn();
  }
}

/** How a batch reaches one conversation (the session manager, on that conversation's chain). */
export interface BatchSteps {
  /** receive's rules for one history text; its write is left to the batch's commit. */
  feed(text: string): Promise<IncomingResult>;
  /** Takes the conversation as it is; the returned function puts it back so. */
  checkpoint(): () => void;
  save(durability: Durability): Promise<void>;
}

/**
 * Feeds each text in order and writes once. An entry that is not a text, or whose step fails, is
 * put back as it was and gets its typed error at its position; the entries after it go on, as
 * the next message did when each had its own request. A failed write throws: the caller undoes
 * the whole batch (nothing was shown; the page may send it again).
 */
export async function feedBatch(texts: unknown[], commit: HistoryCommit, steps: BatchSteps): Promise<HistoryEntryResult[]> {
  const out: HistoryEntryResult[] = [];
  for (const [i, entry] of texts.entries()) {
    const text = historyText(entry, i);
    if (typeof text !== 'string') {
      out.push(text);
      continue;
    }
    const undo = steps.checkpoint();
    const mark = commit.mark();
    try {
      out.push(await steps.feed(text));
    } catch (e) {
      undo();
      commit.dropAfter(mark);
      out.push(entryError(e));
    }
  }
  if (commit.dirty) await steps.save(commit.durability);
  return out;
}
