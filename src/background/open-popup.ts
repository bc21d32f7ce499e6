/**
 * The changed-key warning's "Check it" (issue 17): the popup opens over the tab, where the new
 * fingerprint can be compared and accepted. Only the content script that registered the
 * conversation asks, on a trusted click in its lock. Where the browser will not open the popup
 * from here (Firefox opens it only inside a user action the background itself handles), the
 * popup page opens in a tab of its own, naming the tab it is about (`?tab=`).
 */
import browser from 'webextension-polyfill';

interface OpensPopup {
  openPopup(): Promise<void>;
}

export async function openPopupOver(tabId: number): Promise<'popup' | 'page'> {
  const api = browser as unknown as { action?: OpensPopup; browserAction?: OpensPopup };
  const action = api.action ?? api.browserAction;
  try {
    if (action && typeof action.openPopup === 'function') {
      await action.openPopup();
      return 'popup';
    }
  } catch {
    // Not allowed here: the page instead.
  }
  await browser.tabs.create({ url: browser.runtime.getURL(`/popup.html?tab=${tabId}` as '/popup.html'), openerTabId: tabId });
  return 'page';
}
