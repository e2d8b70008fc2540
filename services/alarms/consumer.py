"""Read models of occurrences and signatures, built from interventions' and signing's events.

Each handler records the fact, then re-evaluates the occurrence it touches. Facts are merged
so the result is the same whatever order they arrive in: a signature may create its
occurrence's row before the schedule does, an annulment may precede the signature, and a
cancellation wins over a scheduling only if it is the later of the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.dispatcher import Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.domain import AlarmKind, AlarmState
from services.alarms.evaluation import reevaluate
from services.alarms.events import AlarmUpdated
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import AlarmRow, OccurrenceRow, SignatureRow, UnitRow
from services.identity.events import UnitCreated
from services.interventions.events import (
    InterventionEnded,
    InterventionPaused,
    OccurrenceCancelled,
    OccurrenceScheduled,
)
from services.signing.events import DeviationDocumented, OccurrenceSigned, SignatureAnnulled

__all__ = ["build_handlers"]


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


async def _insert_missing(uow: UnitOfWork, table: Any, values: Mapping[str, Any]) -> None:
    session = uow.session
    await session.execute(
        insert_ignoring_conflicts(table, dialect_name=dialect_name(session)).values(**values)
    )


async def _occurrence(
    uow: UnitOfWork, *, occurrence_id: str, intervention_id: str, tenant_id: str, unit_id: str
) -> OccurrenceRow:
    """The occurrence's row, created as a stub if this is the first we hear of it, and locked."""
    await _insert_missing(
        uow,
        OccurrenceRow.__table__,
        {
            "occurrence_id": occurrence_id,
            "intervention_id": intervention_id,
            "tenant_id": tenant_id,
            "unit_id": unit_id,
            "prn": False,
        },
    )
    row = await uow.session.get(
        OccurrenceRow, occurrence_id, with_for_update=True, populate_existing=True
    )
    assert row is not None
    return row


async def _signature(
    uow: UnitOfWork, *, signature_id: str, occurrence_id: str, unit_id: str
) -> SignatureRow:
    await _insert_missing(
        uow,
        SignatureRow.__table__,
        {"signature_id": signature_id, "occurrence_id": occurrence_id, "unit_id": unit_id},
    )
    row = await uow.session.get(
        SignatureRow, signature_id, with_for_update=True, populate_existing=True
    )
    assert row is not None
    return row


def build_handlers(settings: AlarmsSettings) -> dict[str, Handler]:
    async def occurrence_scheduled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(OccurrenceScheduled, event.data)
        row = await _occurrence(
            uow,
            occurrence_id=fact.occurrence_id,
            intervention_id=fact.intervention_id,
            tenant_id=fact.tenant_id,
            unit_id=fact.unit_id,
        )
        row.window_start = fact.window_start
        row.window_end = fact.window_end
        row.local_date = fact.local_date
        row.prn = fact.prn
        row.scheduled_at = _later(row.scheduled_at, event.time)
        await reevaluate(uow, occurrence_ids=[row.occurrence_id], settings=settings, locked=True)

    async def occurrence_cancelled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(OccurrenceCancelled, event.data)
        row = await _occurrence(
            uow,
            occurrence_id=fact.occurrence_id,
            intervention_id=fact.intervention_id,
            tenant_id=fact.tenant_id,
            unit_id=fact.unit_id,
        )
        # The event's envelope time orders it against the scheduling, on one clock.
        row.cancelled_at = _later(row.cancelled_at, event.time)
        row.cancel_reason = fact.reason
        await reevaluate(uow, occurrence_ids=[row.occurrence_id], settings=settings, locked=True)

    async def intervention_stopped(event: CloudEvent, uow: UnitOfWork) -> None:
        cls = InterventionPaused if event.type == InterventionPaused.TYPE else InterventionEnded
        fact = decode_data(cls, event.data)
        # Interventions cancels the occurrences too; this only makes sure no check of a window
        # still to come can fire between the pause and those cancellations arriving.
        await uow.session.execute(
            update(OccurrenceRow)
            .where(
                OccurrenceRow.intervention_id == fact.intervention_id,
                OccurrenceRow.window_end > fact.at,
                OccurrenceRow.check_due.is_not(None),
            )
            .values(cancelled_at=event.time, cancel_reason=cls.__name__, check_due=None)
            .execution_options(synchronize_session=False)
        )

    async def occurrence_signed(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(OccurrenceSigned, event.data)
        await _occurrence(
            uow,
            occurrence_id=fact.occurrence_id,
            intervention_id=fact.intervention_id,
            tenant_id=fact.tenant_id,
            unit_id=fact.unit_id,
        )
        row = await _signature(
            uow,
            signature_id=fact.signature_id,
            occurrence_id=fact.occurrence_id,
            unit_id=fact.unit_id,
        )
        row.status = fact.status
        row.timing = fact.timing
        row.performed_at = fact.performed_at
        row.signed_at = fact.signed_at
        row.signed_by = fact.signed_by
        await reevaluate(uow, occurrence_ids=[fact.occurrence_id], settings=settings, locked=True)

    async def signature_annulled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(SignatureAnnulled, event.data)
        await _occurrence(
            uow,
            occurrence_id=fact.occurrence_id,
            intervention_id=fact.intervention_id,
            tenant_id=fact.tenant_id,
            unit_id=fact.unit_id,
        )
        row = await _signature(
            uow,
            signature_id=fact.signature_id,
            occurrence_id=fact.occurrence_id,
            unit_id=fact.unit_id,
        )
        row.annulled_at = fact.annulled_at
        row.annulled_by = fact.annulled_by
        await reevaluate(uow, occurrence_ids=[fact.occurrence_id], settings=settings, locked=True)

    async def deviation_documented(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(DeviationDocumented, event.data)
        row = await _signature(
            uow,
            signature_id=fact.signature_id,
            occurrence_id=fact.occurrence_id,
            unit_id=fact.unit_id,
        )
        if row.documented_at is not None:
            return
        row.documented_at = fact.documented_at
        row.documented_by = fact.documented_by
        # The overview shows "documentation confirmed" on the DEVIATING alarm: tell live views.
        alarms = (
            await uow.session.execute(
                select(AlarmRow).where(
                    AlarmRow.signature_id == fact.signature_id,
                    AlarmRow.kind == AlarmKind.DEVIATING.value,
                    AlarmRow.state == AlarmState.OPEN.value,
                )
            )
        ).scalars()
        now = uow.clock.now()
        for alarm in alarms:
            alarm.updated_at = now
            await uow.emit(
                AlarmUpdated(
                    alarm_id=alarm.alarm_id,
                    unit_id=alarm.unit_id,
                    kind=alarm.kind,
                    occurrence_id=alarm.occurrence_id,
                    updated_at=now,
                    signature_id=fact.signature_id,
                )
            )

    async def unit_created(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(UnitCreated, event.data)
        await _insert_missing(
            uow, UnitRow.__table__, {"unit_id": fact.unit_id, "timezone": fact.timezone}
        )

    return {
        OccurrenceScheduled.TYPE: occurrence_scheduled,
        OccurrenceCancelled.TYPE: occurrence_cancelled,
        InterventionPaused.TYPE: intervention_stopped,
        InterventionEnded.TYPE: intervention_stopped,
        OccurrenceSigned.TYPE: occurrence_signed,
        SignatureAnnulled.TYPE: signature_annulled,
        DeviationDocumented.TYPE: deviation_documented,
        UnitCreated.TYPE: unit_created,
    }
