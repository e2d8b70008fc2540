// The alarm table the overview and the alarm list share: one row per alarm, saying what
// happened in words (colour never carries it alone).
import type { AlarmFieldsFragment } from '@shared/gql/graphql';
import { alarmKindText, statusText, timingText } from '@shared/texts';
import { dayAndClock, shortDay, windowText } from '@shared/time';
import { Link } from './navigation';
import { pathOf } from './routes';
import { adminTexts } from './texts';
import { Scrolling } from './widgets';

const t = adminTexts.alarms;

// A live event does not carry the signature's timing; outside the window it follows from the times.
function timingOf(alarm: AlarmFieldsFragment): 'EARLY' | 'LATE' {
  return alarm.performedAt && alarm.windowStart && Date.parse(alarm.performedAt) < Date.parse(alarm.windowStart) ? 'EARLY' : 'LATE';
}

/** What happened, with the times: not signed; signed early or late; a deviating status and its note. */
export function happened(alarm: AlarmFieldsFragment, timeZone: string): string[] {
  const status = alarm.signingStatus ? statusText[alarm.signingStatus] : '';
  const lines: string[] = [];
  if (alarm.kind === 'MISSED') {
    lines.push(alarm.performedAt && !alarm.signatureAnnulled ? t.missedSignedLate(dayAndClock(alarm.performedAt, timeZone)) : t.missed);
  } else if (alarm.kind === 'OUTSIDE_WINDOW') {
    const timing = timingText[alarm.signature?.timing ?? timingOf(alarm)];
    lines.push(t.outside(status, timing, alarm.performedAt ? dayAndClock(alarm.performedAt, timeZone) : ''));
  } else {
    lines.push(t.deviating(status));
  }
  if (alarm.retrospective) lines.push(t.retrospective(Math.round((alarm.signatureLagSeconds ?? 0) / 60)));
  if (alarm.signature?.note) lines.push(t.note(alarm.signature.note));
  if (alarm.signature?.caseReference) lines.push(t.caseReference(alarm.signature.caseReference));
  if (alarm.signatureAnnulled) lines.push(t.annulled);
  return lines;
}

export function AlarmTable({ alarms, timeZone, caption }: { alarms: AlarmFieldsFragment[]; timeZone: string; caption: string }) {
  return (
    <Scrolling label={caption}>
    <table className="table alarms-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.columns.kind}</th>
          <th scope="col">{t.columns.tenant}</th>
          <th scope="col">{t.columns.intervention}</th>
          <th scope="col">{t.columns.window}</th>
          <th scope="col">{t.columns.what}</th>
          <th scope="col">{t.columns.who}</th>
          <th scope="col">{t.columns.state}</th>
        </tr>
      </thead>
      <tbody>
        {alarms.map((alarm) => (
          <tr key={alarm.id} className={`alarm-row kind-${alarm.kind.toLowerCase()}`} data-alarm-id={alarm.id}>
            <td>
              <Link to={pathOf('alarm', alarm.id)} className="kind">
                <span aria-hidden="true">⚠ </span>
                {alarmKindText[alarm.kind]}
              </Link>
            </td>
            <td>{alarm.tenant.name}</td>
            <td>{alarm.intervention.title}</td>
            <td className="nowrap">
              {alarm.windowStart && alarm.windowEnd
                ? `${shortDay(alarm.windowStart, timeZone)} ${windowText(alarm.windowStart, alarm.windowEnd, timeZone)}`
                : ''}
            </td>
            <td>
              {happened(alarm, timeZone).map((line) => (
                <span key={line} className="line">{line}</span>
              ))}
            </td>
            <td>{alarm.signedBy?.name ?? ''}</td>
            <td>
              <AlarmState alarm={alarm} timeZone={timeZone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </Scrolling>
  );
}

export function AlarmState({ alarm, timeZone }: { alarm: AlarmFieldsFragment; timeZone: string }) {
  if (alarm.state === 'ACKNOWLEDGED') {
    return <span className="badge ok">{t.acknowledgedState(alarm.acknowledgedBy?.name ?? '', alarm.acknowledgedAt ? dayAndClock(alarm.acknowledgedAt, timeZone) : '')}</span>;
  }
  return (
    <span className="badges">
      <span className="badge">{t.openState}</span>
      {alarm.overdue && <span className="badge bad">{t.overdueBadge}</span>}
      {alarm.escalatedAt && <span className="badge late">{t.escalatedBadge}</span>}
    </span>
  );
}
