// When the queue sends: at app start, when the network comes back, when the app is shown
// again, when the session is renewed, and on a timer for retries that are due. Safari has
// no Background Sync, so the app sends while it is open.
import { useEffect } from 'react';
import type { Session } from '@shared/session';
import type { SigningQueue } from './queue';

const TICK_MS = 3_000;

export function useSyncing(queue: SigningQueue, session: Session): void {
  useEffect(() => {
    let stopped = false;
    const everything = () => {
      if (!stopped && session.current.status === 'signedIn') void queue.flush({ all: true });
    };
    const due = () => {
      const next = queue.nextAttemptAt();
      if (!stopped && next !== null && next <= Date.now() && navigator.onLine) void queue.flush();
    };
    const shown = () => {
      if (document.visibilityState === 'visible') everything();
    };
    void queue.load().then(everything);
    addEventListener('online', everything);
    document.addEventListener('visibilitychange', shown);
    const unsubscribe = session.subscribe(() => {
      const state = session.current;
      if (state.status === 'signedIn' && state.connected) everything();
    });
    const timer = setInterval(due, TICK_MS);
    return () => {
      stopped = true;
      removeEventListener('online', everything);
      document.removeEventListener('visibilitychange', shown);
      unsubscribe();
      clearInterval(timer);
    };
  }, [queue, session]);
}
