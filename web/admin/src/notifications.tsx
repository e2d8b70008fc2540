// What the follow-up e-mails told whom, and when: the unit managers' check that the
// reminders reach people.
import { useState } from 'react';
import { Notice } from '@shared/components/Notice';
import type { NotificationKind } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { dayAndClock } from '@shared/time';
import { useAdmin } from './app';
import { useRead } from './data';
import { Notifications, Units } from './operations';
import { adminTexts } from './texts';
import { Scrolling, SelectField } from './widgets';

const t = adminTexts.notifications;

export const kindText: Record<NotificationKind, string> = {
  ESCALATION_DIGEST: 'Larm eskalerade till enhetschef',
  KVITTERING_REMINDER: 'Påminnelse om veckans kvittering',
  ASSESSMENT_REMINDER: 'Avvikelser väntar på bedömning',
  IVO_REMINDER: 'Anmälan till IVO närmar sig',
};

export function NotificationsPage() {
  const { unit, access } = useAdmin();
  const all = useRead(Units, {}, !access.systemAdmin);
  const managed = access.unitRoles.has('UNIT_MANAGER') && unit ? [unit] : [];
  const choices = access.systemAdmin ? (all.data?.units ?? []) : managed;
  const [unitId, setUnitId] = useState(unit?.id ?? '');
  const chosen = choices.find((u) => u.id === unitId) ?? choices[0] ?? null;
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{adminTexts.pages.notifications}</h1>
      <p className="hint">{t.intro}</p>
      {access.systemAdmin && (
        <SelectField id="notifications-unit" label={adminTexts.unit} value={chosen?.id ?? ''} onChange={setUnitId} options={choices.map((u): [string, string] => [u.id, u.name])} />
      )}
      {chosen ? <UnitNotifications key={chosen.id} unitId={chosen.id} timeZone={chosen.timezone} /> : <p>{texts.loading}</p>}
    </section>
  );
}

function UnitNotifications({ unitId, timeZone }: { unitId: string; timeZone: string }) {
  const read = useRead(Notifications, { unitId });
  if (read.failure) return <Notice tone="error">{read.failure.text}</Notice>;
  if (!read.data) return <p>{texts.loading}</p>;
  const sent = read.data.notifications;
  if (sent.length === 0) return <p>{t.none}</p>;
  return (
    <Scrolling label={adminTexts.pages.notifications}>
      <table className="table">
        <caption className="visually-hidden">{adminTexts.pages.notifications}</caption>
        <thead>
          <tr>
            <th scope="col">{t.when}</th>
            <th scope="col">{t.kind}</th>
            <th scope="col">{t.to}</th>
            <th scope="col">{t.what}</th>
            <th scope="col">{t.state}</th>
          </tr>
        </thead>
        <tbody>
          {sent.map((n) => (
            <tr key={n.id}>
              <td className="nowrap">{dayAndClock(n.queuedAt, timeZone)}</td>
              <td>{kindText[n.kind]}</td>
              <td>{n.recipient?.name ?? t.unknownRecipient}</td>
              <td>{n.reason}</td>
              <td>{n.sentAt ? t.sentAt(dayAndClock(n.sentAt, timeZone)) : t.waiting}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scrolling>
  );
}
