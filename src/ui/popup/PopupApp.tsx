import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { PushEvent } from '../../messaging/ports';
import { acknowledgePeer, activeTabId, loadPopup, onPush, openFirstContact, openOptions, request, restartOffRecord, setTrust } from '../backend';
import { uiError } from '../components/ErrorBanner';
import { PopupView, type PopupActions, type PopupData } from './PopupView';

const EMPTY: PopupData = { identity: null, keys: [], accounts: [], peers: [], conversations: [] };

/** The popup wired to the background: loads on open, follows pushed events. */
export function PopupApp() {
  const [data, setData] = useState<PopupData>(EMPTY);
  const tabId = useRef<number | undefined>(undefined);

  const reload = useCallback(async () => {
    try {
      const next = await loadPopup(tabId.current);
      setData({ ...next });
    } catch (err) {
      setData((d) => ({ ...d, error: uiError(err) }));
    }
  }, []);

  useEffect(() => {
    let stop = () => {};
    void activeTabId()
      .catch(() => undefined)
      .then((id) => {
        tabId.current = id;
        stop = onPush(
          (event) => apply(event),
          () => void reload(),
        );
      });
    const apply = (event: PushEvent) => {
      if (event.type === 'identity') {
        if (event.status.state === 'ready') void reload();
        else setData((d) => ({ ...d, identity: event.status }));
      } else if (event.type === 'conversation') {
        setData((d) => ({ ...d, conversations: d.conversations.map((c) => (c.id === event.view.id ? event.view : c)) }));
      } else if (event.type === 'smp') {
        setData((d) => ({
          ...d,
          conversations: d.conversations.map((c) => (c.id === event.conversationId ? { ...c, smp: event.smp } : c)),
        }));
      } else if (event.type === 'peers') {
        setData((d) => ({ ...d, peers: event.peers }));
      } else if (event.type === 'fingerprint-changed') {
        void reload();
      }
    };
    return () => stop();
  }, [reload]);

  // While the first key is made, ask again now and then in case a push is missed.
  const generating = data.identity?.state === 'generating';
  useEffect(() => {
    if (!generating) return;
    const timer = setInterval(() => void reload(), 1000);
    return () => clearInterval(timer);
  }, [generating, reload]);

  const run = (work: () => Promise<unknown>) => {
    work().then(
      () => reload(),
      (err) => setData((d) => ({ ...d, error: uiError(err) })),
    );
  };

  const actions: PopupActions = {
    unlock: async (passphrase) => {
      const identity = await request('identity.unlock', { passphrase });
      setData((d) => ({ ...d, identity, error: undefined }));
      await reload();
    },
    openOptions,
    openFirstContact,
    restart: restartOffRecord,
    setUpPage: () => {
      if (tabId.current === undefined) return Promise.resolve();
      return request('picker.start', { tabId: tabId.current }).then(
        () => setData((d) => ({ ...d, error: undefined })),
        (err: unknown) => setData((d) => ({ ...d, error: uiError(err) })),
      );
    },
    forgetPage: () => {
      if (tabId.current === undefined) return Promise.resolve();
      const id = tabId.current;
      return request('picker.forget', { tabId: id }).then(
        () => reload(),
        (err: unknown) => setData((d) => ({ ...d, error: uiError(err) })),
      );
    },
    start: (id) => run(() => request('conversation.start', { conversationId: id })),
    room: {
      invite: (id, member) => run(() => request('room.invite', { conversationId: id, member })),
      remove: (id, member) => run(() => request('room.remove', { conversationId: id, member })),
      leave: (id) => run(() => request('room.leave', { conversationId: id })),
    },
    end: (id) => run(() => request('conversation.end', { conversationId: id })),
    acknowledgeChange: (c) =>
      run(() =>
        request('peers.acknowledgeChange', {
          site: c.site,
          account: c.account,
          peer: c.peer,
          fingerprint: c.fingerprintChanged?.current ?? c.fingerprint ?? '',
        }),
      ),
    setTrust: (fp, trust) => run(() => setTrust(fp, trust)),
    forget: (fp) => run(() => request('peers.forget', { fingerprint: fp })),
    acknowledge: (peer) => run(() => acknowledgePeer(peer)),
    smpStart: (id, secret, question) =>
      run(() => request('smp.start', question ? { conversationId: id, secret, question } : { conversationId: id, secret })),
    smpAnswer: (id, secret) => run(() => request('smp.answer', { conversationId: id, secret })),
    smpAbort: (id) => run(() => request('smp.abort', { conversationId: id })),
    verifyManual: (id, verified) => {
      if (verified) return run(() => request('conversation.verifyManual', { conversationId: id }));
      const c = data.conversations.find((x) => x.id === id);
      if (c?.fingerprint && c.trust !== 'unverified') run(() => setTrust(c.fingerprint!, 'unverified'));
    },
  };

  return <PopupView data={data} actions={actions} />;
}
