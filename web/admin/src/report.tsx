// The compliance report for a period: per day and intervention, with totals; charts of the
// same figures (loaded with this page only); the CSV through the gateway.
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { ComplianceFiguresFragment } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { addDays, localDate } from '@shared/time';
import { useAdmin, useUnit } from './app';
import type { DayFigures } from './charts';
import { useRead } from './data';
import { ComplianceBySigner, ComplianceReport } from './operations';
import { adminTexts } from './texts';
import { Panel, Scrolling } from './widgets';

const Charts = lazy(() => import('./charts'));
const t = adminTexts.report;
const MAX_DAYS = 366;

function share(f: ComplianceFiguresFragment): string {
  return f.alarmsRaised ? `${Math.round((100 * f.acknowledgedInTime) / f.alarmsRaised)} %` : '–';
}

function Figures({ f }: { f: ComplianceFiguresFragment }) {
  return (
    <>
      <td className="number">{f.planned}</td>
      <td className="number">{f.onTime}</td>
      <td className="number">{f.outsideWindow}</td>
      <td className="number">{f.missed}</td>
      <td className="number">{f.deviating.total}</td>
      <td className="number">{f.pending}</td>
      <td className="number">{f.retrospective}</td>
      <td className="number">{`${f.acknowledgedInTime} / ${f.alarmsRaised}`}</td>
      <td className="number">{share(f)}</td>
    </>
  );
}

export function ReportPage() {
  const unit = useUnit();
  const today = localDate(new Date(), unit.timezone);
  const [period, setPeriod] = useState({ from: addDays(today, -6), to: today });
  const [asked, setAsked] = useState(period);
  const problem = !period.from || !period.to || period.to < period.from ? t.periodOrder : daysBetween(period) > MAX_DAYS ? t.periodTooLong(MAX_DAYS) : null;
  const read = useRead(ComplianceReport, { unitId: unit.id, ...asked });
  const report = read.data?.complianceReport;
  const days = report ? perDay(report.rows) : [];
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{t.heading}</h1>
      <form
        className="filters"
        noValidate
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (!problem) setAsked(period);
        }}
      >
        <TextField id="report-from" type="date" label={t.from} value={period.from} onChange={(from) => setPeriod((p) => ({ ...p, from }))} />
        <TextField id="report-to" type="date" label={t.to} value={period.to} onChange={(to) => setPeriod((p) => ({ ...p, to }))} />
        <button className="button" type="submit">{t.show}</button>
        <CsvDownload unitId={unit.id} from={asked.from} to={asked.to} />
      </form>
      {problem && <p className="problem">{problem}</p>}
      {read.failure && <Notice tone="error">{read.failure.text}</Notice>}
      {!report && !read.failure && <p>{texts.loading}</p>}
      {report && (
        <>
          <Suspense fallback={<p>{t.chartsLoading}</p>}>{days.length > 0 && <Charts days={days} />}</Suspense>
          <Panel title={t.tableHeading(asked.from, asked.to)} id="report-table-heading" wide>
            {report.rows.length === 0 ? (
              <p>{t.none}</p>
            ) : (
              <Scrolling label={t.tableHeading(asked.from, asked.to)}>
                <table className="table report-table">
                  <caption className="visually-hidden">{t.tableHeading(asked.from, asked.to)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t.columns.date}</th>
                      <th scope="col">{t.columns.intervention}</th>
                      <th scope="col" className="number">{t.columns.planned}</th>
                      <th scope="col" className="number">{t.columns.onTime}</th>
                      <th scope="col" className="number">{t.columns.outsideWindow}</th>
                      <th scope="col" className="number">{t.columns.missed}</th>
                      <th scope="col" className="number">{t.columns.deviating}</th>
                      <th scope="col" className="number">{t.columns.pending}</th>
                      <th scope="col" className="number">{t.columns.retrospective}</th>
                      <th scope="col" className="number">{t.columns.acknowledged}</th>
                      <th scope="col" className="number">{t.columns.share}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.rows.map((row, i) => (
                      <tr key={`${row.date}|${row.intervention?.id ?? i}`}>
                        <td className="nowrap">{row.date}</td>
                        <td>{row.intervention ? `${row.intervention.title} – ${row.intervention.tenant.name}` : ''}</td>
                        <Figures f={row} />
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={2}>{t.total}</th>
                      <Figures f={report.total} />
                    </tr>
                  </tfoot>
                </table>
              </Scrolling>
            )}
          </Panel>
          <BySigner unitId={unit.id} from={asked.from} to={asked.to} />
        </>
      )}
    </section>
  );
}

/** The same period per signer, for the manager's follow-up with each member of staff. */
function BySigner({ unitId, from, to }: { unitId: string; from: string; to: string }) {
  const read = useRead(ComplianceBySigner, { unitId, from, to });
  const rows = read.data?.complianceBySigner ?? [];
  return (
    <Panel title={t.bySigner} id="by-signer-heading" wide>
      <p className="hint">{t.bySignerHint}</p>
      {read.failure && <Notice tone="error">{read.failure.text}</Notice>}
      {!read.data && !read.failure && <p>{texts.loading}</p>}
      {read.data && rows.length === 0 && <p>{t.none}</p>}
      {rows.length > 0 && (
        <Scrolling label={t.bySigner}>
          <table className="table by-signer">
            <caption className="visually-hidden">{t.bySigner}</caption>
            <thead>
              <tr>
                <th scope="col">{t.signerColumns.signer}</th>
                <th scope="col" className="number">{t.signerColumns.signed}</th>
                <th scope="col" className="number">{t.columns.onTime}</th>
                <th scope="col" className="number">{t.columns.outsideWindow}</th>
                <th scope="col" className="number">{t.columns.deviating}</th>
                <th scope="col" className="number">{t.columns.retrospective}</th>
                <th scope="col" className="number">{t.columns.missed}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.signer?.id ?? 'unit'}>
                  <th scope="row">{r.signer ? r.signer.name : t.signerColumns.unit}</th>
                  <td className="number">{r.signer ? r.signed : '–'}</td>
                  <td className="number">{r.signer ? r.onTime : '–'}</td>
                  <td className="number">{r.signer ? r.outsideWindow : '–'}</td>
                  <td className="number">{r.signer ? r.deviating.total : '–'}</td>
                  <td className="number">{r.signer ? r.retrospective : '–'}</td>
                  <td className="number">{r.missed ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scrolling>
      )}
    </Panel>
  );
}

function daysBetween(period: { from: string; to: string }): number {
  return Math.round((Date.parse(period.to) - Date.parse(period.from)) / 86_400_000) + 1;
}

/** The rows summed per day, for the charts. */
function perDay(rows: { date?: string | null | undefined; onTime: number; outsideWindow: number; missed: number; pending: number; alarmsRaised: number; acknowledgedInTime: number }[]): DayFigures[] {
  const days = new Map<string, DayFigures>();
  for (const row of rows) {
    if (!row.date) continue;
    const day = days.get(row.date) ?? { date: row.date, onTime: 0, outsideWindow: 0, missed: 0, pending: 0, alarmsRaised: 0, acknowledgedInTime: 0 };
    day.onTime += row.onTime;
    day.outsideWindow += row.outsideWindow;
    day.missed += row.missed;
    day.pending += row.pending;
    day.alarmsRaised += row.alarmsRaised;
    day.acknowledgedInTime += row.acknowledgedInTime;
    days.set(row.date, day);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/** The CSV from the gateway's origin, with the session's token (a plain link could not send it). */
function CsvDownload({ unitId, from, to }: { unitId: string; from: string; to: string }) {
  const { session } = useAdmin();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  async function download() {
    setBusy(true);
    setProblem(null);
    try {
      const token = await session.accessToken();
      const query = new URLSearchParams({ unitId, from, to });
      const response = await fetch(`/reports/compliance.csv?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (!response.ok) {
        setProblem(response.status === 401 ? texts.signIn.expired : response.status === 403 || response.status === 404 ? t.csvForbidden : t.csvFailed);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `signa-rapport-${from}-${to}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      setProblem(t.csvFailed);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="button secondary" disabled={busy} onClick={() => void download()}>
        {t.csv}
      </button>
      {problem && <span className="problem" role="alert">{problem}</span>}
    </>
  );
}
