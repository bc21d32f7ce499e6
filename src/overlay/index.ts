/**
 * The content script's whole job (DESIGN.md §1): find which adapter fits this page (a site
 * adapter, or the generic one the user set up with the picker), watch its message list, follow
 * the conversation the page shows (single-page apps switch without reloading) and run one
 * ConversationController for it. One content port per frame carries the background's pushes.
 */
import { Canary } from '../adapters/core/canary';
import { waitForAdapter } from '../adapters/core/registry';
import type { ConversationRef, SiteAdapter } from '../adapters/core/types';
import { MessageWatcher, type WatchedMessage } from '../adapters/core/watcher';
import { listenForPickerRequests, storedGenericAdapter, type GenericAdapter } from '../adapters/generic/index';
import { subscribe } from '../messaging/client';
import { CONTENT_PORT } from '../messaging/ports';
import { ConversationController, sameConversation as sameRef, type ConversationMemory } from './controller';

/**
 * The adapter for this page. The content script only runs where OffRecord may: loopback, the
 * fixed-address sites, and origins the user granted (registered by the background), so the page's
 * own origin is allowed for detection. A generic setup the user made for this origin wins: it
 * was an explicit choice.
 */
export async function adapterFor(doc: Document): Promise<SiteAdapter | null> {
  const generic = await storedGenericAdapter(doc).catch(() => null);
  if (generic) return generic;
  const origin = new URL(doc.URL).origin;
  return waitForAdapter(doc, { allowedOrigins: [origin], timeoutMs: 60_000 });
}

export function startOverlay(doc: Document = document): () => void {
  let stopped = false;
  let teardown = () => {};
  void adapterFor(doc).then((adapter) => {
    if (adapter && !stopped) teardown = runOverlay(doc, adapter);
  });
  // "Set up OffRecord on this page" (popup): the picker's result replaces whatever ran here.
  const stopPicker = listenForPickerRequests(doc, (generic) => {
    if (stopped) return;
    teardown();
    teardown = runOverlay(doc, generic);
  });
  return () => {
    stopped = true;
    stopPicker();
    teardown();
  };
}

/** Runs the overlay with a known adapter; returns its teardown. */
export function runOverlay(doc: Document, adapter: SiteAdapter): () => void {
  const win = doc.defaultView!;
  let current: ConversationController | null = null;
  const memories = new Map<string, ConversationMemory>();
  const canary = new Canary(adapter, doc, { graceMs: 5000 });
  // Armed once the adapter has recognised any part: a login screen is not a broken adapter.
  let armed = false;

  // Texts for a conversation the page does not show now (a private room's records go over each
  // member's pairwise conversation): they wait until it is shown, as the site needs it open to
  // send there. Bounded: a few conversations, a few batches each.
  const held = new Map<string, string[][]>();
  const hold = (id: string, texts: string[], first = false) => {
    const before = held.get(id) ?? [];
    held.set(id, (first ? [texts, ...before] : [...before, texts]).slice(-32));
    for (const old of [...held.keys()].slice(0, Math.max(0, held.size - 16))) held.delete(old);
  };
  const flush = (c: ConversationController) => {
    const id = c.conversationId;
    const batches = id === undefined ? undefined : held.get(id);
    if (id === undefined || !batches) return;
    held.delete(id);
    for (const texts of batches) c.onPush({ type: 'send', conversationId: id, texts });
  };
  const unsubscribe = subscribe(
    CONTENT_PORT,
    (push) => {
      const id = 'conversationId' in push ? push.conversationId : push.view.id;
      if (current && current.conversationId === id) current.onPush(push);
      else if (push.type === 'send') hold(id, push.texts);
    },
    () => void current?.register().catch(() => undefined),
  );

  const follow = () => {
    const ref = adapter.conversation(doc);
    const composer = adapter.composer(doc);
    armed ||= !!(ref || composer || adapter.messageList(doc));
    if (armed) canary.check();
    if (current && ref && sameRef(ref, current.ref)) return;
    if (current && !ref && composer) return; // a re-render in progress
    // What the last conversation had not sent yet waits, ahead of anything newer, for its return.
    const left = current?.stop() ?? [];
    const leftId = current?.conversationId;
    if (leftId !== undefined && left.length > 0) hold(leftId, left, true);
    current = null;
    // Webmail's mail view has no composer: the conversation is read there, answered in a reply.
    if (!ref || (!composer && !adapter.mail?.bodies(doc).length)) return;
    const key = `${ref.account}\u0000${ref.peerId}`;
    const memory = memories.get(key) ?? { decorations: new Map() };
    memories.set(key, memory);
    const c = new ConversationController(doc, adapter, ref, memory, {
      sent: (text) => (adapter as Partial<GenericAdapter>).markSent?.(text),
      // The page switched before we followed (we poll): the click is for what it shows now.
      elsewhere: (action) => {
        follow();
        if (current && current !== c) current.act(action);
      },
    });
    current = c;
    c.start().then(() => current === c && flush(c), (e: unknown) => {
      console.warn('OffRecord:', e);
      if (current === c) {
        c.stop();
        current = null;
      }
    });
  };

  // Following the conversation costs a few selector lookups: once per scan that found something.
  let followed = false;
  const forThisConversation = (m: WatchedMessage): ConversationController | null => {
    if (!followed) follow();
    followed = true;
    return current && m.conversation && sameRef(m.conversation, current.ref) ? current : null;
  };
  const watcher = new MessageWatcher(adapter, doc, {
    onMessage: (m) => forThisConversation(m)?.handle(m),
    onRerender: (m) => forThisConversation(m)?.rerender(m),
    // A switch shows up as a DOM change: follow it in the same batch, not at the next poll, so
    // the last conversation's private box never lies over the next one's (Enter there would
    // send to the last peer, and the box replaced mid-word would lose what was typed).
    onScan: () => {
      if (!followed) follow();
      followed = false;
    },
  });

  // Conversation switches show up as DOM changes or history navigation; a slow poll is the
  // cheap catch-all (adapter.conversation() is a few selector lookups).
  const timer = win.setInterval(follow, 400);
  win.addEventListener('hashchange', follow);
  win.addEventListener('popstate', follow);
  follow();
  watcher.start();
  return () => {
    win.clearInterval(timer);
    win.removeEventListener('hashchange', follow);
    win.removeEventListener('popstate', follow);
    watcher.stop();
    canary.dispose();
    current?.stop();
    unsubscribe();
  };
}
