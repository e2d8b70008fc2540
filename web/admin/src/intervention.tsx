// One intervention: what it is, its plan anchoring, its state (pause, resume, end with a
// reason), its schedule and who changed what.
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { InterventionDetailQuery } from '@shared/gql/graphql';
import { dayAndClock } from '@shared/time';
import { useAdmin, useUnit } from './app';
import { useAction, useRead } from './data';
import { Link } from './navigation';
import { ConfirmPlanAnchoring, EndIntervention, InterventionDetail, PauseIntervention, ResumeIntervention, UpdateSchedule } from './operations';
import { pathOf } from './routes';
import { repeatText } from './rrule';
import { draftOf, NEW_SCHEDULE, ScheduleEditor, scheduleOf, type ScheduleDraft } from './schedule';
import { adminTexts, categoryText, stateText } from './texts';
import { FailureNotice, NoRecord, Panel, TextArea } from './widgets';

const t = adminTexts.intervention;
type Intervention = NonNullable<InterventionDetailQuery['intervention']>;

export function InterventionPage({ id }: { id: string }) {
  const unit = useUnit();
  const read = useRead(InterventionDetail, { id });
  const intervention = read.data?.intervention;
  if (!intervention || intervention.unitId !== unit.id) {
    return (
      <NoRecord
        failure={read.failure}
        loading={read.data === undefined}
        title={adminTexts.pages.intervention}
        missing={t.notFound}
        back={[pathOf('tenants'), adminTexts.tenants.back]}
      />
    );
  }
  const i = intervention;
  const tz = unit.timezone;
  return (
    <section aria-labelledby="page-heading">
      <p>
        <Link to={pathOf('tenant', i.tenant.id)}>{t.backTo(i.tenant.name)}</Link>
      </p>
      <h1 id="page-heading">{i.title}</h1>
      <dl className="facts">
        <dt>{t.state}</dt>
        <dd>
          <span className={`badge state-${i.state.toLowerCase()}`}>{stateText[i.state]}</span>
          {i.stateReason ? ` ${i.stateReason}` : ''}
        </dd>
        <dt>{t.category}</dt>
        <dd>{categoryText[i.category]}</dd>
        <dt>{t.when}</dt>
        <dd>
          {i.prn
            ? t.prn
            : i.schedule && `${repeatText(i.schedule.rrule)}; ${t.startsAt(i.schedule.windowStarts.join(', '))}; ${t.windowLength(i.schedule.windowMinutes)}`}
        </dd>
        <dt>{t.valid}</dt>
        <dd>{i.validTo ? `${i.validFrom} – ${i.validTo}` : t.validFromOnly(i.validFrom)}</dd>
        <dt>{t.planReference}</dt>
        <dd>{i.planReference || t.noPlanReference}</dd>
        <dt>{t.anchored}</dt>
        <dd>{i.anchoredAt ? dayAndClock(i.anchoredAt, tz) : t.notAnchored}</dd>
        <dt>{t.instructions}</dt>
        <dd className="prewrap">{i.instructions || '–'}</dd>
      </dl>
      {i.state === 'DRAFT' && <Anchoring intervention={i} onDone={read.refetch} />}
      {(i.state === 'ACTIVE' || i.state === 'PAUSED') && <StateActions intervention={i} onDone={read.refetch} />}
      {(i.state === 'ACTIVE' || i.state === 'PAUSED') && !i.prn && <ChangeSchedule intervention={i} onDone={read.refetch} />}
      <Panel title={t.history} id="history-heading">
        <ol className="history">
          {i.history.map((h, n) => (
            <li key={n}>
              {dayAndClock(h.changedAt, tz)}: {t.changeText(h.change)}
            </li>
          ))}
        </ol>
      </Panel>
    </section>
  );
}

function Anchoring({ intervention, onDone }: { intervention: Intervention; onDone: () => void }) {
  const { access } = useAdmin();
  const confirm = useAction(ConfirmPlanAnchoring);
  const [checked, setChecked] = useState(false);
  if (!access.unitRoles.has('SOL_ADMIN')) {
    return (
      <Panel title={t.anchoring} id="anchoring-heading">
        <p>{t.anchoringBySolAdmin}</p>
      </Panel>
    );
  }
  return (
    <Panel title={t.anchoring} id="anchoring-heading">
      <p>{intervention.planReference ? t.anchoringQuestion(intervention.planReference) : t.anchoringNoReference}</p>
      <div className="field checkbox">
        <input id="anchor-check" type="checkbox" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
        <label htmlFor="anchor-check">{t.anchoringCheck}</label>
      </div>
      <FailureNotice failure={confirm.failure} />
      <button
        className="button"
        disabled={!checked || confirm.busy}
        onClick={() => void confirm.run({ interventionId: intervention.id }).then((done) => done && onDone())}
      >
        {t.anchoringSubmit}
      </button>
    </Panel>
  );
}

function StateActions({ intervention, onDone }: { intervention: Intervention; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const pause = useAction(PauseIntervention);
  const resume = useAction(ResumeIntervention);
  const end = useAction(EndIntervention);
  const busy = pause.busy || resume.busy || end.busy;
  const withReason = async (action: typeof pause | typeof end) => {
    if (!reason.trim()) return setProblem(t.reasonMissing);
    setProblem(null);
    if (await action.run({ interventionId: intervention.id, reason: reason.trim() })) onDone();
  };
  return (
    <Panel title={t.changeState} id="state-heading">
      <TextArea id="state-reason" label={t.reason} hint={t.reasonHint} value={reason} onChange={setReason} maxLength={500} problem={problem} />
      <FailureNotice failure={pause.failure ?? resume.failure ?? end.failure} />
      <div className="actions">
        {intervention.state === 'ACTIVE' && (
          <button className="button secondary" disabled={busy} onClick={() => void withReason(pause)}>
            {t.pause}
          </button>
        )}
        {intervention.state === 'PAUSED' && (
          <button
            className="button"
            disabled={busy}
            onClick={() => void resume.run({ interventionId: intervention.id }).then((done) => done && onDone())}
          >
            {t.resume}
          </button>
        )}
        <button className="button danger" disabled={busy} onClick={() => void withReason(end)}>
          {t.end}
        </button>
      </div>
    </Panel>
  );
}

function ChangeSchedule({ intervention, onDone }: { intervention: Intervention; onDone: () => void }) {
  const [draft, setDraft] = useState<ScheduleDraft>(intervention.schedule ? draftOf(intervention.schedule) : NEW_SCHEDULE);
  const [validTo, setValidTo] = useState(intervention.validTo ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useAction(UpdateSchedule);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const built = scheduleOf(draft);
    if ('problem' in built) return setProblem(built.problem);
    setProblem(null);
    const done = await update.run({ input: { interventionId: intervention.id, schedule: built.schedule, validTo: validTo || null } });
    if (done) {
      setSaved(true);
      onDone();
    }
  }
  return (
    <Panel title={t.changeSchedule} id="schedule-heading">
      <p className="hint">{t.changeScheduleHint}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ScheduleEditor draft={draft} onChange={setDraft} validFrom={null} validTo={validTo || null} idPrefix="change-schedule" />
        <TextField id="change-valid-to" type="date" label={t.validTo} hint={t.validToHint} value={validTo} onChange={setValidTo} />
        {problem && <Notice tone="error">{problem}</Notice>}
        {saved && <Notice tone="ok">{t.scheduleSaved}</Notice>}
        <FailureNotice failure={update.failure} />
        <button className="button" type="submit" disabled={update.busy}>{t.saveSchedule}</button>
      </form>
    </Panel>
  );
}
