// The unit's deviation reports, and the unit manager's Lex Sarah assessment of each.
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import type { DeviationFieldsFragment } from '@shared/gql/graphql';
import { statusText, texts, timingText } from '@shared/texts';
import { dayAndClock, localDate, shortDay, windowText } from '@shared/time';
import { useAdmin, useUnit } from './app';
import { useAction, useRead } from './data';
import { FollowUpNotes } from './followup';
import { Link } from './navigation';
import { AssessDeviation, Deviations } from './operations';
import { pathOf } from './routes';
import { adminTexts } from './texts';
import { FailureNotice, TextArea } from './widgets';

const t = adminTexts.deviations;
const DAY_MS = 86_400_000;
// Highlighted from this many days before IVO must have been told.
const IVO_WARNING_DAYS = 3;

/** Whole days from the unit's today to a date (negative when it has passed). */
export function daysUntil(date: string, timeZone: string, now = new Date()): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${localDate(now, timeZone)}T00:00:00Z`)) / DAY_MS);
}

export function DeviationsPage() {
  const unit = useUnit();
  const { access } = useAdmin();
  const read = useRead(Deviations, { unitId: unit.id });
  const manager = access.unitRoles.has('UNIT_MANAGER');
  if (read.failure) return <Notice tone="error">{read.failure.text}</Notice>;
  if (!read.data) return <p>{texts.loading}</p>;
  const all = read.data.deviations;
  const waiting = all.filter((d) => d.lexSarah === null || d.lexSarah === undefined);
  const assessed = all.filter((d) => d.lexSarah !== null && d.lexSarah !== undefined);
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{t.heading}</h1>
      {all.length === 0 && <p>{t.none}</p>}
      <h2>{t.waiting}</h2>
      {!manager && waiting.length > 0 && <p className="muted">{t.onlyManager}</p>}
      {waiting.length === 0 ? (
        <p>{t.noneWaiting}</p>
      ) : (
        <ul className="cards">
          {waiting.map((d) => (
            <li key={d.id}>
              <DeviationCard deviation={d} onChanged={read.refetch}>{manager && <Assessment deviation={d} onDone={read.refetch} />}</DeviationCard>
            </li>
          ))}
        </ul>
      )}
      {assessed.length > 0 && (
        <>
          <h2>{t.assessed}</h2>
          <ul className="cards">
            {assessed.map((d) => (
              <li key={d.id}>
                <DeviationCard deviation={d} onChanged={read.refetch} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function DeviationCard(props: { deviation: DeviationFieldsFragment; onChanged: () => void; children?: React.ReactNode }) {
  const { deviation: d, onChanged, children } = props;
  const unit = useUnit();
  const tz = unit.timezone;
  const headingId = `deviation-${d.id}`;
  return (
    <article className="card deviation" aria-labelledby={headingId} data-deviation-id={d.id}>
      <h3 id={headingId}>
        {d.intervention.title} – {d.tenant.name}
      </h3>
      <p className="muted">
        {d.windowStart && d.windowEnd && `${shortDay(d.windowStart, tz)} ${windowText(d.windowStart, d.windowEnd, tz)} · `}
        {t.reported(d.reportedBy.name, dayAndClock(d.reportedAt, tz))} · <Link to={pathOf('alarm', d.alarmId)}>{adminTexts.pages.alarm}</Link>
      </p>
      <p className="prewrap">{d.description}</p>
      <details>
        <summary>{t.history}</summary>
        {d.signingHistory.length === 0 ? (
          <p>{t.noHistory}</p>
        ) : (
          <ul>
            {d.signingHistory.map((h, i) => (
              <li key={i}>
                {h.status ? statusText[h.status] : ''}
                {h.timing && h.timing in timingText ? `, ${timingText[h.timing as keyof typeof timingText]}` : ''}
                {h.performedAt ? `, ${dayAndClock(h.performedAt, tz)}` : ''}
                {h.signedBy ? `, ${h.signedBy.name}` : ''}
                {h.annulledAt ? ` (${adminTexts.alarms.annulled.toLowerCase()})` : ''}
              </li>
            ))}
          </ul>
        )}
      </details>
      {d.lexSarah !== null && d.lexSarah !== undefined && (
        <div className="assessment">
          <p>
            <strong>{d.lexSarah ? t.lexSarahYes : t.lexSarahNo}</strong>
            {d.assessedBy && d.assessedAt ? ` · ${t.assessedBy(d.assessedBy.name, dayAndClock(d.assessedAt, tz))}` : ''}
          </p>
          {d.motivation && <p className="prewrap">{d.motivation}</p>}
          {d.lexSarah && d.reportToIvoBy && <IvoDate date={d.reportToIvoBy} timeZone={tz} />}
        </div>
      )}
      <FollowUpNotes notes={d.followUpNotes} on={{ deviationId: d.id }} idPrefix={`follow-up-${d.id}`} onAdded={onChanged} level={3} />
      {children}
    </article>
  );
}

function IvoDate({ date, timeZone }: { date: string; timeZone: string }) {
  const days = daysUntil(date, timeZone);
  const tone = days < 0 ? 'bad' : days <= IVO_WARNING_DAYS ? 'late' : 'info';
  return (
    <p className={`ivo ${tone}`} data-testid="ivo-date">
      {tone !== 'info' && <span aria-hidden="true">⚠ </span>}
      <strong>{t.ivoBy(date)}</strong> ({t.ivoSoon(days)})
    </p>
  );
}

function Assessment({ deviation, onDone }: { deviation: DeviationFieldsFragment; onDone: () => void }) {
  const [answer, setAnswer] = useState<'yes' | 'no' | ''>('');
  const [motivation, setMotivation] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const assess = useAction(AssessDeviation);
  const id = deviation.id;
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!answer) return setProblem(t.chooseAnswer);
    if (!motivation.trim()) return setProblem(t.motivationMissing);
    setProblem(null);
    const done = await assess.run({ input: { deviationId: id, lexSarah: answer === 'yes', motivation: motivation.trim() } });
    if (done) onDone();
  }
  return (
    <form className="assess" onSubmit={(e) => void submit(e)} noValidate aria-label={t.assess}>
      <fieldset className="choices">
        <legend>{t.question}</legend>
        <div className="choice">
          <input type="radio" id={`lex-${id}-yes`} name={`lex-${id}`} checked={answer === 'yes'} onChange={() => setAnswer('yes')} />
          <label htmlFor={`lex-${id}-yes`}>{t.yes}</label>
        </div>
        <div className="choice">
          <input type="radio" id={`lex-${id}-no`} name={`lex-${id}`} checked={answer === 'no'} onChange={() => setAnswer('no')} />
          <label htmlFor={`lex-${id}-no`}>{t.no}</label>
        </div>
      </fieldset>
      <TextArea
        id={`motivation-${id}`}
        label={t.motivation}
        value={motivation}
        onChange={setMotivation}
        maxLength={10_000}
        problem={problem === t.motivationMissing ? problem : null}
      />
      {problem === t.chooseAnswer && <Notice tone="error">{problem}</Notice>}
      <FailureNotice failure={assess.failure} />
      <button className="button" type="submit" disabled={assess.busy}>
        {t.submit}
      </button>
    </form>
  );
}
