/**
 * Version 4: private group rooms (issue 13). One record per site channel, keyed by a hash of
 * its id and sealed under the conversation key, like the conversations of version 3.
 */
import type { Migration } from './index';

export const m004Rooms: Migration = {
  name: '004-rooms',
  up(db) {
    db.createObjectStore('rooms', { keyPath: 'key' });
  },
};
