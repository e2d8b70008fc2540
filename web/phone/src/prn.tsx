// PRN ("vid behov") interventions per care recipient, signed when given.
import { useState } from 'react';
import { useCachedQuery } from '@shared/cached';
import { Notice } from '@shared/components/Notice';
import type { PrnInterventionsQuery, SigningStatus } from '@shared/gql/graphql';
import { statusText, texts } from '@shared/texts';
import { clock } from '@shared/time';
import { useQueueItems, usePhone } from './app';
import { PrnInterventions } from './operations';
import { Instructions } from './instructions';
import { SignSheet } from './signsheet';

type Tenant = PrnInterventionsQuery['tenants'][number];
type Intervention = Tenant['interventions'][number];
const t = texts.phone;

export function PrnScreen() {
  const { client, queue, me, unit } = usePhone();
  const list = useCachedQuery(client, PrnInterventions, { unitId: unit.id }, `prn|${me.id}|${unit.id}`);
  const items = useQueueItems(queue);
  const [open, setOpen] = useState<{ tenant: Tenant; intervention: Intervention } | null>(null);

  const tenants = (list.data?.tenants ?? [])
    .map((tenant) => ({ tenant, prn: tenant.interventions.filter((i) => i.prn && i.state === 'ACTIVE') }))
    .filter(({ prn }) => prn.length > 0);

  const sign = (intervention: Intervention, status: SigningStatus, note: string | null) => {
    setOpen(null);
    void queue.add({ unitId: unit.id, kind: 'prn', targetId: intervention.id, status, note });
  };

  return (
    <section aria-labelledby="prn-heading">
      <h1 id="prn-heading">{t.prn.heading}</h1>
      <p>{t.prn.intro}</p>
      {list.failure && list.data === null && <Notice tone="error">{list.failure.text}</Notice>}
      {list.data === null && !list.failure && <p>{texts.loading}</p>}
      {list.data !== null && tenants.length === 0 && <p>{t.prn.none}</p>}
      {tenants.map(({ tenant, prn }) => (
        <section key={tenant.id} className="tenant" aria-labelledby={`prn-tenant-${tenant.id}`}>
          <h2 id={`prn-tenant-${tenant.id}`}>{tenant.name}</h2>
          <ul className="rows">
            {prn.map((intervention) => {
              const last = items.filter((i) => i.kind === 'prn' && i.targetId === intervention.id).at(-1);
              return (
                <li key={intervention.id} className="row">
                  <div className="row-main">
                    <div className="row-text">
                      <span className="row-title">{intervention.title}</span>
                      {last && (
                        <span className="row-state">
                          {last.state === 'pending'
                            ? `◷ ${t.state.waiting}`
                            : last.state === 'accepted'
                              ? `✓ ${t.prn.lastSigned(statusText[last.status], clock(new Date(last.queuedAt).toISOString(), unit.timezone))}`
                              : `✕ ${t.state.refused(last.failure?.text ?? '')}`}
                        </span>
                      )}
                    </div>
                    <button
                      className="button"
                      aria-label={`${t.prn.sign(intervention.title)}, ${tenant.name}`}
                      onClick={() => setOpen({ tenant, intervention })}
                    >
                      {t.sign}
                    </button>
                  </div>
                  <Instructions title={intervention.title} text={intervention.instructions} />
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      {open && (
        <SignSheet
          target={{ title: open.intervention.title, tenant: open.tenant.name, instructions: open.intervention.instructions }}
          onSign={(status, note) => sign(open.intervention, status, note)}
          onClose={() => setOpen(null)}
        />
      )}
    </section>
  );
}
