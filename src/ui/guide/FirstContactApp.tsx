import { useEffect, useState } from 'preact/hooks';
import type { IdentityStatus } from '../../messaging/schema';
import { request } from '../backend';
import { FirstContact } from './FirstContact';

/** The first-contact page wired to the background: it only reads the user's fingerprint. */
export function FirstContactApp() {
  const [identity, setIdentity] = useState<IdentityStatus | null>(null);
  useEffect(() => {
    void request('identity.status', {}).then(setIdentity, () => setIdentity(null));
  }, []);
  return <FirstContact identity={identity} />;
}
