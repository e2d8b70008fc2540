// The access log (HSLF-FS 2016:40 4 kap. 9 §): who read or changed which care recipient's
// data, searched by recipient, user and period; a random sample for the spot check, and the
// review recorded with its findings and the entries it covered.
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { AccessLogFieldsFragment } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { addDays, dayAndClock, instantOf, localDate } from '@shared/time';
import { useAdmin } from './app';
import { useAction, useRead } from './data';
import { AccessLog, AccessLogSample, LogReviews, RecordLogReview, TenantNames, UnitUsers, Units } from './operations';
import { adminTexts } from './texts';
import { FailureNotice, Panel, Scrolling, SelectField, TextArea } from './widgets';

const t = adminTexts.accessLog;
const SAMPLE_SIZE = 20;

type Period = { from: string; to: string };

/** A period of whole unit-local days as the instants the log is searched between. */
function instants(period: Period, timeZone: string): { from: string; to: string } {
  return { from: instantOf(`${period.from}T00:00`, timeZone), to: instantOf(`${addDays(period.to, 1)}T00:00`, timeZone) };
}

export function AccessLogPage() {
  const { unit, units, access } = useAdmin();
  const all = useRead(Units, {}, !access.systemAdmin);
  const choices = access.systemAdmin ? (all.data?.units ?? []) : units.filter((u) => u.id === unit?.id);
  const [unitId, setUnitId] = useState(unit?.id ?? '');
  const chosen = choices.find((u) => u.id === unitId) ?? choices[0] ?? null;
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{adminTexts.pages.accessLog}</h1>
      <p className="hint">{t.intro}</p>
      {access.systemAdmin && (
        <SelectField
          id="log-unit"
          label={adminTexts.unit}
          value={chosen?.id ?? ''}
          onChange={setUnitId}
          options={choices.map((u): [string, string] => [u.id, u.name])}
        />
      )}
      {!chosen && <p>{texts.loading}</p>}
      {chosen && <UnitLog key={chosen.id} unitId={chosen.id} timeZone={chosen.timezone} />}
    </section>
  );
}

function UnitLog({ unitId, timeZone }: { unitId: string; timeZone: string }) {
  const { access } = useAdmin();
  const today = localDate(new Date(), timeZone);
  const tenants = useRead(TenantNames, { unitId }, !access.unitRoles.has('UNIT_MANAGER'));
  const names = new Map((tenants.data?.tenants ?? []).map((x) => [x.id, x.name]));
  // A system administrator's search covers every unit (accessLog has no unit filter); a
  // manager's covers the units they manage.
  const users = useRead(UnitUsers, { unitId: access.systemAdmin ? null : unitId });
  const [tenantId, setTenantId] = useState('');
  const [userId, setUserId] = useState('');
  const [period, setPeriod] = useState<Period>({ from: addDays(today, -7), to: today });
  const [search, setSearch] = useState<{ tenantId: string; userId: string; period: Period } | null>(null);
  const range = search ? instants(search.period, timeZone) : null;
  const log = useRead(
    AccessLog,
    { tenantId: search?.tenantId || null, userId: search?.userId || null, from: range?.from ?? null, to: range?.to ?? null, first: 100 },
    search === null,
  );
  const periodProblem = period.from && period.to && period.from <= period.to ? null : t.periodProblem;
  const tenantText = (id: string) => names.get(id) ?? id;
  return (
    <>
      <Panel title={access.systemAdmin ? t.searchAll : t.search} id="search-heading" wide>
        <form
          className="filters"
          noValidate
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (!periodProblem) setSearch({ tenantId, userId, period });
          }}
        >
          {tenants.data ? (
            <SelectField
              id="log-tenant"
              label={t.tenant}
              value={tenantId}
              onChange={setTenantId}
              options={[['', t.anyTenant], ...tenants.data.tenants.map((x): [string, string] => [x.id, x.name])]}
            />
          ) : (
            <TextField id="log-tenant" label={t.tenantId} value={tenantId} onChange={setTenantId} autoComplete="off" />
          )}
          <SelectField
            id="log-user"
            label={t.user}
            value={userId}
            onChange={setUserId}
            options={[['', t.anyUser], ...(users.data?.users ?? []).map((u): [string, string] => [u.id, `${u.name} (${u.username})`])]}
          />
          <PeriodFields period={period} onChange={setPeriod} idPrefix="log" />
          <button className="button" type="submit">{t.searchSubmit}</button>
        </form>
        {periodProblem && <p className="problem">{periodProblem}</p>}
      </Panel>
      {search && log.failure && <Notice tone="error">{log.failure.text}</Notice>}
      {search && !log.data && !log.failure && <p>{texts.loading}</p>}
      {search && log.data && (
        <>
          <p className="count-line" role="status">{t.found(log.data.accessLog.length)}</p>
          <EntryTable entries={log.data.accessLog} timeZone={timeZone} tenantText={tenantText} caption={t.search} />
        </>
      )}
      <SpotCheck unitId={unitId} timeZone={timeZone} tenantText={tenantText} />
    </>
  );
}

function PeriodFields({ period, onChange, idPrefix }: { period: Period; onChange: (p: Period) => void; idPrefix: string }) {
  return (
    <>
      <TextField id={`${idPrefix}-from`} type="date" label={t.from} value={period.from} onChange={(from) => onChange({ ...period, from })} />
      <TextField id={`${idPrefix}-to`} type="date" label={t.to} value={period.to} onChange={(to) => onChange({ ...period, to })} />
    </>
  );
}

function EntryTable(props: { entries: AccessLogFieldsFragment[]; timeZone: string; tenantText: (id: string) => string; caption: string }) {
  const { entries, timeZone, tenantText, caption } = props;
  if (entries.length === 0) return <p>{t.none}</p>;
  return (
    <Scrolling label={caption}>
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.when}</th>
            <th scope="col">{t.user}</th>
            <th scope="col">{t.tenant}</th>
            <th scope="col">{t.action}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-entry-id={e.id}>
              <td className="nowrap">{dayAndClock(e.accessedAt, timeZone)}</td>
              <td>{e.user?.name ?? e.userId}</td>
              <td>{tenantText(e.tenantId)}</td>
              <td>{t.actionText(e.action)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scrolling>
  );
}

function SpotCheck({ unitId, timeZone, tenantText }: { unitId: string; timeZone: string; tenantText: (id: string) => string }) {
  const today = localDate(new Date(), timeZone);
  const [period, setPeriod] = useState<Period>({ from: addDays(today, -30), to: today });
  const [drawn, setDrawn] = useState<{ period: Period; draw: number } | null>(null);
  const [saved, setSaved] = useState(false);
  const reviews = useRead(LogReviews, { unitId });
  const periodProblem = period.from && period.to && period.from <= period.to ? null : t.periodProblem;
  return (
    <>
      <Panel title={t.spotCheck} id="spot-check-heading" wide>
        <p className="hint">{t.spotCheckIntro(SAMPLE_SIZE)}</p>
        <form
          className="filters"
          noValidate
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            setSaved(false);
            if (!periodProblem) setDrawn({ period, draw: (drawn?.draw ?? 0) + 1 });
          }}
        >
          <PeriodFields period={period} onChange={setPeriod} idPrefix="sample" />
          <button className="button" type="submit">{drawn ? t.drawAgain : t.draw}</button>
        </form>
        {periodProblem && <p className="problem">{periodProblem}</p>}
        {saved && <Notice tone="ok">{t.saved}</Notice>}
        {drawn && (
          <DrawnSample
            key={drawn.draw}
            unitId={unitId}
            range={instants(drawn.period, timeZone)}
            timeZone={timeZone}
            tenantText={tenantText}
            onRecorded={() => {
              setSaved(true);
              setDrawn(null);
              reviews.refetch();
            }}
          />
        )}
      </Panel>
      <Panel title={t.reviews} id="reviews-heading">
        {reviews.failure && <Notice tone="error">{reviews.failure.text}</Notice>}
        {reviews.data && reviews.data.logReviews.length === 0 && <p>{t.noReviews}</p>}
        {reviews.data && reviews.data.logReviews.length > 0 && (
          <ul className="cards">
            {reviews.data.logReviews.map((r) => (
              <li key={r.id} className="card" data-review-id={r.id}>
                <p>
                  <strong>{t.reviewPeriod(localDate(new Date(r.from), timeZone), localDate(new Date(Date.parse(r.to) - 1), timeZone))}</strong>
                  {' · '}
                  {t.reviewedBy(r.reviewer?.name ?? '', dayAndClock(r.recordedAt, timeZone))}
                  {' · '}
                  {t.covered(r.sampleEntryIds.length)}
                </p>
                <p className="prewrap">{r.findings}</p>
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </>
  );
}

/** One drawn sample and the review of it; a new draw is a new sample. */
function DrawnSample(props: {
  unitId: string;
  range: { from: string; to: string };
  timeZone: string;
  tenantText: (id: string) => string;
  onRecorded: () => void;
}) {
  const { unitId, range, timeZone, tenantText, onRecorded } = props;
  const sample = useRead(AccessLogSample, { unitId, from: range.from, to: range.to, size: SAMPLE_SIZE });
  const record = useAction(RecordLogReview);
  const [findings, setFindings] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const entries = sample.data?.accessLogSample ?? [];
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!findings.trim()) return setProblem(t.findingsMissing);
    setProblem(null);
    const input = { unitId, from: range.from, to: range.to, findings: findings.trim(), sampleEntryIds: entries.map((e) => e.id) };
    if (await record.run({ input })) onRecorded();
  }
  if (sample.failure) return <Notice tone="error">{sample.failure.text}</Notice>;
  if (!sample.data) return <p>{texts.loading}</p>;
  return (
    <>
      <p className="count-line" role="status">{t.sampled(entries.length)}</p>
      <EntryTable entries={entries} timeZone={timeZone} tenantText={tenantText} caption={t.spotCheck} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextArea id="review-findings" label={t.findings} hint={t.findingsHint} value={findings} onChange={setFindings} maxLength={10_000} problem={problem} />
        <FailureNotice failure={record.failure} />
        <button className="button" type="submit" disabled={record.busy}>{t.recordReview}</button>
      </form>
    </>
  );
}
