/**
 * Version 2: user sites and settings move into the database, and key records written by
 * version 1 without a `format` field get `format: 1` so the key store can tell formats apart.
 */
import type { Migration } from './index';

export const m002Config: Migration = {
  name: '002-config',
  up(db, tx) {
    db.createObjectStore('config');
    const keys = tx.objectStore('keys');
    const cursorRequest = keys.openCursor();
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (!cursor) return;
      const value = cursor.value as Record<string, unknown>;
      if (value && typeof value === 'object' && value.format === undefined) cursor.update({ ...value, format: 1 });
      cursor.continue();
    };
  },
};
