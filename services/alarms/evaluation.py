"""Applying the alarm rules to the stored facts: per occurrence, in the sweep, and overdue.

Every path that may change an occurrence's alarms locks its read-model row first
(``FOR UPDATE``; the sweep skips rows another replica holds), evaluates with
`domain.evaluate` and stores the answer. The partial unique indexes on ``alarms`` are the
last line: a duplicate insert is ignored and emits nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.domain import (
    AlarmFacts,
    AlarmKind,
    AlarmState,
    Evaluation,
    OccurrenceFacts,
    SignatureFacts,
    evaluate,
)
from services.alarms.events import AlarmEscalated, AlarmRaised, AlarmUpdated
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import AlarmRow, OccurrenceRow, SignatureRow

__all__ = ["escalate_overdue", "reevaluate", "sweep_due"]


def signature_facts(row: SignatureRow) -> SignatureFacts:
    return SignatureFacts(
        signature_id=row.signature_id,
        status=row.status,
        timing=row.timing,
        signed_at=row.signed_at,
        annulled=row.annulled_at is not None,
    )


def _alarm_facts(row: AlarmRow) -> AlarmFacts:
    return AlarmFacts(
        alarm_id=row.alarm_id,
        kind=AlarmKind(row.kind),
        state=AlarmState(row.state),
        signature_id=row.signature_id,
        generation=row.generation,
    )


def _occurrence_facts(row: OccurrenceRow) -> OccurrenceFacts:
    return OccurrenceFacts(
        window_start=row.window_start,
        window_end=row.window_end,
        cancelled=row.cancelled,
        prn=row.prn,
    )


async def reevaluate(
    uow: UnitOfWork,
    *,
    occurrence_ids: Sequence[str],
    settings: AlarmsSettings,
    locked: bool = False,
) -> None:
    """Bring the alarms of these occurrences in line with what is known about them now."""
    if not occurrence_ids:
        return
    session = uow.session
    query = select(OccurrenceRow).where(OccurrenceRow.occurrence_id.in_(occurrence_ids))
    if not locked:
        query = query.order_by(OccurrenceRow.occurrence_id).with_for_update()
    occurrences = (await session.execute(query)).scalars().all()
    signatures: dict[str, list[SignatureRow]] = {}
    for signature in (
        await session.execute(
            select(SignatureRow).where(SignatureRow.occurrence_id.in_(occurrence_ids))
        )
    ).scalars():
        signatures.setdefault(signature.occurrence_id, []).append(signature)
    alarms: dict[str, list[AlarmRow]] = {}
    for alarm in (
        await session.execute(select(AlarmRow).where(AlarmRow.occurrence_id.in_(occurrence_ids)))
    ).scalars():
        alarms.setdefault(alarm.occurrence_id, []).append(alarm)
    now = uow.clock.now()
    for occurrence in occurrences:
        decision = evaluate(
            occurrence=_occurrence_facts(occurrence),
            signatures=[signature_facts(s) for s in signatures.get(occurrence.occurrence_id, [])],
            alarms=[_alarm_facts(a) for a in alarms.get(occurrence.occurrence_id, [])],
            now=now,
            grace=settings.grace,
        )
        await _apply(uow, occurrence=occurrence, decision=decision, now=now)


async def _apply(
    uow: UnitOfWork, *, occurrence: OccurrenceRow, decision: Evaluation, now: datetime
) -> None:
    session = uow.session
    if occurrence.check_due != decision.check_due:
        occurrence.check_due = decision.check_due
    for new in decision.raise_alarms:
        alarm_id = str(uuid.uuid4())
        inserted = await session.execute(
            insert_ignoring_conflicts(
                AlarmRow.__table__,  # type: ignore[arg-type]
                dialect_name=dialect_name(session),
            ).values(
                alarm_id=alarm_id,
                unit_id=occurrence.unit_id,
                occurrence_id=occurrence.occurrence_id,
                intervention_id=occurrence.intervention_id,
                tenant_id=occurrence.tenant_id,
                kind=new.kind.value,
                state=AlarmState.OPEN.value,
                generation=new.generation,
                signature_id=new.signature_id,
                raised_at=now,
            )
        )
        if getattr(inserted, "rowcount", 1) == 0:
            continue  # another replica raised it a moment ago
        await uow.emit(
            AlarmRaised(
                alarm_id=alarm_id,
                unit_id=occurrence.unit_id,
                kind=new.kind.value,
                occurrence_id=occurrence.occurrence_id,
                intervention_id=occurrence.intervention_id,
                tenant_id=occurrence.tenant_id,
                raised_at=now,
            )
        )
    change = decision.update_missed
    if change is not None:
        updated = await session.execute(
            update(AlarmRow)
            .where(AlarmRow.alarm_id == change.alarm_id, AlarmRow.state == AlarmState.OPEN.value)
            .values(signature_id=change.signature_id, generation=change.generation, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(updated, "rowcount", 1):
            await uow.emit(
                AlarmUpdated(
                    alarm_id=change.alarm_id,
                    unit_id=occurrence.unit_id,
                    kind=AlarmKind.MISSED.value,
                    occurrence_id=occurrence.occurrence_id,
                    updated_at=now,
                    signature_id=change.signature_id,
                )
            )


async def sweep_due(uow: UnitOfWork, *, settings: AlarmsSettings) -> int:
    """Judge one batch of windows that have ended unsigned; returns how many were looked at."""
    now = uow.clock.now()
    due = (
        (
            await uow.session.execute(
                select(OccurrenceRow)
                .where(OccurrenceRow.check_due.is_not(None), OccurrenceRow.check_due <= now)
                .order_by(OccurrenceRow.check_due)
                .limit(settings.sweep_batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    await reevaluate(
        uow,
        occurrence_ids=[row.occurrence_id for row in due],
        settings=settings,
        locked=True,
    )
    return len(due)


async def escalate_overdue(uow: UnitOfWork, *, settings: AlarmsSettings) -> int:
    """Escalate, once each, alarms open longer than the overdue limit."""
    now = uow.clock.now()
    overdue = (
        (
            await uow.session.execute(
                select(AlarmRow)
                .where(
                    AlarmRow.state == AlarmState.OPEN.value,
                    AlarmRow.escalated_at.is_(None),
                    AlarmRow.raised_at < now - settings.overdue_after,
                )
                .order_by(AlarmRow.raised_at)
                .limit(settings.sweep_batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    for alarm in overdue:
        alarm.escalated_at = now
        await uow.emit(
            AlarmEscalated(alarm_id=alarm.alarm_id, unit_id=alarm.unit_id, escalated_at=now)
        )
    return len(overdue)
