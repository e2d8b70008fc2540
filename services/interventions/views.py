"""What a worklist row shows of other services' records: its signature and its alarms.

A phone's worklist is the most frequent read of the system. Served from here, from read models
of signing's and the alarms service's events, it is one fetch through the gateway instead of
three merged ones (docs/decisions.md). The owners' subgraphs still answer every other field of
``Signature`` and ``Alarm``, and these same fields wherever the gateway reaches them from there.

The views lag their owners by the events' delivery (the relay's linger and a consumer's fetch
wait: up to a few hundred milliseconds), so a worklist read right after ``sign`` may not show
the signature yet; the phone has the ``sign`` answer for that row.
Facts arrive at least once and not always in order, so every write converges whatever the order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.database import dialect_insert, dialect_name, records
from libs.messaging.dispatcher import BatchHandler, Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.events import AlarmAcknowledged, AlarmRaised, AlarmUpdated
from services.interventions.tables import ALARM_VIEWS, OCCURRENCES, SIGNATURE_VIEWS
from services.signing.events import OccurrenceSigned, SignatureAnnulled

__all__ = ["HANDLERS", "alarms_of", "signatures_of"]


def _upsert(uow: UnitOfWork, table: Table, *, columns: Sequence[str], where: Any = None) -> Any:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of ``columns``, executed with the rows as
    parameters: one constant statement (compiled once), not a multi-row VALUES."""
    insert = dialect_insert(table, dialect_name=dialect_name(uow.session))
    (key,) = table.primary_key.columns
    return insert.on_conflict_do_update(
        index_elements=[key], set_={name: insert.excluded[name] for name in columns}, where=where
    )


# --- signatures -----------------------------------------------------------------------------


async def occurrences_signed(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
    facts = [decode_data(OccurrenceSigned, event.data) for event in events]
    rows = [
        {
            "signature_id": fact.signature_id,
            "occurrence_id": fact.occurrence_id,
            "status": fact.status,
            "timing": fact.timing,
            "signed_at": fact.signed_at,
            "annulled": False,
        }
        for fact in facts
        if not fact.prn  # a PRN signing belongs to no occurrence
    ]
    if rows:
        # A signature whose annulment came first exists only as that mark: the signing fills
        # in what it was and leaves it annulled. A redelivery writes the same values again.
        signed = _upsert(uow, SIGNATURE_VIEWS, columns=["status", "timing", "signed_at"])
        await uow.session.execute(signed, rows)


async def signature_annulled(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(SignatureAnnulled, event.data)
    row = {"signature_id": fact.signature_id, "occurrence_id": fact.occurrence_id}
    await uow.session.execute(
        _upsert(uow, SIGNATURE_VIEWS, columns=["annulled"]), {**row, "annulled": True}
    )


# --- alarms ---------------------------------------------------------------------------------


async def _judged(uow: UnitOfWork, fact: AlarmRaised | AlarmUpdated, *, at: datetime) -> None:
    """The alarm's kind as judged at ``at``, unless a later judgement is already here."""
    view = ALARM_VIEWS.c
    judged = _upsert(
        uow,
        ALARM_VIEWS,
        columns=["occurrence_id", "kind", "kind_at"],
        where=or_(view.kind_at.is_(None), view.kind_at <= at),
    )
    row = {"alarm_id": fact.alarm_id, "occurrence_id": fact.occurrence_id, "kind": fact.kind}
    await uow.session.execute(judged, {**row, "kind_at": at, "acknowledged": False})


async def alarm_raised(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(AlarmRaised, event.data)
    await _judged(uow, fact, at=fact.raised_at)
    # Set even when a later judgement came first (the upsert above then changed nothing).
    await uow.session.execute(
        update(ALARM_VIEWS)
        .where(ALARM_VIEWS.c.alarm_id == fact.alarm_id)
        .values(raised_at=fact.raised_at)
    )


async def alarm_updated(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(AlarmUpdated, event.data)
    await _judged(uow, fact, at=fact.updated_at)


async def alarm_acknowledged(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(AlarmAcknowledged, event.data)
    await uow.session.execute(
        _upsert(uow, ALARM_VIEWS, columns=["acknowledged"]),
        {"alarm_id": fact.alarm_id, "acknowledged": True},
    )


HANDLERS: dict[str, Handler | BatchHandler] = {
    OccurrenceSigned.TYPE: BatchHandler(occurrences_signed),
    SignatureAnnulled.TYPE: signature_annulled,
    AlarmRaised.TYPE: alarm_raised,
    AlarmUpdated.TYPE: alarm_updated,
    AlarmAcknowledged.TYPE: alarm_acknowledged,
}


# --- reads ----------------------------------------------------------------------------------


def _of(column: Any, occurrence_ids: Sequence[str], unit_day: tuple[str, date] | None) -> Any:
    """``column`` (an occurrence id) is one of ``occurrence_ids``, or of a unit's occurrences on
    a local date: a worklist's rows, found by the worklist's own index instead of a list of
    hundreds of ids."""
    if unit_day is None:
        return column.in_(list(occurrence_ids))
    unit_id, day = unit_day
    return column.in_(
        select(OCCURRENCES.c.id).where(
            OCCURRENCES.c.unit_id == unit_id, OCCURRENCES.c.local_date == day
        )
    )


async def signatures_of(
    session: AsyncSession,
    *,
    occurrence_ids: Sequence[str] = (),
    unit_day: tuple[str, date] | None = None,
) -> dict[str, Any]:
    """The current signature (a record: ``signature_id``, ``status``, ``timing``,
    ``signed_at``) of each occurrence that has one, of the given ids or of a unit's day."""
    view = SIGNATURE_VIEWS.c
    which = _of(view.occurrence_id, occurrence_ids, unit_day)
    rows = records(
        await session.execute(
            select(view.occurrence_id, view.signature_id, view.status, view.timing, view.signed_at)
            .where(which, view.annulled.is_(False), view.status.is_not(None))
            # Signing keeps one current signature per occurrence; should the view briefly hold
            # two (a re-signing seen before the annulment), the newer is the current one.
            .order_by(view.signed_at)
        )
    )
    return {row.occurrence_id: row for row in rows}


async def alarms_of(
    session: AsyncSession,
    *,
    occurrence_ids: Sequence[str] = (),
    unit_day: tuple[str, date] | None = None,
) -> dict[str, list[Any]]:
    """Each occurrence's alarms (records: ``alarm_id``, ``kind``, ``acknowledged``), oldest
    first, of the given ids or of a unit's day."""
    view = ALARM_VIEWS.c
    which = _of(view.occurrence_id, occurrence_ids, unit_day)
    rows = records(
        await session.execute(
            select(view.occurrence_id, view.alarm_id, view.kind, view.acknowledged)
            .where(which, view.kind.is_not(None), view.raised_at.is_not(None))
            .order_by(view.raised_at, view.alarm_id)
        )
    )
    found: defaultdict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.occurrence_id].append(row)
    return found
