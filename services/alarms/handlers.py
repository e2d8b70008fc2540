"""Use cases of the people following up alarms: list, acknowledge, report, assess, read reports.

Each loads what it needs, checks who may do it (`access.require`), decides with the domain
rules and commits the change with its events in one unit of work.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import update

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms import repository
from services.alarms.access import ASSESS, FOLLOW_UP, READ, record_access, require
from services.alarms.domain import (
    AckOutcome,
    AlarmKind,
    AlarmNotFound,
    AlarmNotOpen,
    AlarmState,
    AlreadyAssessed,
    AlreadyReported,
    ComplianceRow,
    DeviationNotFound,
    ReportOccurrence,
    SignerComplianceRow,
    aggregate_by_signer,
    aggregate_compliance,
    ivo_report_deadline,
    validate_acknowledgement,
    validate_days,
    validate_deviation_text,
    validate_follow_up_note,
    validate_period,
)
from services.alarms.events import AlarmAcknowledged, DeviationAssessed, DeviationReported
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import (
    AlarmRow,
    DeviationRow,
    FollowUpNoteRow,
    OccurrenceRow,
    SignatureRow,
)

__all__ = [
    "acknowledge_alarm",
    "add_follow_up_note",
    "assess_deviation",
    "compliance_by_signer",
    "compliance_report",
    "limits",
    "list_alarms",
    "report_deviation",
]


def limits(settings: AlarmsSettings, *, now: datetime) -> repository.Limits:
    """The instants the overdue and undocumented filters and counts compare with."""
    return repository.Limits(
        overdue_before=now - settings.overdue_after,
        undocumented_before=now - settings.undocumented_after,
    )


def _no_alarm(alarm_id: str) -> AlarmNotFound:
    return AlarmNotFound(f"no alarm {alarm_id}")


async def list_alarms(
    uow: UnitOfWork,
    *,
    principal: Principal,
    query: repository.AlarmFilter,
    first: int,
    after: tuple[datetime, str] | None,
    settings: AlarmsSettings,
) -> tuple[repository.AlarmPage, list[repository.AlarmView]]:
    """One page of a unit's alarms with what they show; their care recipients' reading logged."""
    unit_id = query.unit_id
    require(principal, unit_id=unit_id, roles=READ, missing=AlarmNotFound(f"no unit {unit_id}"))
    validate_days(first=query.first_day, last=query.last_day)
    page = await repository.list_alarms(
        uow.session,
        query=query,
        limits=limits(settings, now=uow.clock.now()),
        first=first,
        after=after,
    )
    views = await repository.alarm_views(uow.session, page.alarms)
    await record_access(
        uow,
        principal=principal,
        unit_id=unit_id,
        tenant_ids=[row.tenant_id for row in page.alarms],
        action="alarms.read",
    )
    await uow.commit()
    return page, views


async def acknowledge_alarm(
    uow: UnitOfWork,
    *,
    principal: Principal,
    alarm_id: str,
    outcome: AckOutcome,
    comment: str | None,
) -> str:
    alarm = await repository.find_alarm(uow.session, alarm_id)
    if alarm is None:
        raise _no_alarm(alarm_id)
    require(principal, unit_id=alarm.unit_id, roles=FOLLOW_UP, missing=_no_alarm(alarm_id))
    signature = (
        await uow.session.get(SignatureRow, alarm.signature_id) if alarm.signature_id else None
    )
    cleaned = validate_acknowledgement(
        outcome=outcome,
        comment=comment,
        state=AlarmState(alarm.state),
        kind=AlarmKind(alarm.kind),
        has_deviation_report=alarm.deviation_id is not None,
        documentation_confirmed=signature is not None and signature.documented_at is not None,
    )
    now = uow.clock.now()
    # Conditional on the state still being OPEN: of two people acknowledging at once,
    # exactly one matches a row; the other is told it was taken.
    result = await uow.session.execute(
        update(AlarmRow)
        .where(AlarmRow.alarm_id == alarm_id, AlarmRow.state == AlarmState.OPEN.value)
        .values(
            state=AlarmState.ACKNOWLEDGED.value,
            outcome=outcome.value,
            comment=cleaned,
            acknowledged_by=principal.user_id,
            acknowledged_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise AlarmNotOpen("somebody else acknowledged the alarm a moment ago")
    await uow.emit(
        AlarmAcknowledged(
            alarm_id=alarm_id,
            unit_id=alarm.unit_id,
            outcome=outcome.value,
            acknowledged_by=principal.user_id,
            acknowledged_at=now,
        )
    )
    await record_access(
        uow,
        principal=principal,
        unit_id=alarm.unit_id,
        tenant_ids=[alarm.tenant_id],
        action="alarm.acknowledge",
    )
    await uow.commit()
    return alarm_id


async def report_deviation(
    uow: UnitOfWork, *, principal: Principal, alarm_id: str, description: str
) -> DeviationRow:
    """A deviation report pre-filled with the occurrence, its window and signing history."""
    alarm = await repository.find_alarm(uow.session, alarm_id)
    if alarm is None:
        raise _no_alarm(alarm_id)
    require(principal, unit_id=alarm.unit_id, roles=FOLLOW_UP, missing=_no_alarm(alarm_id))
    text = validate_deviation_text(description, what="description")
    if alarm.deviation_id is not None:
        raise AlreadyReported("the alarm already has a deviation report")
    occurrence = await uow.session.get(OccurrenceRow, alarm.occurrence_id)
    history = await repository.signing_history(uow.session, alarm.occurrence_id)
    now = uow.clock.now()
    deviation = DeviationRow(
        deviation_id=str(uuid.uuid4()),
        alarm_id=alarm_id,
        unit_id=alarm.unit_id,
        occurrence_id=alarm.occurrence_id,
        intervention_id=alarm.intervention_id,
        tenant_id=alarm.tenant_id,
        window_start=occurrence.window_start if occurrence else None,
        window_end=occurrence.window_end if occurrence else None,
        signing_history=[
            {
                "signatureId": s.signature_id,
                "status": s.status,
                "timing": s.timing,
                "performedAt": _iso(s.performed_at),
                "signedAt": _iso(s.signed_at),
                "signedBy": s.signed_by,
                "annulledAt": _iso(s.annulled_at),
                "annulledBy": s.annulled_by,
                "documentedAt": _iso(s.documented_at),
            }
            for s in history
        ],
        description=text,
        reported_by=principal.user_id,
        reported_at=now,
    )
    linked = await uow.session.execute(
        update(AlarmRow)
        .where(AlarmRow.alarm_id == alarm_id, AlarmRow.deviation_id.is_(None))
        .values(deviation_id=deviation.deviation_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(linked, "rowcount", 1) != 1:
        raise AlreadyReported("the alarm already has a deviation report")
    uow.session.add(deviation)
    await uow.emit(
        DeviationReported(
            alarm_id=alarm_id,
            unit_id=alarm.unit_id,
            deviation_id=deviation.deviation_id,
            reported_by=principal.user_id,
            reported_at=now,
        )
    )
    await record_access(
        uow,
        principal=principal,
        unit_id=alarm.unit_id,
        tenant_ids=[alarm.tenant_id],
        action="deviation.report",
    )
    await uow.commit()
    return deviation


async def assess_deviation(
    uow: UnitOfWork,
    *,
    principal: Principal,
    deviation_id: str,
    lex_sarah: bool,
    motivation: str,
    settings: AlarmsSettings,
) -> DeviationRow:
    deviation = await uow.session.get(DeviationRow, deviation_id, with_for_update=True)
    missing = DeviationNotFound(f"no deviation report {deviation_id}")
    if deviation is None:
        raise missing
    require(principal, unit_id=deviation.unit_id, roles=ASSESS, missing=missing)
    text = validate_deviation_text(motivation, what="motivation")
    if deviation.assessed_at is not None:
        raise AlreadyAssessed("the deviation report has already been assessed")
    now = uow.clock.now()
    zone = await repository.unit_zone(
        uow.session, unit_id=deviation.unit_id, default=settings.default_timezone
    )
    deviation.lex_sarah = lex_sarah
    deviation.motivation = text
    deviation.assessed_by = principal.user_id
    deviation.assessed_at = now
    deviation.report_to_ivo_by = (
        ivo_report_deadline(
            assessed_on=now.astimezone(zone).date(), within_days=settings.ivo_report_within_days
        )
        if lex_sarah
        else None
    )
    await uow.emit(
        DeviationAssessed(
            alarm_id=deviation.alarm_id,
            unit_id=deviation.unit_id,
            deviation_id=deviation_id,
            lex_sarah=lex_sarah,
            report_to_ivo_by=deviation.report_to_ivo_by,
            assessed_by=principal.user_id,
            assessed_at=now,
        )
    )
    await record_access(
        uow,
        principal=principal,
        unit_id=deviation.unit_id,
        tenant_ids=[deviation.tenant_id],
        action="deviation.assess",
    )
    await uow.commit()
    return deviation


async def add_follow_up_note(
    uow: UnitOfWork,
    *,
    principal: Principal,
    alarm_id: str | None,
    deviation_id: str | None,
    text: str,
) -> FollowUpNoteRow:
    """Append a note on what was followed up with the staff, on an alarm or a deviation report.

    No event carries it (free text stays in this service); the access log records the write.
    """
    cleaned = validate_follow_up_note(alarm_id=alarm_id, deviation_id=deviation_id, text=text)
    subject: AlarmRow | DeviationRow | None
    missing: AlarmNotFound | DeviationNotFound
    if alarm_id is not None:
        subject, missing = await repository.find_alarm(uow.session, alarm_id), _no_alarm(alarm_id)
    else:
        assert deviation_id is not None
        subject = await uow.session.get(DeviationRow, deviation_id)
        missing = DeviationNotFound(f"no deviation report {deviation_id}")
    if subject is None:
        raise missing
    require(principal, unit_id=subject.unit_id, roles=FOLLOW_UP, missing=missing)
    note = FollowUpNoteRow(
        note_id=str(uuid.uuid4()),
        unit_id=subject.unit_id,
        tenant_id=subject.tenant_id,
        alarm_id=alarm_id,
        deviation_id=deviation_id,
        text=cleaned,
        written_by=principal.user_id,
        written_at=uow.clock.now(),
    )
    uow.session.add(note)
    await record_access(
        uow,
        principal=principal,
        unit_id=subject.unit_id,
        tenant_ids=[subject.tenant_id],
        action="follow_up_note.write",
    )
    await uow.commit()
    return note


async def compliance_report(
    uow: UnitOfWork,
    *,
    principal: Principal,
    unit_id: str,
    start: date,
    end: date,
    settings: AlarmsSettings,
) -> list[ComplianceRow]:
    require(principal, unit_id=unit_id, roles=READ, missing=AlarmNotFound(f"no unit {unit_id}"))
    facts = await _planned(uow, principal=principal, unit_id=unit_id, start=start, end=end)
    rows = aggregate_compliance(
        facts, now=uow.clock.now(), ack_within=settings.overdue_after, grace=settings.grace
    )
    await uow.commit()
    return rows


async def compliance_by_signer(
    uow: UnitOfWork,
    *,
    principal: Principal,
    unit_id: str,
    start: date,
    end: date,
    settings: AlarmsSettings,
) -> list[SignerComplianceRow]:
    """The compliance report per signer, for the manager's follow-up with each staff member.

    Figures about named colleagues are personnel follow-up, so only those who follow up
    (SOL_ADMIN, UNIT_MANAGER) read them; the unit's own report stays open to care staff.
    """
    require(
        principal, unit_id=unit_id, roles=FOLLOW_UP, missing=AlarmNotFound(f"no unit {unit_id}")
    )
    facts = await _planned(
        uow, principal=principal, unit_id=unit_id, start=start, end=end, by_signer=True
    )
    rows = aggregate_by_signer(facts, now=uow.clock.now(), grace=settings.grace)
    await uow.commit()
    return rows


async def _planned(
    uow: UnitOfWork,
    *,
    principal: Principal,
    unit_id: str,
    start: date,
    end: date,
    by_signer: bool = False,
) -> list[ReportOccurrence]:
    """The period's planned occurrences for a report, their care recipients' reading logged."""
    validate_period(start=start, end=end)
    facts, tenants = await repository.report_occurrences(
        uow.session, unit_id=unit_id, start=start, end=end
    )
    action = "compliance.by_signer.read" if by_signer else "compliance.read"
    await record_access(
        uow, principal=principal, unit_id=unit_id, tenant_ids=tenants, action=action
    )
    return facts


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
