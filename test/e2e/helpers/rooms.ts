/** Reading a private room's state, a page's whole text and its readers, for the rooms end-to-end tests. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RoomSummary } from '../../../src/messaging/types';
import { readerTexts, scrollDown } from '../overlay-kit';

/**
 * The room in `channel` as this profile's background reports it to its popup (`popup` being a
 * popup page opened for the chat tab: its ?tab= names the tab).
 */
export async function roomIn(popup: Page, channel: string): Promise<RoomSummary | undefined> {
  const tabId = Number(new URL(popup.url()).searchParams.get('tab'));
  return popup.evaluate(async ([tabId, channel]) => {
    const api = (globalThis as unknown as { chrome: { runtime: { sendMessage(x: unknown): Promise<unknown> } } }).chrome;
    const r = (await api.runtime.sendMessage({ kind: 'conversations.list', payload: { tabId } })) as { ok: boolean; value?: Array<{ peer: string; room?: unknown }> };
    return r.value?.find((c) => c.peer === channel)?.room;
  }, [tabId, channel] as const) as Promise<RoomSummary | undefined>;
}

export const roomMember = (room: RoomSummary | undefined, name: string) => room?.members.find((x) => x.name === name);

/** Text anywhere in the page and in every frame it holds (reader frames included). */
export async function everyText(page: Page): Promise<string> {
  const parts: string[] = [];
  for (const f of page.frames()) parts.push(await f.evaluate(() => document.documentElement.textContent ?? '').catch(() => ''));
  return parts.join('\n');
}

/**
 * Every text shows in one of the page's reader frames (`list` being the site's message list,
 * scrolled down so new readers load). On a miss, names the page's last rows and frames.
 */
export async function readsAll(page: Page, list: string, texts: string[], who: string): Promise<void> {
  let missing: string[] = texts;
  await expect
    .poll(
      async () => {
        await scrollDown(page, list);
        const shown = new Set(await readerTexts(page));
        missing = texts.filter((t) => !shown.has(t));
        return missing.length;
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe(0)
    .catch(async (e: unknown) => {
      const rows = await page.locator(`${list} > *`).evaluateAll((els) => els.slice(-14).map((x) => `${x.querySelector('[data-offrecord]')?.getAttribute('data-offrecord') ?? '-'} ${(x.textContent ?? '').replace(/\s+/g, ' ').slice(0, 70)}`));
      const frames = await Promise.all(page.frames().filter((f) => f.url().includes('/reader.html')).map((f) => f.evaluate(() => `${document.body.dataset.status}:${(document.body.textContent ?? '').slice(0, 30)}`).catch((x: Error) => x.message.slice(0, 40))));
      throw new Error(`${who}: no reader shows ${JSON.stringify(missing.slice(0, 4))} (${missing.length} missing); last rows ${JSON.stringify(rows)}; frames ${frames.length} ${JSON.stringify(frames.slice(-10))}`, { cause: e });
    });
}
