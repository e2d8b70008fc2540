"""Read models of occurrences and signatures, built from interventions' and signing's events.

Each handler records the fact, then re-evaluates the occurrence it touches. Facts are merged
so the result is the same whatever order they arrive in: a signature may create its
occurrence's row before the schedule does, an annulment may precede the signature, and a
cancellation wins over a scheduling only if it is the later of the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.dispatcher import BatchHandler, Handler
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

RowT = TypeVar("RowT")


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


async def _insert_missing(uow: UnitOfWork, table: Any, values: Mapping[str, Any]) -> None:
    session = uow.session
    await session.execute(
        insert_ignoring_conflicts(table, dialect_name=dialect_name(session)).values(**values)
    )


async def _upsert(
    uow: UnitOfWork,
    model: type[RowT],
    *,
    rows: Sequence[Mapping[str, Any]],
    overwrite: Sequence[str] = (),
) -> list[RowT]:
    """Insert the rows or update ``overwrite`` columns of existing ones; return them, locked.

    One statement: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` takes the row locks on
    Postgres like ``SELECT ... FOR UPDATE`` would, so concurrent handlers and the sweep
    serialise on them. A key given twice keeps its last values (a statement may touch a row
    only once), and rows go in key order so two statements lock shared rows in one order.
    """
    session = uow.session
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    (key,) = [column.name for column in table.primary_key.columns]
    latest = {row[key]: row for row in rows}
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = dialect.insert(model)
    changed = {name: statement.excluded[name] for name in overwrite} or {
        key: statement.excluded[key]
    }
    # Rows as parameters, not ``.values([...])``: a multi-row VALUES is compiled anew every
    # time (most of this consumer's CPU), a constant statement once.
    return list(
        (
            await session.scalars(
                statement.on_conflict_do_update(index_elements=[key], set_=changed).returning(
                    model
                ),
                [latest[k] for k in sorted(latest)],
                execution_options={"populate_existing": True},
            )
        ).all()
    )


def _occurrence_values(
    fact: OccurrenceScheduled | OccurrenceCancelled | OccurrenceSigned | SignatureAnnulled,
    *,
    prn: bool = False,
) -> dict[str, Any]:
    """What any fact about an occurrence tells of it: enough for a stub row, if it is the
    first we hear of the occurrence."""
    return {
        "occurrence_id": fact.occurrence_id,
        "intervention_id": fact.intervention_id,
        "tenant_id": fact.tenant_id,
        "unit_id": fact.unit_id,
        "prn": prn,
    }


async def _occurrence(
    uow: UnitOfWork,
    fact: OccurrenceScheduled | OccurrenceCancelled | SignatureAnnulled,
) -> OccurrenceRow:
    """The occurrence's row, created as a stub if this is the first we hear of it, and locked."""
    (row,) = await _upsert(uow, OccurrenceRow, rows=[_occurrence_values(fact)])
    return row


async def _signature(
    uow: UnitOfWork,
    *,
    signature_id: str,
    occurrence_id: str,
    unit_id: str,
    facts: Mapping[str, Any] | None = None,
) -> SignatureRow:
    facts = facts or {}
    (row,) = await _upsert(
        uow,
        SignatureRow,
        rows=[
            {
                "signature_id": signature_id,
                "occurrence_id": occurrence_id,
                "unit_id": unit_id,
                **facts,
            }
        ],
        overwrite=list(facts),
    )
    return row


def build_handlers(settings: AlarmsSettings) -> dict[str, Handler | BatchHandler]:
    async def occurrence_scheduled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(OccurrenceScheduled, event.data)
        row = await _occurrence(uow, fact)
        row.window_start = fact.window_start
        row.window_end = fact.window_end
        row.local_date = fact.local_date
        row.prn = fact.prn
        row.scheduled_at = _later(row.scheduled_at, event.time)
        await reevaluate(uow, occurrences=[row], settings=settings)

    async def occurrence_cancelled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(OccurrenceCancelled, event.data)
        row = await _occurrence(uow, fact)
        # The event's envelope time orders it against the scheduling, on one clock.
        row.cancelled_at = _later(row.cancelled_at, event.time)
        row.cancel_reason = fact.reason
        await reevaluate(uow, occurrences=[row], settings=settings)

    async def intervention_stopped(event: CloudEvent, uow: UnitOfWork) -> None:
        cls = InterventionPaused if event.type == InterventionPaused.TYPE else InterventionEnded
        fact = decode_data(cls, event.data)
        # Interventions cancels the occurrences too; this only makes sure no check of a window
        # still to come can fire between the pause and those cancellations arriving. Like
        # interventions, it leaves a window in progress alone: it may be being performed now.
        await uow.session.execute(
            update(OccurrenceRow)
            .where(
                OccurrenceRow.intervention_id == fact.intervention_id,
                OccurrenceRow.window_start > fact.at,
                OccurrenceRow.check_due.is_not(None),
            )
            .values(cancelled_at=event.time, cancel_reason=cls.__name__, check_due=None)
            .execution_options(synchronize_session=False)
        )

    async def occurrences_signed(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        # A burst of signatures (the phones of a whole unit) costs three statements and one
        # re-evaluation, not that per signature.
        facts = [decode_data(OccurrenceSigned, event.data) for event in events]
        occurrences = await _upsert(
            uow, OccurrenceRow, rows=[_occurrence_values(fact, prn=fact.prn) for fact in facts]
        )
        await _upsert(
            uow,
            SignatureRow,
            rows=[
                {
                    "signature_id": fact.signature_id,
                    "occurrence_id": fact.occurrence_id,
                    "unit_id": fact.unit_id,
                    "status": fact.status,
                    "timing": fact.timing,
                    "performed_at": fact.performed_at,
                    "signed_at": fact.signed_at,
                    "signed_by": fact.signed_by,
                    "retrospective": fact.retrospective,
                }
                for fact in facts
            ],
            overwrite=[
                "status",
                "timing",
                "performed_at",
                "signed_at",
                "signed_by",
                "retrospective",
            ],
        )
        await reevaluate(uow, occurrences=occurrences, settings=settings)

    async def signature_annulled(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(SignatureAnnulled, event.data)
        occurrence = await _occurrence(uow, fact)
        await _signature(
            uow,
            signature_id=fact.signature_id,
            occurrence_id=fact.occurrence_id,
            unit_id=fact.unit_id,
            facts={"annulled_at": fact.annulled_at, "annulled_by": fact.annulled_by},
        )
        await reevaluate(uow, occurrences=[occurrence], settings=settings)

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
        OccurrenceSigned.TYPE: BatchHandler(occurrences_signed),
        SignatureAnnulled.TYPE: signature_annulled,
        DeviationDocumented.TYPE: deviation_documented,
        UnitCreated.TYPE: unit_created,
    }
