// The overview's newest open alarms, kept current from the live feed: an event's alarm made
// into a table row with the names looked up here, and applied to the rows on screen.
import type { AlarmFieldsFragment, AlarmNamesQuery, LiveAlarmFieldsFragment } from '@shared/gql/graphql';

export type Names = {
  tenant: (id: string) => string | undefined;
  intervention: (id: string) => string | undefined;
  user: (id: string) => string | undefined;
};

export function namesOf(data: AlarmNamesQuery | undefined): Names {
  const tenants = new Map<string, string>();
  const interventions = new Map<string, string>();
  for (const tenant of data?.tenants ?? []) {
    tenants.set(tenant.id, tenant.name);
    for (const i of tenant.interventions) interventions.set(i.id, i.title);
  }
  const users = new Map((data?.users ?? []).map((u) => [u.id, u.name]));
  return { tenant: (id) => tenants.get(id), intervention: (id) => interventions.get(id), user: (id) => users.get(id) };
}

/** A live alarm as a row; what the feed does not carry (the signature's note) is kept from the
 * row on screen, and comes with the next read otherwise. */
export function rowOf(live: LiveAlarmFieldsFragment, names: Names, shown?: AlarmFieldsFragment): AlarmFieldsFragment {
  const person = (ref: { id: string } | null | undefined, before: { name: string } | null | undefined) =>
    ref ? { id: ref.id, name: names.user(ref.id) ?? before?.name ?? '' } : null;
  return {
    ...live,
    tenant: { id: live.tenant.id, name: names.tenant(live.tenant.id) ?? shown?.tenant.name ?? '…' },
    intervention: { id: live.intervention.id, title: names.intervention(live.intervention.id) ?? shown?.intervention.title ?? '…' },
    signedBy: person(live.signedBy, shown?.signedBy),
    acknowledgedBy: person(live.acknowledgedBy, shown?.acknowledgedBy),
    signature: shown?.signature ?? null,
  };
}

/** Whether the names lack someone the alarm mentions (a care recipient registered since). */
export function lacksNames(live: LiveAlarmFieldsFragment, names: Names): boolean {
  return (
    names.tenant(live.tenant.id) === undefined ||
    names.intervention(live.intervention.id) === undefined ||
    (live.signedBy !== null && live.signedBy !== undefined && names.user(live.signedBy.id) === undefined)
  );
}

const newestFirst = (a: AlarmFieldsFragment, b: AlarmFieldsFragment) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt);

/** The rows with one event applied: an open alarm in its place by when it was raised (a late
 * event does not jump the queue), a handled one gone; at most `keep` rows. */
export function applyEvent(rows: AlarmFieldsFragment[], live: LiveAlarmFieldsFragment, names: Names, keep: number): AlarmFieldsFragment[] {
  const shown = rows.find((r) => r.id === live.id);
  const others = rows.filter((r) => r.id !== live.id);
  if (live.state !== 'OPEN') return others;
  return [...others, rowOf(live, names, shown)].sort(newestFirst).slice(0, keep);
}
