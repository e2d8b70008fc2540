"""Reads of care-recipient data. Each root read checks the unit and leaves an access-log entry;
nested reads (a tenant's interventions ...) are reached only through such a root."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, exists, select
from sqlalchemy.orm import aliased

from libs.auth.principal import Principal
from libs.database import SessionFactory, records
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain, views
from services.interventions.access import can_read, record_access, require_reader, require_writer
from services.interventions.handlers import ScheduleInput, parse_schedule, unit_today, unit_zone
from services.interventions.scheduling import CANCELLED, SCHEDULED
from services.interventions.tables import (
    INTERVENTIONS,
    OCCURRENCES,
    TENANTS,
    AbsenceRow,
    InterventionChangeRow,
    InterventionRow,
    OccurrenceRow,
    TenantChangeRow,
    TenantRow,
)

__all__ = [
    "MAX_PAGE",
    "MAX_PREVIEW",
    "PREVIEW_COUNT",
    "WorklistItem",
    "absences_of",
    "cancelled_by",
    "history_of",
    "intervention",
    "interventions_of",
    "occurrence",
    "schedule_preview",
    "tenant",
    "tenant_history_of",
    "tenants",
    "worklist",
]

ChangeT = TypeVar("ChangeT", InterventionChangeRow, TenantChangeRow)
MAX_PREVIEW = 50
PREVIEW_COUNT = 10
MAX_PAGE = 100  # DESIGN §7


@dataclass(frozen=True)
class WorklistItem:
    # ORM objects, or records (named tuples of the table's columns) where many are read.
    occurrence: OccurrenceRow | Any
    intervention: InterventionRow | Any
    tenant: TenantRow | Any
    # Read-model records loaded with the worklist, by field: "signature" (a record or None),
    # "alarms" (a list of records); see services/interventions/views.py.
    views: dict[str, Any] = field(default_factory=dict)


async def tenants(
    *, uow: UnitOfWork, principal: Principal, unit_id: str, include_moved_out: bool = False
) -> list[TenantRow]:
    require_reader(principal, unit_id, what="unit")
    query = select(TenantRow).where(TenantRow.unit_id == unit_id)
    if not include_moved_out:
        query = query.where(TenantRow.moved_out_at.is_(None))
    rows = list((await uow.session.scalars(query.order_by(TenantRow.name, TenantRow.id))).all())
    await record_access(
        uow, principal=principal, tenants=[(t.id, t.unit_id) for t in rows], action="tenant.list"
    )
    await uow.commit()
    return rows


async def tenant(
    *, uow: UnitOfWork, principal: Principal, tenant_id: str, action: str = "tenant.read"
) -> TenantRow | None:
    row = await uow.session.get(TenantRow, tenant_id)
    if row is None or not can_read(principal, row.unit_id):
        return None
    await record_access(uow, principal=principal, tenants=[(row.id, row.unit_id)], action=action)
    await uow.commit()
    return row


async def intervention(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str
) -> InterventionRow | None:
    row = await uow.session.get(InterventionRow, intervention_id)
    if row is None or not can_read(principal, row.unit_id):
        return None
    await record_access(
        uow, principal=principal, tenants=[(row.tenant_id, row.unit_id)], action="intervention.read"
    )
    await uow.commit()
    return row


async def occurrence(
    *, uow: UnitOfWork, principal: Principal, occurrence_id: str
) -> WorklistItem | None:
    found = (await uow.session.execute(_items().where(OccurrenceRow.id == occurrence_id))).first()
    if found is None or not can_read(principal, found[0].unit_id):
        return None
    item = WorklistItem(occurrence=found[0], intervention=found[1], tenant=found[2])
    await record_access(
        uow,
        principal=principal,
        tenants=[(item.tenant.id, item.tenant.unit_id)],
        action="occurrence.read",
    )
    await uow.commit()
    return item


def _items() -> Select[OccurrenceRow, InterventionRow, TenantRow]:
    return (
        select(OccurrenceRow, InterventionRow, TenantRow)
        .join(InterventionRow, InterventionRow.id == OccurrenceRow.intervention_id)
        .join(TenantRow, TenantRow.id == OccurrenceRow.tenant_id)
    )


async def worklist(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: str,
    day: date | None,
    include_cancelled: bool,
    with_signatures: bool = False,
    with_alarms: bool = False,
) -> list[WorklistItem]:
    require_reader(principal, unit_id, what="unit")
    day = day or await unit_today(uow, unit_id)
    # Named tuples, not ORM objects or rows: a unit's day is hundreds of occurrences, read all
    # day long, and each is read field by field.
    day_filter = [OCCURRENCES.c.unit_id == unit_id, OCCURRENCES.c.local_date == day]
    if not include_cancelled:
        day_filter.append(OCCURRENCES.c.state == SCHEDULED)
    occurrences = records(
        await uow.session.execute(
            select(OCCURRENCES)
            .where(*day_filter)
            .order_by(OCCURRENCES.c.window_start, OCCURRENCES.c.id)
        )
    )
    interventions = await _rows_by_id(
        uow, INTERVENTIONS, select(OCCURRENCES.c.intervention_id).where(*day_filter)
    )
    tenants = await _rows_by_id(uow, TENANTS, select(OCCURRENCES.c.tenant_id).where(*day_filter))
    unit_day = (unit_id, day)
    signatures = (
        await views.signatures_of(uow.session, unit_day=unit_day) if with_signatures else {}
    )
    alarms = await views.alarms_of(uow.session, unit_day=unit_day) if with_alarms else {}
    items = []
    for o in occurrences:
        loaded: dict[str, Any] = {}
        if with_signatures:
            loaded["signature"] = signatures.get(o.id)
        if with_alarms:
            loaded["alarms"] = alarms.get(o.id, [])
        items.append(
            WorklistItem(
                occurrence=o,
                intervention=interventions[o.intervention_id],
                tenant=tenants[o.tenant_id],
                views=loaded,
            )
        )
    await record_access(
        uow,
        principal=principal,
        tenants=[(tenant.id, tenant.unit_id) for tenant in tenants.values()],
        action="worklist.read",
    )
    await uow.commit()
    return items


async def _rows_by_id(uow: UnitOfWork, table: Table, ids: Select[Any]) -> dict[str, Any]:
    rows = records(await uow.session.execute(select(table).where(table.c.id.in_(ids))))
    return {row.id: row for row in rows}


async def interventions_of(*, sessions: SessionFactory, tenant_id: str) -> list[InterventionRow]:
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(InterventionRow)
                    .where(InterventionRow.tenant_id == tenant_id)
                    .order_by(InterventionRow.created_at, InterventionRow.id)
                )
            ).all()
        )


async def absences_of(*, sessions: SessionFactory, tenant_id: str) -> list[AbsenceRow]:
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AbsenceRow)
                    .where(AbsenceRow.tenant_id == tenant_id)
                    .order_by(AbsenceRow.starts_at)
                )
            ).all()
        )


async def schedule_preview(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: str,
    schedule: ScheduleInput,
    valid_from: date | None,
    valid_to: date | None,
    count: int,
) -> list[domain.Window]:
    """The next ``count`` windows the schedule would have if confirmed now, in the unit's
    timezone: what the scheduler would materialise (`domain.upcoming`)."""
    require_writer(principal, unit_id, what="unit")
    if not 1 <= count <= MAX_PREVIEW:
        raise domain.InvalidInput(f"count must be between 1 and {MAX_PREVIEW}")
    parsed = parse_schedule(schedule)
    zone = await unit_zone(uow, unit_id)
    now = uow.clock.now()
    valid_from = valid_from or now.astimezone(zone).date()
    domain.check_validity(valid_from, valid_to)
    return domain.upcoming(
        parsed, zone=zone, valid_from=valid_from, valid_to=valid_to, after=now, count=count
    )


async def cancelled_by(
    *, sessions: SessionFactory, absence_id: str, first: int
) -> list[WorklistItem]:
    """The occurrences the absence cancelled whose windows did not come back (scheduled again
    once the absence ended earlier than they start), by window start."""
    if not 1 <= first <= MAX_PAGE:
        raise domain.InvalidInput(f"first must be between 1 and {MAX_PAGE}")
    again = aliased(OccurrenceRow)
    back = exists().where(
        again.intervention_id == OccurrenceRow.intervention_id,
        again.local_date == OccurrenceRow.local_date,
        again.window_start == OccurrenceRow.window_start,
        again.state == SCHEDULED,
    )
    async with sessions() as session:
        found = await session.execute(
            _items()
            .where(
                OccurrenceRow.absence_id == absence_id,
                OccurrenceRow.state == CANCELLED,
                ~back,
            )
            .order_by(OccurrenceRow.window_start, OccurrenceRow.id)
            .limit(first)
        )
        return [WorklistItem(occurrence=o, intervention=i, tenant=t) for o, i, t in found]


async def history_of(
    *, sessions: SessionFactory, intervention_id: str
) -> Sequence[InterventionChangeRow]:
    row = InterventionChangeRow
    return await _changes(sessions, row, row.intervention_id == intervention_id)


async def tenant_history_of(
    *, sessions: SessionFactory, tenant_id: str
) -> Sequence[TenantChangeRow]:
    return await _changes(sessions, TenantChangeRow, TenantChangeRow.tenant_id == tenant_id)


async def _changes(
    sessions: SessionFactory, row: type[ChangeT], which: ColumnElement[bool]
) -> Sequence[ChangeT]:
    """Oldest first."""
    async with sessions() as session:
        return (await session.scalars(select(row).where(which).order_by(row.id))).all()


async def tenant_row(*, sessions: SessionFactory, tenant_id: str) -> TenantRow | None:
    async with sessions() as session:
        return await session.get(TenantRow, tenant_id)
