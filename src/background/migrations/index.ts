/**
 * Storage migrations, one file each, applied in order by openDatabase (IndexedDB version N =
 * migrations 1..N applied). Never edit a released migration; add the next one.
 */
import { m001Initial } from './001-initial';
import { m002Config } from './002-config';
import { m003Conversations } from './003-conversations';
import { m004Rooms } from './004-rooms';

export interface Migration {
  name: string;
  up(db: IDBDatabase, tx: IDBTransaction): void;
}

export const MIGRATIONS: readonly Migration[] = [m001Initial, m002Config, m003Conversations, m004Rooms];
