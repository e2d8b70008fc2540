// The alarm list: filters in the address (so a filtered list can be shared and reloaded),
// pages of 50 from the `alarms` connection.
import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import { failureOf, type Failure } from '@shared/errors';
import type { AlarmFieldsFragment, AlarmKind, AlarmListQueryVariables, AlarmState } from '@shared/gql/graphql';
import { alarmKindText, texts } from '@shared/texts';
import { AlarmTable } from './alarmtable';
import { useUnit } from './app';
import { useRead } from './data';
import { useSearch } from './navigation';
import { AlarmList, AlarmNames } from './operations';
import { adminTexts } from './texts';
import { SelectField } from './widgets';

const t = adminTexts.alarms;
const PAGE = 50;
const KINDS: AlarmKind[] = ['MISSED', 'OUTSIDE_WINDOW', 'DEVIATING'];
const STATES: AlarmState[] = ['OPEN', 'ACKNOWLEDGED'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function filtersOf(params: URLSearchParams, unitId: string): AlarmListQueryVariables {
  const kind = params.get('kind') as AlarmKind | null;
  const state = params.get('state') as AlarmState | null;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    unitId,
    kind: kind && KINDS.includes(kind) ? kind : null,
    state: state && STATES.includes(state) ? state : null,
    overdue: params.get('overdue') === '1' ? true : null,
    escalated: params.get('escalated') === '1' ? true : null,
    undocumented: params.get('undocumented') === '1' ? true : null,
    signedBy: params.get('signer') || null,
    tenantId: params.get('tenant') || null,
    from: DATE.test(from) ? from : null,
    to: DATE.test(to) ? to : null,
    first: PAGE,
  };
}

export function AlarmsPage() {
  const unit = useUnit();
  const client = useClient();
  const [params, setParams] = useSearch();
  const filters = filtersOf(params, unit.id);
  const first = useRead(AlarmList, filters);
  // The filters' choices: the unit's care recipients and staff, in the overview's one query.
  const names = useRead(AlarmNames, { unitId: unit.id });
  const [more, setMore] = useState<{ rows: AlarmFieldsFragment[]; cursor: string | null; hasNext: boolean } | null>(null);
  const [moreFailure, setMoreFailure] = useState<Failure | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const key = JSON.stringify(filters);
  useEffect(() => {
    setMore(null);
    setMoreFailure(null);
  }, [key]);

  const page = first.data?.alarms;
  const rows = [...(page?.nodes ?? []), ...(more?.rows ?? [])];
  const hasNext = more ? more.hasNext : (page?.pageInfo.hasNextPage ?? false);
  const cursor = more ? more.cursor : (page?.pageInfo.endCursor ?? null);

  async function loadMore() {
    setLoadingMore(true);
    const result = await client.query(AlarmList, { ...filters, after: cursor }, { requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    if (result.error || !result.data) {
      setMoreFailure(result.error ? failureOf(result.error) : null);
      return;
    }
    const next = result.data.alarms;
    setMore((m) => ({ rows: [...(m?.rows ?? []), ...next.nodes], cursor: next.pageInfo.endCursor ?? null, hasNext: next.pageInfo.hasNextPage }));
  }

  const tenantOptions: [string, string][] = [['', t.anyTenant], ...(names.data?.tenants ?? []).map((x): [string, string] => [x.id, x.name])];
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{t.heading}</h1>
      <form className="filters" aria-label={t.filters} onSubmit={(e) => e.preventDefault()}>
        <SelectField
          id="filter-kind"
          label={t.kind}
          value={filters.kind ?? ''}
          onChange={(kind) => setParams({ kind })}
          options={[['', t.anyKind], ...KINDS.map((k): [string, string] => [k, alarmKindText[k]])]}
        />
        <SelectField
          id="filter-state"
          label={t.state}
          value={filters.state ?? ''}
          onChange={(state) => setParams({ state })}
          options={[['', t.anyState], ['OPEN', t.open], ['ACKNOWLEDGED', t.acknowledged]]}
        />
        <SelectField id="filter-tenant" label={t.tenant} value={String(filters.tenantId ?? '')} onChange={(tenant) => setParams({ tenant })} options={tenantOptions} />
        <SelectField
          id="filter-signer"
          label={t.signer}
          value={String(filters.signedBy ?? '')}
          onChange={(signer) => setParams({ signer })}
          options={[['', t.anySigner], ...(names.data?.users ?? []).map((u): [string, string] => [u.id, u.name])]}
        />
        <TextField id="filter-from" type="date" label={t.from} value={filters.from ?? ''} onChange={(from) => setParams({ from })} />
        <TextField id="filter-to" type="date" label={t.to} value={filters.to ?? ''} onChange={(to) => setParams({ to })} />
        <div className="field checkbox">
          <input id="filter-overdue" type="checkbox" checked={filters.overdue === true} onChange={(e) => setParams({ overdue: e.target.checked ? '1' : null })} />
          <label htmlFor="filter-overdue">{t.overdueOnly}</label>
        </div>
        <div className="field checkbox">
          <input id="filter-escalated" type="checkbox" checked={filters.escalated === true} onChange={(e) => setParams({ escalated: e.target.checked ? '1' : null })} />
          <label htmlFor="filter-escalated">{t.escalatedOnly}</label>
        </div>
        <div className="field checkbox">
          <input id="filter-undocumented" type="checkbox" checked={filters.undocumented === true} onChange={(e) => setParams({ undocumented: e.target.checked ? '1' : null })} />
          <label htmlFor="filter-undocumented">{t.undocumentedOnly}</label>
        </div>
        <button type="button" className="button quiet" onClick={() => setParams({ kind: null, state: null, tenant: null, signer: null, from: null, to: null, overdue: null, escalated: null, undocumented: null })}>
          {t.clear}
        </button>
      </form>
      {first.failure && <Notice tone="error">{first.failure.text}</Notice>}
      {!page && !first.failure && <p>{texts.loading}</p>}
      {page && (
        <>
          <p className="count-line" role="status">{t.count(rows.length, page.totalCount)}</p>
          {rows.length === 0 ? <p>{t.none}</p> : <AlarmTable alarms={rows} timeZone={unit.timezone} caption={t.heading} />}
          {moreFailure && <Notice tone="error">{moreFailure.text}</Notice>}
          {hasNext && (
            <button className="button secondary" disabled={loadingMore} onClick={() => void loadMore()}>
              {loadingMore ? texts.loading : t.more}
            </button>
          )}
        </>
      )}
    </section>
  );
}
