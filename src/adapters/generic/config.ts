/**
 * Per-site choices of the generic adapter's element picker, kept in storage.local. Only CSS
 * selectors are stored, never message text: storage.local is readable by content scripts.
 */
import browser from 'webextension-polyfill';
import type { InsertTechnique } from '../core/types';
import { genericConfigKey } from '../../messaging/picker';
import { isDeepSelector } from './deep';

export interface GenericConfig {
  composer: string;
  messageList: string;
  /** One element per message inside the list; empty means "each child of the list". */
  message: string;
  /** Empty means "press Enter in the composer". */
  sendButton: string;
  /** How to insert into this composer; absent means "recognise the editor family" (adapter.ts). */
  technique?: InsertTechnique;
}

const TECHNIQUES: readonly InsertTechnique[] = ['value-setter', 'exec-command', 'before-input', 'paste'];

const MAX_SELECTOR = 1000;
const storageKey = genericConfigKey;

function validSelector(value: unknown, allowEmpty: boolean): value is string {
  if (typeof value !== 'string' || value.length > MAX_SELECTOR) return false;
  if (value === '') return allowEmpty;
  return isDeepSelector(value);
}

/** The stored config, or null when there is none or it does not look like one of ours. */
export function parseGenericConfig(value: unknown): GenericConfig | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!validSelector(v.composer, false) || !validSelector(v.messageList, false)) return null;
  if (!validSelector(v.message ?? '', true) || !validSelector(v.sendButton ?? '', true)) return null;
  if (v.technique !== undefined && !TECHNIQUES.includes(v.technique as InsertTechnique)) return null;
  const config: GenericConfig = {
    composer: v.composer,
    messageList: v.messageList,
    message: (v.message as string | undefined) ?? '',
    sendButton: (v.sendButton as string | undefined) ?? '',
  };
  if (v.technique !== undefined) config.technique = v.technique as InsertTechnique;
  return config;
}

export async function loadGenericConfig(origin: string): Promise<GenericConfig | null> {
  const key = storageKey(origin);
  const got = await browser.storage.local.get(key);
  return parseGenericConfig(got[key]);
}

export async function saveGenericConfig(origin: string, config: GenericConfig): Promise<void> {
  const clean = parseGenericConfig(config);
  if (!clean) throw new TypeError('saveGenericConfig: config holds an invalid selector');
  await browser.storage.local.set({ [storageKey(origin)]: clean });
}

export async function forgetGenericConfig(origin: string): Promise<void> {
  await browser.storage.local.remove(storageKey(origin));
}
