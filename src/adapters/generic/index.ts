/** The generic adapter: stored picks for this origin, or a picker run to make them. */
import { createGenericAdapter, type GenericAdapter } from './adapter';
import { loadGenericConfig, saveGenericConfig } from './config';
import { pickGenericConfig, type PickerPrompts } from './picker';

export { createGenericAdapter, type GenericAdapter } from './adapter';
export { loadGenericConfig, saveGenericConfig, forgetGenericConfig, parseGenericConfig, type GenericConfig } from './config';
export { pickElement, pickGenericConfig, selectorFor, composerFrom, listFrom, sendButtonNear, type PickerPrompts } from './picker';
export { queryDeep, DEEP } from './deep';
export { listenForPickerRequests } from './listen';

/** The adapter for this page from earlier picks, or null if the user never set this site up. */
export async function storedGenericAdapter(doc: Document): Promise<GenericAdapter | null> {
  const config = await loadGenericConfig(new URL(doc.URL).origin);
  return config ? createGenericAdapter(config) : null;
}

/** Runs the picker and stores the result for this origin. */
export async function setUpGenericAdapter(doc: Document, prompts?: PickerPrompts): Promise<GenericAdapter | null> {
  const config = await pickGenericConfig(doc, prompts);
  if (!config) return null;
  await saveGenericConfig(new URL(doc.URL).origin, config);
  return createGenericAdapter(config);
}
