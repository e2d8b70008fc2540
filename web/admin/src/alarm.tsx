// One alarm: what happened, kvittering with the routine's rules shown before sending, and a
// deviation report (pre-filled for a missed intervention).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import type { AckOutcome, AlarmDetailQuery, AlarmKind } from '@shared/gql/graphql';
import { alarmKindText } from '@shared/texts';
import { dayAndClock, shortDay, windowText } from '@shared/time';
import { AlarmState, happened } from './alarmtable';
import { useUnit } from './app';
import { useAction, useRead } from './data';
import { FollowUpNotes } from './followup';
import { Link } from './navigation';
import { AcknowledgeAlarm, AlarmDetail, ReportDeviation } from './operations';
import { pathOf } from './routes';
import { adminTexts, outcomeText } from './texts';
import { FailureNotice, NoRecord, Panel, TextArea } from './widgets';

const t = adminTexts.alarm;
const MAX_COMMENT = 2000;
const MAX_DESCRIPTION = 10_000;
const OUTCOMES: AckOutcome[] = ['PERFORMED_NOT_SIGNED', 'DOCUMENTATION_VERIFIED', 'STAFF_REMINDED', 'DEVIATION_REPORTED', 'OTHER'];
// The routine's outcomes for each kind of alarm, as alarms checks them.
const FITS: Record<AckOutcome, AlarmKind[]> = {
  PERFORMED_NOT_SIGNED: ['MISSED', 'OUTSIDE_WINDOW'],
  DOCUMENTATION_VERIFIED: ['DEVIATING'],
  STAFF_REMINDED: ['DEVIATING'],
  DEVIATION_REPORTED: ['MISSED', 'OUTSIDE_WINDOW', 'DEVIATING'],
  OTHER: ['MISSED', 'OUTSIDE_WINDOW', 'DEVIATING'],
};

/** Whether the outcome needs a comment for this alarm: OTHER always, a verified documentation
 * the staff did not confirm themselves too (the comment says how it was checked). */
export function needsComment(outcome: AckOutcome | '', alarm: { documentationConfirmed: boolean }): boolean {
  return outcome === 'OTHER' || (outcome === 'DOCUMENTATION_VERIFIED' && !alarm.documentationConfirmed);
}

type Alarm = NonNullable<AlarmDetailQuery['alarm']>;

export function AlarmPage({ id }: { id: string }) {
  const unit = useUnit();
  const read = useRead(AlarmDetail, { id });
  // Someone else acknowledged while this page was open: read again and say who and when.
  const [beaten, setBeaten] = useState(false);
  const alarm = read.data?.alarm;
  if (!alarm || alarm.unitId !== unit.id) {
    return (
      <NoRecord
        failure={read.failure}
        loading={read.data === undefined}
        title={adminTexts.pages.alarm}
        missing={t.notFound}
        back={[pathOf('alarms'), t.back]}
      />
    );
  }
  const tz = unit.timezone;
  const window = alarm.windowStart && alarm.windowEnd ? `${shortDay(alarm.windowStart, tz)} ${windowText(alarm.windowStart, alarm.windowEnd, tz)}` : '';
  return (
    <section aria-labelledby="page-heading">
      <p>
        <Link to={pathOf('alarms')}>{t.back}</Link>
      </p>
      <h1 id="page-heading">{t.heading(alarmKindText[alarm.kind], alarm.intervention.title)}</h1>
      <dl className="facts">
        <dt>{t.tenant}</dt>
        <dd>
          <Link to={pathOf('tenant', alarm.tenant.id)}>{alarm.tenant.name}</Link>
        </dd>
        <dt>{t.window}</dt>
        <dd>{window}</dd>
        <dt>{t.raised}</dt>
        <dd>{dayAndClock(alarm.raisedAt, tz)}</dd>
        <dt>{t.what}</dt>
        <dd>
          {happened(alarm, tz).map((line) => (
            <span key={line} className="line">{line}</span>
          ))}
          {alarm.signedBy && alarm.signedAt && <span className="line">{adminTexts.alarms.columns.who}: {alarm.signedBy.name}, {dayAndClock(alarm.signedAt, tz)}</span>}
          {alarm.kind === 'DEVIATING' && <span className="line">{alarm.documentationConfirmed ? t.documented : t.notDocumented}</span>}
        </dd>
        <dt>{adminTexts.alarms.columns.state}</dt>
        <dd>
          <AlarmState alarm={alarm} timeZone={tz} />
        </dd>
      </dl>
      {alarm.state === 'OPEN' && (
        <Acknowledge
          alarm={alarm}
          onDone={read.refetch}
          onTaken={() => {
            setBeaten(true);
            read.refetch();
          }}
        />
      )}
      {alarm.state === 'ACKNOWLEDGED' && alarm.outcome && (
        <Acknowledged alarm={alarm} beaten={beaten} timeZone={tz} />
      )}
      <DeviationPanel alarm={alarm} window={window} onDone={read.refetch} />
      <FollowUpNotes notes={alarm.followUpNotes} on={{ alarmId: alarm.id }} idPrefix="alarm-follow-up" onAdded={read.refetch} level={2} />
    </section>
  );
}

/** Who acknowledged, when and how; a warning when it was someone else a moment ago. */
function Acknowledged({ alarm, beaten, timeZone }: { alarm: Alarm; beaten: boolean; timeZone: string }) {
  const who = alarm.acknowledgedBy?.name ?? '';
  const when = alarm.acknowledgedAt ? dayAndClock(alarm.acknowledgedAt, timeZone) : '';
  const how = `${alarm.outcome ? outcomeText[alarm.outcome] : ''}${alarm.comment ? `: ${alarm.comment}` : ''}`;
  return <Notice tone={beaten ? 'warn' : 'ok'}>{`${beaten ? t.takenBy(who, when) : t.done(who, when)} ${how}`}</Notice>;
}

function Acknowledge({ alarm, onDone, onTaken }: { alarm: Alarm; onDone: () => void; onTaken: () => void }) {
  const [outcome, setOutcome] = useState<AckOutcome | ''>('');
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const acknowledge = useAction(AcknowledgeAlarm);
  const hasReport = alarm.deviation !== null && alarm.deviation !== undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!outcome) return setProblem(t.chooseOutcome);
    if (needsComment(outcome, alarm) && !comment.trim()) return setProblem(outcome === 'OTHER' ? t.commentMissing : t.verifiedNeedsComment);
    if (comment.length > MAX_COMMENT) return setProblem(t.commentTooLong(MAX_COMMENT));
    if (outcome === 'DEVIATION_REPORTED' && !hasReport) return setProblem(t.needsReport);
    setProblem(null);
    const done = await acknowledge.run({ input: { alarmId: alarm.id, outcome, comment: comment.trim() || null } });
    if (done) onDone();
  }

  const failure = acknowledge.failure;
  const told = useRef<typeof failure>(null);
  useEffect(() => {
    if (failure?.code === 'CONFLICT' && told.current !== failure) {
      told.current = failure;
      onTaken();
    }
  }, [failure, onTaken]);
  return (
    <Panel title={t.acknowledge} id="acknowledge-heading">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="choices">
          <legend>{t.outcome}</legend>
          {OUTCOMES.filter((o) => FITS[o].includes(alarm.kind)).map((o) => {
            const blocked = o === 'DEVIATION_REPORTED' && !hasReport;
            return (
              <div key={o} className="choice">
                <input
                  type="radio"
                  id={`outcome-${o}`}
                  name="outcome"
                  value={o}
                  checked={outcome === o}
                  onChange={() => setOutcome(o)}
                  aria-describedby={blocked ? 'outcome-needs-report' : undefined}
                />
                <label htmlFor={`outcome-${o}`}>{outcomeText[o]}</label>
              </div>
            );
          })}
          {!hasReport && (
            <p id="outcome-needs-report" className="hint">
              {t.needsReport}
            </p>
          )}
        </fieldset>
        <TextArea
          id="ack-comment"
          label={needsComment(outcome, alarm) ? t.commentRequired : t.comment}
          hint={outcome === 'DOCUMENTATION_VERIFIED' && !alarm.documentationConfirmed ? t.verifiedNeedsComment : undefined}
          value={comment}
          onChange={setComment}
          maxLength={MAX_COMMENT}
          problem={problem === t.commentMissing || problem === t.verifiedNeedsComment || problem === t.commentTooLong(MAX_COMMENT) ? problem : null}
        />
        {problem && problem !== t.commentMissing && problem !== t.verifiedNeedsComment && <Notice tone="error">{problem}</Notice>}
        {failure?.code !== 'CONFLICT' && <FailureNotice failure={failure} />}
        <button className="button" type="submit" disabled={acknowledge.busy}>
          {t.submit}
        </button>
      </form>
    </Panel>
  );
}

function DeviationPanel({ alarm, window, onDone }: { alarm: Alarm; window: string; onDone: () => void }) {
  const unit = useUnit();
  const prefill = alarm.kind === 'MISSED' ? t.prefill(alarm.intervention.title, window) : '';
  const [description, setDescription] = useState(prefill);
  const [problem, setProblem] = useState<string | null>(null);
  const report = useAction(ReportDeviation);
  const deviation = alarm.deviation;
  if (deviation) {
    return (
      <Panel title={t.deviation} id="deviation-heading">
        <p>{t.deviationWritten(deviation.reportedBy.name, dayAndClock(deviation.reportedAt, unit.timezone))}</p>
        <p className="prewrap">{deviation.description}</p>
        <Link to={pathOf('deviations')}>{adminTexts.pages.deviations}</Link>
      </Panel>
    );
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!description.trim()) return setProblem(t.descriptionMissing);
    setProblem(null);
    const done = await report.run({ input: { alarmId: alarm.id, description: description.trim() } });
    if (done) onDone();
  }
  return (
    <Panel title={t.writeDeviation} id="deviation-heading">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextArea
          id="deviation-description"
          label={t.description}
          hint={t.descriptionHint}
          value={description}
          onChange={setDescription}
          maxLength={MAX_DESCRIPTION}
          problem={problem}
        />
        <FailureNotice failure={report.failure} />
        <button className="button" type="submit" disabled={report.busy}>
          {t.sendDeviation}
        </button>
      </form>
    </Panel>
  );
}
