// The unit's alarm feed for a page: each event as it comes, whether the feed is connected,
// and a nudge to read again after a reconnection (events may have been missed meanwhile).
import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import { useClient } from 'urql';
import { LiveStatus } from '@shared/client';
import type { AdminAlarmEventsSubscription } from '@shared/gql/graphql';
import { live } from '@shared/live';
import { AdminAlarmEvents } from './operations';

export type AlarmEvent = AdminAlarmEventsSubscription['alarmEvents'];

export const LiveStatusContext = createContext(new LiveStatus());

export function useAlarmFeed(unitId: string, onEvent: (event: AlarmEvent) => void, onReconnected: () => void): boolean {
  const client = useClient();
  const status = useContext(LiveStatusContext);
  const { connected, connections } = useSyncExternalStore(status.subscribe, status.current);
  const handlers = useRef({ onEvent, onReconnected });
  handlers.current = { onEvent, onReconnected };
  useEffect(
    () =>
      live(client, AdminAlarmEvents, { unitId }, (result) => {
        if (result.data) handlers.current.onEvent(result.data.alarmEvents);
      }),
    [client, unitId],
  );
  const seen = useRef(connections);
  useEffect(() => {
    if (connections > seen.current && seen.current > 0) handlers.current.onReconnected();
    seen.current = connections;
  }, [connections]);
  return connected;
}

/** Calls `fn` at most once per `ms`, and once more after the last call of a burst. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const state = useRef<{ timer: ReturnType<typeof setTimeout> | null; again: boolean; fn: () => void }>({ timer: null, again: false, fn });
  state.current.fn = fn;
  useEffect(() => () => clearTimeout(state.current.timer ?? undefined), []);
  const fire = useRef(() => {
    const s = state.current;
    if (s.timer) {
      s.again = true;
      return;
    }
    s.fn();
    s.timer = setTimeout(function tick() {
      s.timer = null;
      if (s.again) {
        s.again = false;
        fire.current();
      }
    }, ms);
  });
  return fire.current;
}
