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
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.domain import (
    AckOutcome,
    AlarmFacts,
    AlarmKind,
    AlarmState,
    Evaluation,
    MissedUpdate,
    OccurrenceFacts,
    SignatureFacts,
    evaluate,
)
from services.alarms.events import AlarmAcknowledged, AlarmEscalated, AlarmRaised, AlarmUpdated
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
        retrospective=bool(row.retrospective),
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
    uow: UnitOfWork, *, occurrences: Sequence[OccurrenceRow], settings: AlarmsSettings
) -> None:
    """Bring the alarms of these occurrences in line with what is known about them now.

    The caller has loaded the rows with a lock, so nobody judges them at the same time.
    """
    if not occurrences:
        return
    session = uow.session
    await session.flush()
    occurrence_ids = [row.occurrence_id for row in occurrences]
    signatures: dict[str, list[SignatureRow]] = {}
    for signature in (
        await session.execute(
            select(SignatureRow)
            .where(SignatureRow.occurrence_id.in_(occurrence_ids))
            .execution_options(populate_existing=True)
        )
    ).scalars():
        signatures.setdefault(signature.occurrence_id, []).append(signature)
    alarms: dict[str, list[AlarmRow]] = {}
    for alarm in (
        # Fresh values: alarms may have been changed by set-based statements in this batch.
        await session.execute(
            select(AlarmRow)
            .where(AlarmRow.occurrence_id.in_(occurrence_ids))
            .execution_options(populate_existing=True)
        )
    ).scalars():
        alarms.setdefault(alarm.occurrence_id, []).append(alarm)
    now = uow.clock.now()
    decisions = [
        (
            occurrence,
            evaluate(
                occurrence=_occurrence_facts(occurrence),
                signatures=[
                    signature_facts(s) for s in signatures.get(occurrence.occurrence_id, [])
                ],
                alarms=[_alarm_facts(a) for a in alarms.get(occurrence.occurrence_id, [])],
                now=now,
                grace=settings.grace,
            ),
        )
        for occurrence in occurrences
    ]
    await _store_checks(uow, decisions)
    await _raise(uow, decisions, now=now)
    await _withdraw(uow, decisions, now=now)
    for occurrence, decision in decisions:
        if decision.update_missed is not None:
            await _update_missed(uow, occurrence=occurrence, change=decision.update_missed, now=now)


# The sweep judges up to a batch of occurrences at once, so the writes below are set-based:
# one statement per kind of change rather than one round trip per occurrence.


async def _store_checks(
    uow: UnitOfWork, decisions: Sequence[tuple[OccurrenceRow, Evaluation]]
) -> None:
    changed = [
        {"key": occurrence.occurrence_id, "due": decision.check_due}
        for occurrence, decision in decisions
        if occurrence.check_due != decision.check_due
    ]
    if not changed:
        return
    table = cast(Table, OccurrenceRow.__table__)
    await uow.session.execute(
        update(table)
        .where(table.c.occurrence_id == bindparam("key"))
        .values(check_due=bindparam("due")),
        changed,
    )
    for occurrence, decision in decisions:
        # Already written above; keep the loaded rows in step without a second UPDATE.
        set_committed_value(occurrence, "check_due", decision.check_due)


async def _raise(
    uow: UnitOfWork, decisions: Sequence[tuple[OccurrenceRow, Evaluation]], *, now: datetime
) -> None:
    raised = [
        (
            AlarmRaised(
                alarm_id=str(uuid.uuid4()),
                unit_id=occurrence.unit_id,
                kind=new.kind.value,
                occurrence_id=occurrence.occurrence_id,
                intervention_id=occurrence.intervention_id,
                tenant_id=occurrence.tenant_id,
                raised_at=now,
            ),
            new,
        )
        for occurrence, decision in decisions
        for new in decision.raise_alarms
    ]
    if not raised:
        return
    rows = [
        {
            "alarm_id": event.alarm_id,
            "unit_id": event.unit_id,
            "occurrence_id": event.occurrence_id,
            "intervention_id": event.intervention_id,
            "tenant_id": event.tenant_id,
            "kind": event.kind,
            "state": AlarmState.OPEN.value,
            "generation": new.generation,
            "signature_id": new.signature_id,
            "raised_at": now,
        }
        for event, new in raised
    ]
    session = uow.session
    # A row another replica inserted a moment ago conflicts with a unique index and is
    # skipped; only what this statement really inserted is announced.
    inserted = set(
        (
            await session.execute(
                insert_ignoring_conflicts(
                    AlarmRow.__table__,  # type: ignore[arg-type]
                    dialect_name=dialect_name(session),
                ).returning(AlarmRow.__table__.c.alarm_id),
                rows,
            )
        ).scalars()
    )
    await uow.emit_many([event for event, _new in raised if event.alarm_id in inserted])


# Who closed a withdrawn alarm, and why, as an administrator reads it.
SYSTEM = "system"
_WITHDRAWN = {
    "CANCELLED": "Återkallat av systemet: tillfället ställdes in.",
    "SIGNED_IN_TIME": (
        "Återkallat av systemet: insatsen signerades som utförd i tid; signeringen kom fram "
        "efter att tillfället bedömts som missat."
    ),
}


async def _withdraw(
    uow: UnitOfWork, decisions: Sequence[tuple[OccurrenceRow, Evaluation]], *, now: datetime
) -> None:
    for occurrence, decision in decisions:
        for withdrawal in decision.withdraw:
            # An administrator who acknowledged it first keeps their word.
            if await _change_if_open(
                uow,
                withdrawal.alarm_id,
                state=AlarmState.ACKNOWLEDGED.value,
                outcome=AckOutcome.OTHER.value,
                comment=_WITHDRAWN[withdrawal.because],
                acknowledged_by=SYSTEM,
                acknowledged_at=now,
            ):
                await uow.emit(
                    AlarmAcknowledged(
                        alarm_id=withdrawal.alarm_id,
                        unit_id=occurrence.unit_id,
                        outcome=AckOutcome.OTHER.value,
                        acknowledged_by=SYSTEM,
                        acknowledged_at=now,
                    )
                )


async def _update_missed(
    uow: UnitOfWork, *, occurrence: OccurrenceRow, change: MissedUpdate, now: datetime
) -> None:
    if await _change_if_open(
        uow,
        change.alarm_id,
        signature_id=change.signature_id,
        generation=change.generation,
        updated_at=now,
    ):
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


async def _change_if_open(uow: UnitOfWork, alarm_id: str, **values: object) -> bool:
    """Change the alarm if it is still open; False if another change closed it first."""
    changed = await uow.session.execute(
        update(AlarmRow)
        .where(AlarmRow.alarm_id == alarm_id, AlarmRow.state == AlarmState.OPEN.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(changed, "rowcount", 1))


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
    await reevaluate(uow, occurrences=due, settings=settings)
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
