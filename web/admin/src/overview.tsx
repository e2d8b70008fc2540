// The start page of the weekly round: what waits for kvittering, live.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Notice } from '@shared/components/Notice';
import type { AlarmFieldsFragment, LiveAlarmFieldsFragment } from '@shared/gql/graphql';
import { alarmKindText, texts } from '@shared/texts';
import { dayAndClock } from '@shared/time';
import { AlarmTable } from './alarmtable';
import { useUnit } from './app';
import { useRead } from './data';
import { useAlarmFeed, useThrottled } from './livefeed';
import { applyEvent, lacksNames, namesOf } from './liverows';
import { Link } from './navigation';
import { AlarmList, AlarmNames, Overview } from './operations';
import { pathOf } from './routes';
import { adminTexts } from './texts';
import { LiveIndicator } from './widgets';

const t = adminTexts.overview;
const NEWEST = 20;
const DAY_MS = 86_400_000;

export function OverviewPage() {
  const unit = useUnit();
  const overview = useRead(Overview, { unitId: unit.id });
  const newest = useRead(AlarmList, { unitId: unit.id, state: 'OPEN', first: NEWEST });
  const lookup = useRead(AlarmNames, { unitId: unit.id });
  const names = useMemo(() => namesOf(lookup.data), [lookup.data]);
  const [rows, setRows] = useState<AlarmFieldsFragment[] | null>(null);
  // Events that came after the newest read was sent may be missing from its answer: they are
  // applied again on top of it.
  const feed = useRef<{ sentAt: number; since: { at: number; alarm: LiveAlarmFieldsFragment }[] }>({ sentAt: Date.now(), since: [] });
  useEffect(() => {
    if (!newest.data) return;
    const { sentAt, since } = feed.current;
    const after = since.filter((e) => e.at >= sentAt);
    feed.current.since = after;
    setRows(after.reduce((shown, e) => applyEvent(shown, e.alarm, names, NEWEST), newest.data.alarms.nodes));
    // Names only fill in what the feed lacks; a new answer for them needs no new rows.
  }, [newest.data]);
  const readAgain = useThrottled(() => {
    feed.current.sentAt = Date.now();
    overview.refetch();
    newest.refetch();
  }, 1_000);
  const readNames = useThrottled(lookup.refetch, 5_000);
  const connected = useAlarmFeed(
    unit.id,
    (event) => {
      feed.current.since.push({ at: Date.now(), alarm: event.alarm });
      if (lacksNames(event.alarm, names)) readNames();
      setRows((shown) => applyEvent(shown ?? [], event.alarm, names, NEWEST));
      readAgain();
    },
    readAgain,
  );

  const data = overview.data?.alarmOverview;
  const oldestDays = data?.oldestOpenRaisedAt ? Math.floor((Date.now() - Date.parse(data.oldestOpenRaisedAt)) / DAY_MS) : null;
  return (
    <section aria-labelledby="page-heading">
      <div className="page-head">
        <h1 id="page-heading">{t.heading(unit.name)}</h1>
        <LiveIndicator connected={connected} />
      </div>
      {overview.failure && <Notice tone="error">{overview.failure.text}</Notice>}
      {!data && !overview.failure && <p>{texts.loading}</p>}
      {data && (
        <>
          <p className="duty" data-testid="duty">{t.duty(data.open.total, oldestDays)}</p>
          <div className="tiles">
            <Tile label={t.total} value={data.open.total} to={pathOf('alarms') + '?state=OPEN'} />
            <Tile label={alarmKindText.MISSED} value={data.open.missed} to={pathOf('alarms') + '?state=OPEN&kind=MISSED'} />
            <Tile label={alarmKindText.OUTSIDE_WINDOW} value={data.open.outsideWindow} to={pathOf('alarms') + '?state=OPEN&kind=OUTSIDE_WINDOW'} />
            <Tile label={alarmKindText.DEVIATING} value={data.open.deviating} to={pathOf('alarms') + '?state=OPEN&kind=DEVIATING'} />
            <Tile label={t.overdue} value={data.overdue} to={pathOf('alarms') + '?state=OPEN&overdue=1'} tone={data.overdue > 0 ? 'bad' : undefined} />
            <Tile label={t.escalated} value={data.escalated} to={pathOf('alarms') + '?state=OPEN&escalated=1'} tone={data.escalated > 0 ? 'late' : undefined} />
            <Tile label={t.undocumented} value={data.undocumented} to={pathOf('alarms') + '?state=OPEN&undocumented=1'} tone={data.undocumented > 0 ? 'late' : undefined} />
            <Tile label={t.acknowledgedThisWeek} value={data.acknowledgedThisWeek} />
          </div>
          <p className="muted">
            {data.lastAcknowledgedAt ? t.lastRound(dayAndClock(data.lastAcknowledgedAt, unit.timezone)) : t.neverAcknowledged}
          </p>
        </>
      )}
      <h2>{t.newest}</h2>
      {newest.failure && <Notice tone="error">{newest.failure.text}</Notice>}
      {rows && rows.length > 0 && <AlarmTable alarms={rows} timeZone={unit.timezone} caption={t.newest} />}
      {rows && rows.length === 0 && <p>{adminTexts.alarms.none}</p>}
      {data && data.open.total > 0 && (
        <p>
          <Link to={pathOf('alarms') + '?state=OPEN'}>{t.showAll(data.open.total)}</Link>
        </p>
      )}
    </section>
  );
}

function Tile({ label, value, to, tone }: { label: string; value: number; to?: string; tone?: 'bad' | 'late' | undefined }) {
  const body = (
    <>
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </>
  );
  return (
    <div className={`tile${tone ? ` ${tone}` : ''}`}>
      {to ? <Link to={to}>{body}</Link> : body}
    </div>
  );
}
