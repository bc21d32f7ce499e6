import { useCallback, useEffect, useState } from 'preact/hooks';
import { addSite, onPush, request, requestHostPermission, restartOffRecord } from '../backend';
import { uiError } from '../components/ErrorBanner';
import { t } from '../i18n';
import { OptionsView, type OptionsActions, type OptionsData } from './OptionsView';

const EMPTY: OptionsData = { identity: null, keys: [], accounts: [], sites: [], settings: null };

/** The options page wired to the background. */
export function OptionsApp() {
  const [data, setData] = useState<OptionsData>(EMPTY);

  const reload = useCallback(async () => {
    try {
      const [identity, sites, settings, mark] = await Promise.all([
        request('identity.status', {}),
        request('sites.list', {}),
        request('settings.get', {}),
        // The rest of the page does not wait on the mark: it shows "loading" if it fails.
        request('security.mark', {}).catch(() => null),
      ]);
      const ready = identity.state === 'ready';
      const [keys, accounts] = ready ? await Promise.all([request('keys.list', {}), request('keys.accounts', {})]) : [[], []];
      setData({ identity, sites, settings, mark, keys, accounts });
    } catch (err) {
      setData((d) => ({ ...d, error: uiError(err) }));
    }
  }, []);

  useEffect(
    () =>
      onPush(
        (event) => {
          if (event.type === 'identity') void reload();
        },
        () => void reload(),
      ),
    [reload],
  );

  const after = async <T,>(work: Promise<T>): Promise<T> => {
    const value = await work;
    await reload();
    return value;
  };
  const report = (work: Promise<unknown>) =>
    void work.then(reload, (err: unknown) => setData((d) => ({ ...d, error: uiError(err) })));

  const actions: OptionsActions = {
    restart: restartOffRecord,
    sites: {
      add: async (name, pattern) => {
        // The browser's prompt first, while the click still counts as a user gesture.
        const granted = await requestHostPermission(pattern);
        if (!granted) throw new Error(t('sites_permission_denied', name));
        await after(addSite(name, pattern));
      },
      update: (id, change) => report(request('sites.update', { id, ...change })),
      remove: (id) => report(request('sites.remove', { id })),
    },
    keys: {
      setPassphrase: async (current, next) => {
        await after(request('identity.setPassphrase', { current, next }));
      },
      separateKey: async (site, account) => {
        await after(request('keys.generateForAccount', { site, account }));
      },
      useIdentity: async (site, account) => {
        await after(request('keys.useIdentityForAccount', { site, account }));
      },
      makeIdentity: async (keyId) => {
        await after(request('keys.makeIdentity', { keyId }));
      },
      replaceIdentity: async () => {
        await after(request('keys.replaceIdentity', {}));
      },
      importFiles: (files) => after(request('libotr.import', files)),
      exportFiles: () => request('libotr.export', {}),
    },
    setSettings: (change) => report(request('settings.set', change)),
    newMark: async () => {
      await after(request('security.newMark', {}));
    },
  };

  return <OptionsView data={data} actions={actions} />;
}
