// The unit's care recipients: the list, a new one, and one person's page (their details,
// moving out, their interventions and absences).
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { TenantDetailQuery } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { dayAndClock, instantOf, localDate, shortDay, windowText } from '@shared/time';
import { useUnit } from './app';
import { useAction, useRead } from './data';
import { InterventionForm } from './interventionform';
import { Link, useGo } from './navigation';
import { CreateTenant, EndAbsence, MoveOutTenant, RegisterAbsence, TenantDetail, Tenants, UpdateTenant } from './operations';
import { pathOf } from './routes';
import { repeatText } from './rrule';
import { absenceText, adminTexts, stateText } from './texts';
import { FailureNotice, NoRecord, Panel, SelectField, TextArea } from './widgets';

const t = adminTexts.tenants;

export function TenantsPage() {
  const unit = useUnit();
  const [movedOut, setMovedOut] = useState(false);
  const read = useRead(Tenants, { unitId: unit.id, includeMovedOut: movedOut });
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{t.heading}</h1>
      <div className="field checkbox">
        <input id="show-moved-out" type="checkbox" checked={movedOut} onChange={(e) => setMovedOut(e.target.checked)} />
        <label htmlFor="show-moved-out">{t.showMovedOut}</label>
      </div>
      {read.failure && <Notice tone="error">{read.failure.text}</Notice>}
      {!read.data && !read.failure && <p>{texts.loading}</p>}
      {read.data && read.data.tenants.length === 0 && <p>{t.none}</p>}
      {read.data && read.data.tenants.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">{t.heading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.externalReference}</th>
              <th scope="col" className="number">{t.activeInterventions}</th>
              <th scope="col">{t.status}</th>
            </tr>
          </thead>
          <tbody>
            {read.data.tenants.map((tenant) => (
              <tr key={tenant.id}>
                <td>
                  <Link to={pathOf('tenant', tenant.id)}>{tenant.name}</Link>
                </td>
                <td>{tenant.externalReference ?? ''}</td>
                <td className="number">{tenant.interventions.filter((i) => i.state === 'ACTIVE').length}</td>
                <td>{tenant.movedOutAt ? t.movedOut(tenant.movedOutAt) : t.current}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NewTenant onCreated={read.refetch} />
    </section>
  );
}

function NewTenant({ onCreated }: { onCreated: () => void }) {
  const unit = useUnit();
  const go = useGo();
  const [name, setName] = useState('');
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useAction(CreateTenant);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setProblem(t.nameMissing);
    setProblem(null);
    const done = await create.run({ input: { unitId: unit.id, name: name.trim(), externalReference: reference.trim() || null } });
    if (done) {
      onCreated();
      go(pathOf('tenant', done.createTenant.id));
    }
  }
  return (
    <Panel title={t.create} id="new-tenant-heading">
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <TextField id="tenant-name" label={t.name} value={name} onChange={setName} autoComplete="off" aria-invalid={problem ? true : undefined} />
        <TextField id="tenant-reference" label={t.externalReference} hint={t.externalReferenceHint} value={reference} onChange={setReference} autoComplete="off" />
        <div className="form-actions">
          {problem && <Notice tone="error">{problem}</Notice>}
          <FailureNotice failure={create.failure} />
          <button className="button" type="submit" disabled={create.busy}>{t.createSubmit}</button>
        </div>
      </form>
    </Panel>
  );
}

type Tenant = NonNullable<TenantDetailQuery['tenant']>;

export function TenantPage({ id }: { id: string }) {
  const unit = useUnit();
  const read = useRead(TenantDetail, { id });
  const tenant = read.data?.tenant;
  if (!tenant || tenant.unitId !== unit.id) {
    return (
      <NoRecord
        failure={read.failure}
        loading={read.data === undefined}
        title={adminTexts.pages.tenant}
        missing={t.notFound}
        back={[pathOf('tenants'), t.back]}
      />
    );
  }
  const current = !tenant.movedOutAt;
  return (
    <section aria-labelledby="page-heading">
      <p>
        <Link to={pathOf('tenants')}>{t.back}</Link>
      </p>
      <h1 id="page-heading">{tenant.name}</h1>
      <dl className="facts">
        <dt>{t.externalReference}</dt>
        <dd>{tenant.externalReference || '–'}</dd>
        <dt>{t.status}</dt>
        <dd>{tenant.movedOutAt ? `${t.movedOut(tenant.movedOutAt)}${tenant.moveOutReason ? `: ${tenant.moveOutReason}` : ''}` : t.current}</dd>
      </dl>
      <h2>{t.interventions}</h2>
      {tenant.interventions.length === 0 ? (
        <p>{t.noInterventions}</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{t.interventions}</caption>
          <thead>
            <tr>
              <th scope="col">{t.title}</th>
              <th scope="col">{t.schedule}</th>
              <th scope="col">{t.status}</th>
            </tr>
          </thead>
          <tbody>
            {tenant.interventions.map((i) => (
              <tr key={i.id}>
                <td>
                  <Link to={pathOf('intervention', i.id)}>{i.title}</Link>
                </td>
                <td>
                  {i.prn
                    ? t.prn
                    : i.schedule
                      ? `${repeatText(i.schedule.rrule)}, ${i.schedule.windowStarts.join(', ')} (${i.schedule.windowMinutes} min)`
                      : ''}
                </td>
                <td>{stateText[i.state]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current && (
        <Panel title={t.newIntervention} id="new-intervention-heading">
          <InterventionForm tenantId={tenant.id} onCreated={read.refetch} />
        </Panel>
      )}
      <Absences tenant={tenant} onChanged={read.refetch} />
      {current && <EditTenant tenant={tenant} onSaved={read.refetch} />}
      {current && <MoveOut tenant={tenant} onDone={read.refetch} />}
    </section>
  );
}

function EditTenant({ tenant, onSaved }: { tenant: Tenant; onSaved: () => void }) {
  const [name, setName] = useState(tenant.name);
  const [reference, setReference] = useState(tenant.externalReference ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useAction(UpdateTenant);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    if (!name.trim()) return setProblem(t.nameMissing);
    setProblem(null);
    const done = await update.run({ input: { tenantId: tenant.id, name: name.trim(), externalReference: reference.trim() } });
    if (done) {
      setSaved(true);
      onSaved();
    }
  }
  return (
    <Panel title={t.edit} id="edit-tenant-heading">
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <TextField id="edit-name" label={t.name} value={name} onChange={setName} autoComplete="off" />
        <TextField id="edit-reference" label={t.externalReference} value={reference} onChange={setReference} autoComplete="off" />
        <div className="form-actions">
          {problem && <Notice tone="error">{problem}</Notice>}
          {saved && <Notice tone="ok">{t.saved}</Notice>}
          <FailureNotice failure={update.failure} />
          <button className="button" type="submit" disabled={update.busy}>{texts.save}</button>
        </div>
      </form>
    </Panel>
  );
}

function MoveOut({ tenant, onDone }: { tenant: Tenant; onDone: () => void }) {
  const unit = useUnit();
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(localDate(new Date(), unit.timezone));
  const [problem, setProblem] = useState<string | null>(null);
  const moveOut = useAction(MoveOutTenant);
  const active = tenant.interventions.filter((i) => i.state !== 'ENDED').length;
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) return setProblem(t.reasonMissing);
    setProblem(null);
    const done = await moveOut.run({ input: { tenantId: tenant.id, reason: reason.trim(), movedOutAt: date || null } });
    if (done) onDone();
  }
  return (
    <Panel title={t.moveOut} id="move-out-heading">
      <p>{t.moveOutIntro(active)}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField id="move-out-date" type="date" label={t.moveOutDate} value={date} onChange={setDate} />
        <TextArea id="move-out-reason" label={t.reason} value={reason} onChange={setReason} maxLength={500} problem={problem} />
        <FailureNotice failure={moveOut.failure} />
        <button className="button danger" type="submit" disabled={moveOut.busy}>{t.moveOutSubmit}</button>
      </form>
    </Panel>
  );
}

function Absences({ tenant, onChanged }: { tenant: Tenant; onChanged: () => void }) {
  const unit = useUnit();
  const tz = unit.timezone;
  const [kind, setKind] = useState<'HOSPITAL' | 'SHORT_TERM_STAY' | 'OTHER'>('HOSPITAL');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const register = useAction(RegisterAbsence);
  const end = useAction(EndAbsence);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!from) return setProblem(t.absenceFromMissing);
    if (to && to <= from) return setProblem(t.absenceOrder);
    setProblem(null);
    const input = { tenantId: tenant.id, kind, from: instantOf(from, tz), to: to ? instantOf(to, tz) : null };
    if (await register.run({ input })) {
      setFrom('');
      setTo('');
      onChanged();
    }
  }
  return (
    <Panel title={t.absences} id="absences-heading">
      {tenant.absences.length === 0 && <p>{t.noAbsences}</p>}
      <ul className="cards">
        {tenant.absences.map((a) => (
          <li key={a.id} className="card">
            <p>
              <strong>{absenceText[a.kind]}</strong> {dayAndClock(a.from, tz)} – {a.to ? dayAndClock(a.to, tz) : t.untilFurther}
            </p>
            <details>
              <summary>{t.cancelledWindows(a.cancelledOccurrences.length)}</summary>
              <ul>
                {a.cancelledOccurrences.map((o) => (
                  <li key={o.id}>
                    {shortDay(o.windowStart, tz)} {windowText(o.windowStart, o.windowEnd, tz)} {o.intervention.title}
                  </li>
                ))}
              </ul>
            </details>
            {!a.to && (
              <button
                className="button secondary"
                disabled={end.busy}
                onClick={() => void end.run({ absenceId: a.id, to: new Date().toISOString() }).then((done) => done && onChanged())}
              >
                {t.endAbsenceNow}
              </button>
            )}
          </li>
        ))}
      </ul>
      <FailureNotice failure={end.failure} />
      {!tenant.movedOutAt && (
        <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
          <SelectField
            id="absence-kind"
            label={t.absenceKind}
            value={kind}
            onChange={(v) => setKind(v as typeof kind)}
            options={(['HOSPITAL', 'SHORT_TERM_STAY', 'OTHER'] as const).map((k): [string, string] => [k, absenceText[k]])}
          />
          <TextField id="absence-from" type="datetime-local" label={t.absenceFrom} value={from} onChange={setFrom} />
          <TextField id="absence-to" type="datetime-local" label={t.absenceTo} hint={t.absenceToHint} value={to} onChange={setTo} />
          <div className="form-actions">
            {problem && <Notice tone="error">{problem}</Notice>}
            <FailureNotice failure={register.failure} />
            <button className="button" type="submit" disabled={register.busy}>{t.registerAbsence}</button>
          </div>
        </form>
      )}
    </Panel>
  );
}
