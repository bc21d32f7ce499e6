/** One handler per request kind (schema.ts), each a thin call into a store or the sessions. */
import { formatFingerprints, formatInstanceTags, formatPrivateKeys, parseFingerprints, parseInstanceTags, parsePrivateKeys } from '../otr/libotr-files';
import { isOtrError } from '../otr/errors';
import { fromHex, toHex } from '../otr/bytes';
import type { ConversationView, Trust } from '../messaging/types';
import { messageIdOf } from '../messaging/message-id';
import { contentView } from './content-view';
import { resolvePolicy, type ConfigStore } from './config-store';
import { StoreError, storeFail } from './errors';
import type { KeyStore } from './key-store';
import { pickerHandlers } from './picker';
import type { From, Handlers } from './router';
import type { SessionManager } from './session-manager';
import type { FrameTokens } from './tokens';
import type { TrustStore } from './trust-store';
import type { FrameRole } from '../messaging/frames';
import type { RoomManager } from './rooms/room-manager';
import { roomHandlers } from './rooms/room-handlers';
import { openPopupOver } from './open-popup';

export interface Services {
  keys: KeyStore;
  trust: TrustStore;
  config: ConfigStore;
  sessions: SessionManager;
  tokens: FrameTokens;
  /** After sites are added or removed: the content script follows (content-scripts.ts). */
  sitesChanged?: () => void;
  /** Private group rooms (issue 13). */
  rooms?: RoomManager;
  /** A new security mark was drawn: frames claimed from now on get it. */
  markChanged?: () => void;
}

/** Reader tokens sent with one history batch at most: more than a screenful of rows. */
const HISTORY_READER_TOKENS = 64;

/** libotr's trust strings: "smp" from SMP, "verified" set by hand, "" none. */
const toLibotrTrust = (t: Trust) => (t === 'smp' ? 'smp' : t === 'manual' ? 'verified' : '');
const fromLibotrTrust = (s: string): Trust => (s === 'smp' ? 'smp' : s === '' ? 'unverified' : 'manual');

function parsing<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isOtrError(e)) throw new StoreError('invalid', `${what}: ${e.message}`);
    throw e;
  }
}

/** A view as the asking context may see it: content scripts never get the SMP question. */
const forContext = (view: ConversationView, from: From) => (from.context === 'content' ? contentView(view) : view);

export function createHandlers(s: Services): Handlers {
  /** Content requests name only conversations their own tab and frame registered (item 5). */
  const own = (conversationId: string, from: From) => {
    if (from.context === 'content') s.sessions.assertRegisteredBy(conversationId, { tabId: from.tabId!, frameId: from.frameId! });
  };
  /**
   * A frame's own requests (outside its port) name only the conversation its token granted that
   * frame, while its page is claimed (tokens.ts frameGrant), as its port's actions do.
   */
  const grantedTo = (conversationId: string, from: From, role: FrameRole) => {
    const grant = s.tokens.frameGrant(from.tabId, from.frameId);
    if (!grant || grant.role !== role || grant.conversationId !== conversationId)
      storeFail('invalid', 'this frame was not granted that conversation');
  };
  /** Every live conversation takes the policy of its origin's site rows again. */
  const policiesChanged = async () => {
    const sites = await s.config.sites();
    await s.sessions.updatePolicies((origin, adapterId) => resolvePolicy(sites, origin, adapterId));
  };
  return {
    'identity.status': async () => s.keys.status(),
    'identity.unlock': ({ passphrase }) => s.keys.unlock(passphrase),
    'identity.lock': () => s.keys.lock(),
    'identity.setPassphrase': ({ current, next }) => s.keys.setPassphrase(current, next),

    'keys.list': () => s.keys.listKeys(),
    'keys.accounts': () => s.keys.listAccounts(),
    'keys.generateForAccount': async ({ site, account }) => {
      await s.keys.noteAccount(site, account);
      return s.keys.generateForAccount(site, account);
    },
    'keys.useIdentityForAccount': ({ site, account }) => s.keys.useIdentityForAccount(site, account),
    'keys.makeIdentity': ({ keyId }) => s.keys.makeIdentity(keyId),
    'keys.replaceIdentity': () => s.keys.replaceIdentity(),
    'libotr.export': async () => ({
      privateKeys: formatPrivateKeys(await s.keys.exportPrivateKeys()),
      fingerprints: formatFingerprints(
        (await s.trust.entries()).map((e) => ({ username: e.peer, account: e.account, protocol: e.site, fingerprint: fromHex(e.fingerprint), trust: toLibotrTrust(e.trust) })),
      ),
      instanceTags: formatInstanceTags(await s.keys.exportInstanceTags()),
    }),
    'libotr.import': async ({ privateKeys, fingerprints, instanceTags }) => {
      // Parse all three first, so a bad file imports nothing.
      const keyEntries = privateKeys ? parsing('otr.private_key', () => parsePrivateKeys(privateKeys)) : [];
      const fpEntries = fingerprints ? parsing('otr.fingerprints', () => parseFingerprints(fingerprints)) : [];
      const tagEntries = instanceTags ? parsing('otr.instance_tags', () => parseInstanceTags(instanceTags)) : [];
      const keys = await s.keys.importPrivateKeys(keyEntries);
      const peers = await s.trust.importEntries(
        fpEntries.map((e) => ({ site: e.protocol, account: e.account, peer: e.username, fingerprint: toHex(e.fingerprint), trust: fromLibotrTrust(e.trust) })),
      );
      return { keys, peers, instanceTags: await s.keys.importInstanceTags(tagEntries) };
    },

    'peers.list': () => s.trust.list(),
    'peers.setTrust': async ({ fingerprint, trust }) => {
      const view = await s.trust.setTrust(fingerprint, trust);
      await s.sessions.trustChanged(fingerprint);
      return view;
    },
    'peers.forget': async ({ fingerprint }) => {
      await s.trust.forget(fingerprint);
      await s.sessions.trustChanged(fingerprint);
      return null;
    },
    'peers.acknowledgeChange': async ({ site, account, peer, fingerprint }) => {
      const view = await s.trust.acknowledgeChange(site, account, peer, fingerprint);
      await s.sessions.clearChange(site, account, peer);
      return view;
    },

    'conversations.list': ({ tabId }) => s.sessions.listForTab(tabId),
    'conversations.problems': async () => s.sessions.life.problems,
    'conversation.cancelQueued': async ({ conversationId, queuedId }, from) => {
      if (from.context === 'compose-frame') grantedTo(conversationId, from, 'compose');
      return s.sessions.cancelQueued(conversationId, queuedId, from.context === 'compose-frame' ? from.tabId : undefined);
    },
    'conversation.start': async ({ conversationId }, from) => {
      own(conversationId, from);
      return forContext(await s.sessions.start(conversationId), from);
    },
    'conversation.end': async ({ conversationId }, from) => {
      own(conversationId, from);
      return forContext(await s.sessions.end(conversationId), from);
    },
    'smp.start': ({ conversationId, secret, question }) => s.sessions.smpStart(conversationId, secret, question),
    'smp.answer': ({ conversationId, secret }) => s.sessions.smpAnswer(conversationId, secret),
    'smp.abort': ({ conversationId }) => s.sessions.smpAbort(conversationId),
    'file.announce': async ({ conversationId, useData }, from) => {
      grantedTo(conversationId, from, 'attach');
      return s.sessions.announceFile(conversationId, useData);
    },
    'conversation.verifyManual': ({ conversationId }) => s.sessions.verifyManual(conversationId),

    'sites.list': () => s.config.sites(),
    'sites.add': async (input) => {
      const site = await s.config.addSite(input);
      s.sitesChanged?.();
      await policiesChanged();
      return site;
    },
    'sites.update': async ({ id, ...change }) => {
      const site = await s.config.updateSite(id, change);
      await policiesChanged();
      return site;
    },
    'sites.remove': async ({ id }) => {
      await s.config.removeSite(id);
      s.sitesChanged?.();
      await policiesChanged();
      return null;
    },
    'settings.get': () => s.config.settings(),
    'security.mark': () => s.config.securityMark(),
    'security.newMark': async () => {
      const mark = await s.config.newSecurityMark();
      s.markChanged?.();
      return mark;
    },
    'settings.set': async (change) => {
      const settings = await s.config.setSettings(change);
      s.sessions.retention = settings.historyRetention;
      s.sessions.life.idleDays = settings.idleDays;
      if (change.idleDays !== undefined) await s.sessions.life.sweep();
      s.trust.contactLog = settings.contactLog;
      if (change.contactLog === false) await s.trust.forgetTimes();
      return settings;
    },

    'content.register': async ({ site, account, peer, title, fragmentSize, kind }, from) => {
      // Policy from the origin the browser says sent this, not from the adapter id it names.
      const origin = from.origin!;
      const { policy, fragmentSize: siteFragmentSize } = await s.config.policyFor(origin, site);
      await s.keys.noteAccount(site, account);
      const input = {
        origin, site, account, peer, policy, fragmentSize: siteFragmentSize,
        ...(fragmentSize === undefined ? {} : { adapterLimit: fragmentSize }),
        ...(kind === undefined ? {} : { kind }),
      };
      return contentView(await s.sessions.register(title === undefined ? input : { ...input, title }, { tabId: from.tabId!, frameId: from.frameId! }));
    },
    'content.incoming': async ({ conversationId, text, history, mine, reader, mail }, from) => {
      own(conversationId, from);
      s.sessions.life.tabKnows(conversationId, { tabId: from.tabId!, frameId: from.frameId! });
      // Bound first: the warm frame gets the plaintext the moment it is kept, no round trip.
      if (reader) s.tokens.bind(reader, from.tabId, from.frameId, conversationId, messageIdOf(text));
      return s.sessions.receive(conversationId, text, history ?? false, mine ?? false, mail ?? false);
    },
    'content.history': async ({ conversationId, texts }, from) => {
      own(conversationId, from);
      s.sessions.life.tabKnows(conversationId, { tabId: from.tabId!, frameId: from.frameId! });
      const results = await s.sessions.receiveHistory(conversationId, texts);
      // Each readable message's reader token comes with it: the frames of a screenful of history
      // are placed at once, with no token round trip each (a round trip per row that came on
      // screen as the rows below shrank made them come a few at a time).
      // Only the newest HISTORY_READER_TOKENS of a batch (a chat opens at its newest message), so
      // a long history does not crowd the token table (tokens.ts MAX_LIVE); others ask when seen.
      const grant = { tabId: from.tabId!, frameId: from.frameId!, conversationId, role: 'reader' as const };
      let left = HISTORY_READER_TOKENS;
      for (let i = results.length - 1; i >= 0 && left > 0; i--) {
        const r = results[i]!;
        if (!('display' in r) || r.display !== 'encrypted') continue;
        results[i] = { ...r, readerToken: s.tokens.issue({ ...grant, messageId: r.messageId }) };
        left--;
      }
      return { results };
    },
    'content.frameToken': async ({ conversationId, role, messageId, pending }, from) => {
      own(conversationId, from);
      s.sessions.life.tabKnows(conversationId, { tabId: from.tabId!, frameId: from.frameId! });
      if (role === 'reader' && !messageId && !pending) storeFail('invalid', 'a reader frame needs a message id (or to be a spare)');
      const grant = { tabId: from.tabId!, frameId: from.frameId!, conversationId, role, ...(pending ? { pending } : {}) };
      return { token: s.tokens.issue(messageId ? { ...grant, messageId } : grant) };
    },
    'content.openPopup': async ({ conversationId }, from) => {
      own(conversationId, from);
      return { opened: await openPopupOver(from.tabId!) };
    },
    'content.frameClaim': async ({ token, nonce }, from) => ({ claimed: await s.tokens.claim(token, nonce, from.tabId, from.frameId) }),
    ...pickerHandlers(),
    ...roomHandlers(s),
  };
}
