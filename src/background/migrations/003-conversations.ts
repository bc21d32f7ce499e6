/**
 * Version 3: private conversations survive the browser (issue 11). One record per
 * conversation, keyed by a hash of its id and sealed under the conversation key
 * (conversation-key.ts); the key itself lives in 'meta' under 'conversationKey'.
 */
import type { Migration } from './index';

export const m003Conversations: Migration = {
  name: '003-conversations',
  up(db) {
    db.createObjectStore('conversations', { keyPath: 'key' });
  },
};
