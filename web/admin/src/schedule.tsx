// The schedule editor: how often (daily, weekdays, chosen weekdays, every N weeks), one or
// more window starts a day, and the window's length; with the next windows as the server
// will plan them, in the unit's timezone (across a change to or from summer time too).
import { useEffect, useState } from 'react';
import { TextField } from '@shared/components/TextField';
import type { ScheduleInput } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { dayName as localDayName, windowText } from '@shared/time';
import { useUnit } from './app';
import { useRead } from './data';
import { SchedulePreview } from './operations';
import { dayName, fromRrule, repeatProblem, toRrule, WEEKDAYS, type Repeat, type Weekday } from './rrule';
import { adminTexts } from './texts';
import { SelectField } from './widgets';

const t = adminTexts.schedule;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

export type ScheduleDraft = { repeat: Repeat; starts: string[]; minutes: string };

export const NEW_SCHEDULE: ScheduleDraft = { repeat: { kind: 'daily' }, starts: ['08:00'], minutes: '60' };

export function draftOf(schedule: { rrule: string; windowStarts: string[]; windowMinutes: number }): ScheduleDraft {
  return {
    repeat: fromRrule(schedule.rrule) ?? { kind: 'daily' },
    starts: [...schedule.windowStarts],
    minutes: String(schedule.windowMinutes),
  };
}

/** The schedule to send, or what is wrong with the draft (in Swedish). */
export function scheduleOf(draft: ScheduleDraft): { schedule: ScheduleInput } | { problem: string } {
  const repeatIssue = repeatProblem(draft.repeat);
  if (repeatIssue) return { problem: repeatIssue };
  const starts = draft.starts.map((s) => s.trim());
  if (starts.length === 0) return { problem: t.needStart };
  if (starts.some((s) => !CLOCK.test(s))) return { problem: t.badStart };
  if (new Set(starts).size !== starts.length) return { problem: t.duplicateStart };
  const minutes = Number(draft.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes >= 24 * 60) return { problem: t.badMinutes };
  const sorted = [...starts].sort();
  return { schedule: { rrule: toRrule(draft.repeat), windowStart: sorted[0]!, windowStarts: sorted, windowMinutes: minutes } };
}

export function ScheduleEditor(props: {
  draft: ScheduleDraft;
  onChange: (draft: ScheduleDraft) => void;
  validFrom: string | null;
  validTo: string | null;
  idPrefix: string;
}) {
  const { draft, onChange, validFrom, validTo, idPrefix: p } = props;
  const { repeat } = draft;
  const days = repeat.kind === 'days' || repeat.kind === 'weeks' ? repeat.days : [];
  const setRepeat = (next: Repeat) => onChange({ ...draft, repeat: next });
  const setKind = (kind: string) => {
    if (kind === 'daily' || kind === 'weekdays') setRepeat({ kind });
    else if (kind === 'days') setRepeat({ kind, days: days.length ? days : ['MO'] });
    else setRepeat({ kind: 'weeks', every: repeat.kind === 'weeks' ? repeat.every : 2, days: days.length ? days : ['MO'] });
  };
  const toggleDay = (day: Weekday, on: boolean) => {
    const next = on ? [...days, day] : days.filter((d) => d !== day);
    if (repeat.kind === 'days') setRepeat({ kind: 'days', days: next });
    if (repeat.kind === 'weeks') setRepeat({ ...repeat, days: next });
  };
  const setStart = (i: number, value: string) => onChange({ ...draft, starts: draft.starts.map((s, j) => (j === i ? value : s)) });
  return (
    <fieldset className="schedule">
      <legend>{t.legend}</legend>
      <SelectField
        id={`${p}-repeat`}
        label={t.repeat}
        value={repeat.kind}
        onChange={setKind}
        options={[
          ['daily', t.daily],
          ['weekdays', t.weekdays],
          ['days', t.days],
          ['weeks', t.weeks],
        ]}
      />
      {repeat.kind === 'weeks' && (
        <TextField
          id={`${p}-every`}
          type="number"
          min={1}
          max={52}
          label={t.every}
          value={String(repeat.every)}
          onChange={(v) => setRepeat({ ...repeat, every: Number(v) })}
        />
      )}
      {(repeat.kind === 'days' || repeat.kind === 'weeks') && (
        <fieldset className="choices weekdays">
          <legend>{t.onDays}</legend>
          {WEEKDAYS.map((day) => (
            <div className="choice" key={day}>
              <input type="checkbox" id={`${p}-day-${day}`} checked={days.includes(day)} onChange={(e) => toggleDay(day, e.target.checked)} />
              <label htmlFor={`${p}-day-${day}`}>{dayName(day)}</label>
            </div>
          ))}
        </fieldset>
      )}
      <fieldset className="choices starts">
        <legend>{t.starts}</legend>
        <p className="hint">{t.startsHint}</p>
        {draft.starts.map((start, i) => (
          <div className="start" key={i}>
            <TextField id={`${p}-start-${i}`} type="time" label={t.startN(i + 1)} value={start} onChange={(v) => setStart(i, v)} />
            {draft.starts.length > 1 && (
              <button type="button" className="button quiet" onClick={() => onChange({ ...draft, starts: draft.starts.filter((_, j) => j !== i) })}>
                {t.removeStart(start || String(i + 1))}
              </button>
            )}
          </div>
        ))}
        <button type="button" className="button secondary" onClick={() => onChange({ ...draft, starts: [...draft.starts, ''] })}>
          {t.addStart}
        </button>
      </fieldset>
      <TextField
        id={`${p}-minutes`}
        type="number"
        min={1}
        max={1439}
        label={t.minutes}
        hint={t.minutesHint}
        value={draft.minutes}
        onChange={(minutes) => onChange({ ...draft, minutes })}
      />
      <Preview draft={draft} validFrom={validFrom} validTo={validTo} />
    </fieldset>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function Preview({ draft, validFrom, validTo }: { draft: ScheduleDraft; validFrom: string | null; validTo: string | null }) {
  const unit = useUnit();
  const built = scheduleOf(draft);
  const schedule = 'schedule' in built ? built.schedule : null;
  const variables = useDebounced(JSON.stringify({ unitId: unit.id, schedule, validFrom: validFrom || null, validTo: validTo || null, count: 10 }), 300);
  const parsed = JSON.parse(variables) as { schedule: ScheduleInput | null };
  const read = useRead(SchedulePreview, JSON.parse(variables), parsed.schedule === null);
  return (
    <div className="preview" aria-live="polite">
      <h3>{t.preview}</h3>
      {'problem' in built && <p className="problem">{built.problem}</p>}
      {schedule && read.failure && <p className="problem">{read.failure.text}</p>}
      {schedule && !read.failure && !read.data && <p>{texts.loading}</p>}
      {schedule && read.data && read.data.schedulePreview.length === 0 && <p>{t.noWindows}</p>}
      {schedule && read.data && read.data.schedulePreview.length > 0 && (
        <ol className="windows">
          {read.data.schedulePreview.map((w) => (
            <li key={w.start}>
              {localDayName(w.localDate)} {windowText(w.start, w.end, unit.timezone)}
            </li>
          ))}
        </ol>
      )}
      <p className="hint">{t.timezone(unit.timezone)}</p>
    </div>
  );
}
