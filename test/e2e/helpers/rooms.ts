/** Reading a private room's state and a page's whole text, for the rooms end-to-end tests. */
import type { Page } from 'playwright-core';
import type { RoomSummary } from '../../../src/messaging/types';

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
