// The apps' one IndexedDB database: the session's refresh token, the phone's queue of
// signings not yet answered, and the last answers (day lists, units) for offline viewing.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export type StoredSession = {
  refreshToken: string;
  refreshExpiresAt: string;
  userId: string;
};

export type SigningState = 'pending' | 'accepted' | 'conflict' | 'refused';

/** A signing made on the phone, kept from the tap until the server has answered it. */
export type QueuedSigning = {
  /** The idempotency key: made at the tap, never changed, so a retry is the same signing. */
  key: string;
  userId: string;
  unitId: string;
  kind: 'occurrence' | 'prn';
  /** The occurrence, or for a PRN signing its intervention. */
  targetId: string;
  status: 'DONE' | 'NOT_DONE' | 'NOT_HOME' | 'DECLINED';
  note: string | null;
  /** The phone's time at the tap, with its offset. */
  performedAt: string;
  queuedAt: number;
  state: SigningState;
  attempts: number;
  nextAttemptAt: number;
  signatureId?: string;
  /** Why the server refused it (Swedish), or who signed first. */
  failure?: { code: string; text: string };
  conflict?: { signedBy: string; signedAt: string };
  answeredAt?: number;
};

export type CachedAnswer = {
  /** What was asked, by whom: e.g. "worklist|<user>|<unit>|2026-12-03". */
  id: string;
  fetchedAt: number;
  data: unknown;
};

interface SignaDB extends DBSchema {
  session: { key: string; value: StoredSession };
  signings: { key: string; value: QueuedSigning; indexes: { byUser: string } };
  cache: { key: string; value: CachedAnswer };
}

export type Database = IDBPDatabase<SignaDB>;

let opened: Promise<Database> | undefined;

export function database(): Promise<Database> {
  opened ??= openDB<SignaDB>('signa', 1, {
    upgrade(db) {
      db.createObjectStore('session');
      db.createObjectStore('signings', { keyPath: 'key' }).createIndex('byUser', 'userId');
      db.createObjectStore('cache', { keyPath: 'id' });
    },
    // Another tab opened a newer version: let it, and open again on next use.
    blocking() {
      void opened?.then((db) => db.close());
      opened = undefined;
    },
  });
  return opened;
}
