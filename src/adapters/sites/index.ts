/**
 * Every site adapter, in the order the content script tries them (origin matches first, then
 * detect()). The Lounge and Converse.js adapters (another engineer's) are appended below.
 */
import type { SiteAdapter } from '../core/types';
import { whatsapp } from './whatsapp';
import { telegramK } from './telegram-k';
import { telegramA } from './telegram-a';
import { messenger } from './messenger';
import { slack } from './slack';
import { discord } from './discord';
import { googleChat } from './google-chat';
import { gmail } from './gmail';
import { outlook } from './outlook';
import { element } from './element';
import { mattermost } from './mattermost';
import { rocketchat } from './rocketchat';
import { zulip } from './zulip';

export const siteAdapters: SiteAdapter[] = [
  whatsapp,
  telegramK,
  telegramA,
  messenger,
  slack,
  discord,
  googleChat,
  gmail,
  outlook,
  element,
  mattermost,
  rocketchat,
  zulip,
  // thelounge, converse: appended by their owner.
];
