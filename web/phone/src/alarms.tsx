// The unit's open alarms, read only: staff follow missed interventions on the phone too.
import { useEffect } from 'react';
import type { Client } from '@urql/core';
import { useCachedQuery, type Cached } from '@shared/cached';
import { Notice } from '@shared/components/Notice';
import { live } from '@shared/live';
import type { OpenAlarmsQuery } from '@shared/gql/graphql';
import { alarmKindText, statusText, texts } from '@shared/texts';
import { dayAndClock, windowText } from '@shared/time';
import { usePhone } from './app';
import { AlarmEvents, OpenAlarms as OpenAlarmsDocument } from './operations';

export type OpenAlarms = { count: number | null; list: Cached<OpenAlarmsQuery> };
type Alarm = OpenAlarmsQuery['alarms']['nodes'][number];
const t = texts.phone.alarms;

/** The open alarms, read again whenever the unit's live feed says one changed. */
export function useOpenAlarms(client: Client, unitId: string | null, userId: string): OpenAlarms {
  const list = useCachedQuery(client, OpenAlarmsDocument, { unitId: unitId ?? '' }, unitId ? `alarms|${userId}|${unitId}` : null);
  const refetch = list.refetch;
  useEffect(() => {
    if (!unitId) return;
    return live(client, AlarmEvents, { unitId }, () => void refetch());
  }, [client, unitId, refetch]);
  return { count: list.data ? list.data.alarms.totalCount : null, list };
}

function happened(alarm: Alarm, timeZone: string): string {
  const status = alarm.signingStatus ? statusText[alarm.signingStatus] : '';
  if (alarm.kind === 'MISSED') return t.missed;
  if (alarm.kind === 'OUTSIDE_WINDOW' && alarm.performedAt) return t.signedOutside(status, dayAndClock(alarm.performedAt, timeZone));
  return t.deviating(status, alarm.signedBy?.name ?? '');
}

export function AlarmsScreen({ alarms }: { alarms: OpenAlarms }) {
  const { unit } = usePhone();
  const { list } = alarms;
  const nodes = list.data?.alarms.nodes ?? [];
  return (
    <section aria-labelledby="alarms-heading">
      <h1 id="alarms-heading">{t.heading}</h1>
      <p>{t.intro}</p>
      {list.failure && list.data === null && <Notice tone="error">{list.failure.text}</Notice>}
      {list.data === null && !list.failure && <p>{texts.loading}</p>}
      {list.data !== null && <p className="count-line">{t.count(list.data.alarms.totalCount)}</p>}
      {list.data !== null && nodes.length === 0 && <p>{t.none}</p>}
      <ul className="rows">
        {nodes.map((alarm) => (
          <li key={alarm.id} className={`row alarm alarm-${alarm.kind.toLowerCase()}`}>
            <div className="row-text">
              <span className="row-title">
                <span aria-hidden="true" className="icon">⚠</span> {alarmKindText[alarm.kind]}: {alarm.intervention.title}
              </span>
              <span>{alarm.tenant.name}</span>
              {alarm.windowStart && alarm.windowEnd && (
                <span className="row-window">{windowText(alarm.windowStart, alarm.windowEnd, unit.timezone)}</span>
              )}
              <span className="row-state">{happened(alarm, unit.timezone)}</span>
              <span className="row-by">{t.raised(dayAndClock(alarm.raisedAt, unit.timezone))}</span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
