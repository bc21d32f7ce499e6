/**
 * The one message the background sends a tab's content script (tabs.sendMessage, top frame):
 * "let the user pick this page's composer and message list", and the storage key the picks
 * are kept under (the content script writes it, the background reads and drops it). Free of
 * imports so the background and the content script share it without each other's code.
 */
export const PICKER_REQUEST = 'offrecord:pick-elements';

export interface PickerRequest {
  type: typeof PICKER_REQUEST;
}

/** started: the prompt is on the page (the user picks after the popup has closed). */
export interface PickerReply {
  started: boolean;
}

export function isPickerRequest(message: unknown): message is PickerRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === PICKER_REQUEST && Object.keys(message).length === 1;
}

const GENERIC_CONFIG_PREFIX = 'generic-adapter:';

/** storage.local key of an origin's picked selectors. */
export function genericConfigKey(origin: string): string {
  return GENERIC_CONFIG_PREFIX + origin;
}
