/** Version 1: keys (identity and per-account), key-store metadata, and peers' fingerprints. */
import type { Migration } from './index';

export const m001Initial: Migration = {
  name: '001-initial',
  up(db) {
    db.createObjectStore('keys', { keyPath: 'id' });
    db.createObjectStore('meta'); // out-of-line keys: 'identity', 'passphrase', 'accounts', 'instanceTags'
    db.createObjectStore('peers', { keyPath: 'fingerprint' });
    db.createObjectStore('contacts', { keyPath: 'id' }); // (site, account, peer) -> fingerprint last accepted
  },
};
