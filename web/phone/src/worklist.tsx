// Today's list: grouped per care recipient, ordered by window, each row's state at a glance.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useCachedQuery } from '@shared/cached';
import { Notice } from '@shared/components/Notice';
import type { SigningStatus, WorklistQuery } from '@shared/gql/graphql';
import { statusText, texts, timingText } from '@shared/texts';
import { addDays, ago, clock, dayName, localDate, windowText } from '@shared/time';
import { useQueueItems, usePhone } from './app';
import type { QueuedSigning } from './queue';
import { rowState, type RowState } from './rowstate';
import { SignedActions } from './signed';
import { Instructions } from './instructions';
import { SignSheet, type SheetTarget } from './signsheet';
import { Worklist } from './operations';

type Occurrence = WorklistQuery['worklist'][number];
const t = texts.phone;

/** Re-render once a minute so "pågår" becomes "försenad" without a reload. */
function useMinute(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

// The list learns of a signing or an annulment through events, a moment (usually well under a
// second) after the server answered, so a read made at once may still show the row as it was:
// it is read again after these delays. The last is within rowstate.ts's LIST_LAG_MS.
const FOLLOW_UPS_MS = [1_000, 3_000, 10_000];

/** Reads the list now and again while it catches up with a change just answered. */
function useFollowUp(refetch: () => Promise<void>): () => void {
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  return useCallback(() => {
    timers.current.forEach(clearTimeout);
    void refetch();
    timers.current = FOLLOW_UPS_MS.map((ms) => setTimeout(() => void refetch(), ms));
  }, [refetch]);
}

// A long day (a big unit) is put on screen a screenful at a time, one chunk per task, so the
// phone never freezes for the whole list at once; the first chunk fills the screen.
const FIRST_ROWS = 30;
const MORE_ROWS = 60;

function useRowBudget(total: number): number {
  const [budget, setBudget] = useState(FIRST_ROWS);
  useEffect(() => {
    if (budget >= total) return;
    const next = setTimeout(() => setBudget((b) => b + MORE_ROWS), 0);
    return () => clearTimeout(next);
  }, [budget, total]);
  return budget;
}

/** The groups cut to the first `budget` rows. */
function upTo<T extends { rows: unknown[] }>(all: T[], budget: number): T[] {
  const cut: T[] = [];
  let left = budget;
  for (const group of all) {
    if (left <= 0) break;
    cut.push(group.rows.length <= left ? group : { ...group, rows: group.rows.slice(0, left) });
    left -= group.rows.length;
  }
  return cut;
}

function groups(occurrences: Occurrence[]): { tenant: Occurrence['tenant']; rows: Occurrence[] }[] {
  const byTenant = new Map<string, { tenant: Occurrence['tenant']; rows: Occurrence[] }>();
  const sorted = [...occurrences].sort((a, b) => a.windowStart.localeCompare(b.windowStart));
  for (const occurrence of sorted) {
    if (occurrence.state === 'CANCELLED') continue;
    const group = byTenant.get(occurrence.tenant.id) ?? { tenant: occurrence.tenant, rows: [] };
    group.rows.push(occurrence);
    byTenant.set(occurrence.tenant.id, group);
  }
  return [...byTenant.values()];
}

export function WorklistScreen() {
  const { client, queue, me, unit, online } = usePhone();
  const today = localDate(new Date(), unit.timezone);
  const [date, setDate] = useState(today);
  const list = useCachedQuery(client, Worklist, { unitId: unit.id, date }, `worklist|${me.id}|${unit.id}|${date}`);
  const items = useQueueItems(queue);
  const now = useMinute();
  const [open, setOpen] = useState<Occurrence | null>(null);

  // Newest queued item per occurrence.
  const queued = useMemo(() => {
    const map = new Map<string, QueuedSigning>();
    for (const item of items) if (item.kind === 'occurrence') map.set(item.targetId, item);
    return map;
  }, [items]);

  // Read the list again when the server has answered something, and now and then.
  const answered = items.filter((item) => item.state !== 'pending').length;
  const refetch = list.refetch;
  const followUp = useFollowUp(refetch);
  useEffect(() => {
    if (answered > 0) followUp();
  }, [answered, followUp]);
  useEffect(() => {
    const timer = setInterval(() => navigator.onLine && void refetch(), 60_000);
    const shown = () => document.visibilityState === 'visible' && void refetch();
    addEventListener('online', refetch);
    document.addEventListener('visibilitychange', shown);
    return () => {
      clearInterval(timer);
      removeEventListener('online', refetch);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [refetch]);

  const waiting = items.filter((item) => item.state === 'pending').length;
  const all = useMemo(() => (list.data ? groups(list.data.worklist) : []), [list.data]);
  const shown = upTo(all, useRowBudget(list.data?.worklist.length ?? 0));
  const stale = list.fetchedAt !== null && (list.failure !== null || !online);

  const sign = (occurrence: Occurrence, status: SigningStatus, note: string | null) => {
    setOpen(null);
    void queue.add({ unitId: unit.id, kind: 'occurrence', targetId: occurrence.id, status, note });
  };

  const days: [string, string][] = [
    [addDays(today, -1), t.days.yesterday],
    [today, t.days.today],
    [addDays(today, 1), t.days.tomorrow],
  ];

  return (
    <section aria-labelledby="day-heading">
      <h1 id="day-heading">{t.dayHeading(dayName(date))}</h1>
      <div className="day-switch" role="group" aria-label={t.dayChoice}>
        {days.map(([day, label]) => (
          <button
            key={day}
            className={`button ${day === date ? '' : 'secondary'}`}
            aria-pressed={day === date}
            onClick={() => setDate(day)}
          >
            {label}
          </button>
        ))}
      </div>
      {waiting > 0 && (
        <div className="notice wait" role="status">
          <span>{t.queued(waiting)}</span>{' '}
          {online && (
            <button className="button secondary" onClick={() => void queue.flush({ all: true })}>
              {t.sendNow}
            </button>
          )}
        </div>
      )}
      {stale && <Notice tone="warn">{t.stale(clock(new Date(list.fetchedAt!).toISOString(), unit.timezone), ago(list.fetchedAt!, now))}</Notice>}
      {list.failure && list.data === null && <Notice tone="error">{list.failure.text}</Notice>}
      {list.data === null && !list.failure && <p>{texts.loading}</p>}
      {list.data !== null && shown.length === 0 && <p>{t.emptyDay}</p>}
      {shown.map(({ tenant, rows }) => (
        <section key={tenant.id} className="tenant" aria-labelledby={`tenant-${tenant.id}`}>
          <h2 id={`tenant-${tenant.id}`}>{tenant.name}</h2>
          <ul className="rows">
            {rows.map((occurrence) => (
              <Row
                key={occurrence.id}
                occurrence={occurrence}
                state={rowState(occurrence, queued.get(occurrence.id), now, list.fetchedAt ?? 0)}
                onOpen={setOpen}
                onChanged={followUp}
              />
            ))}
          </ul>
        </section>
      ))}
      {open && (
        <SignSheet
          target={sheetTarget(open, unit.timezone, queued.get(open.id))}
          onSign={(status, note) => sign(open, status, note)}
          onClose={() => setOpen(null)}
        />
      )}
    </section>
  );
}

function sheetTarget(occurrence: Occurrence, timeZone: string, item: QueuedSigning | undefined): SheetTarget {
  return {
    title: occurrence.intervention.title,
    tenant: occurrence.tenant.name,
    window: windowText(occurrence.windowStart, occurrence.windowEnd, timeZone),
    instructions: occurrence.intervention.instructions,
    ...(item && item.state === 'refused' && item.note ? { draft: { status: item.status, note: item.note } } : {}),
  };
}

const ICONS: Record<RowState['kind'], string> = {
  upcoming: '○',
  ongoing: '◔',
  overdue: '⚠',
  waiting: '◷',
  signed: '✓',
  conflict: '⚠',
  refused: '✕',
};

function stateText(state: RowState, timeZone: string): string {
  switch (state.kind) {
    case 'upcoming':
    case 'ongoing':
    case 'overdue':
    case 'waiting':
      return t.state[state.kind];
    case 'signed':
      return t.state.signed(statusText[state.signed.status], state.signed.timing ? timingText[state.signed.timing] : null);
    case 'conflict':
      return t.state.conflict(
        state.item.conflict?.signedBy ?? '',
        state.item.conflict?.signedAt ? clock(state.item.conflict.signedAt, timeZone) : '',
      );
    case 'refused':
      return t.state.refused(state.item.failure?.text ?? '');
  }
}

function Row(props: {
  occurrence: Occurrence;
  state: RowState;
  onOpen: (o: Occurrence) => void;
  onChanged: () => void;
}) {
  const { occurrence, state, onOpen, onChanged } = props;
  const { unit, queue } = usePhone();
  const window = windowText(occurrence.windowStart, occurrence.windowEnd, unit.timezone);
  const canSign = state.kind === 'upcoming' || state.kind === 'ongoing' || state.kind === 'overdue';
  const titleId = `title-${occurrence.id}`;
  return (
    <li className={`row state-${state.kind}`} aria-labelledby={titleId} data-occurrence={occurrence.id}>
      <div className="row-main">
        <div className="row-text">
          <span className="row-title" id={titleId}>{occurrence.intervention.title}</span>
          <span className="row-window">
            <span className="visually-hidden">{t.window} </span>
            {window}
          </span>
          <span className="row-state">
            <span aria-hidden="true" className="icon">{ICONS[state.kind]}</span> {stateText(state, unit.timezone)}
          </span>
          {state.kind === 'signed' && state.signed.signedByName && state.signed.signedAt && (
            <span className="row-by">{t.signedBy(state.signed.signedByName, clock(state.signed.signedAt, unit.timezone))}</span>
          )}
        </div>
        {canSign && (
          <button
            className="button"
            aria-label={`${t.sign} ${occurrence.intervention.title}, ${occurrence.tenant.name}, ${window}`}
            onClick={() => onOpen(occurrence)}
          >
            {t.sign}
          </button>
        )}
      </div>
      <Instructions title={occurrence.intervention.title} text={occurrence.intervention.instructions} />
      {state.kind === 'signed' && <SignedActions occurrence={occurrence} signed={state.signed} item={state.item} onChanged={onChanged} />}
      {(state.kind === 'conflict' || state.kind === 'refused') && (
        <div className="actions">
          <button className="button secondary" onClick={() => void queue.dismiss(state.item.key)}>
            {t.seen}
          </button>
          {state.kind === 'refused' && (
            <button className="button" onClick={() => onOpen(occurrence)}>
              {t.signAgain}
            </button>
          )}
        </div>
      )}
    </li>
  );
}
