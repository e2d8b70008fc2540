import { useSyncExternalStore } from 'react';
import type { Session, SessionState } from '../session';

export function useSession(session: Session): SessionState {
  return useSyncExternalStore(session.subscribe, () => session.current);
}
