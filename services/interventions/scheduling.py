"""Materialising and cancelling occurrences: the database side of the schedule rules.

`materialise` turns active interventions into occurrence rows for the rolling horizon and
emits ``OccurrenceScheduled`` for the rows it actually inserted; running it twice inserts
nothing the second time (a unique index on the live window, ``ON CONFLICT DO NOTHING``).
`cancel` marks live occurrences ``CANCELLED`` (never deletes them) and emits
``OccurrenceCancelled``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain
from services.interventions.events import OccurrenceCancelled, OccurrenceScheduled
from services.interventions.outbox import emit_all
from services.interventions.tables import (
    OCCURRENCES,
    AbsenceRow,
    InterventionRow,
    OccurrenceRow,
    UnitRow,
)

__all__ = ["CANCELLED", "SCHEDULED", "cancel", "materialise", "schedule_of"]

SCHEDULED = "SCHEDULED"
CANCELLED = "CANCELLED"
_INSERT_BATCH = 2000


def schedule_of(row: InterventionRow) -> domain.Schedule | None:
    if row.prn or row.rrule is None or row.window_start is None or row.window_minutes is None:
        return None
    hours, minutes = row.window_start.split(":")
    return domain.Schedule(
        rrule=row.rrule,
        window_start=time(int(hours), int(minutes)),
        window_minutes=row.window_minutes,
    )


@dataclass(frozen=True)
class _Candidate:
    intervention: InterventionRow
    window: domain.Window


async def materialise(
    uow: UnitOfWork,
    *,
    now: datetime,
    horizon_days: int,
    not_before: datetime,
    intervention_ids: Sequence[str] | None = None,
    tenant_id: str | None = None,
) -> int:
    """Schedule the windows of active interventions that end after ``not_before`` and start on
    a local date up to today + ``horizon_days``; returns how many occurrences were added.

    Windows that ended before ``now`` (a catch-up after downtime) are added only if no
    occurrence — live or cancelled — exists for them, so a window deliberately cancelled in
    the past is never revived.
    """
    session = uow.session
    query = (
        select(InterventionRow, UnitRow.timezone)
        .outerjoin(UnitRow, UnitRow.unit_id == InterventionRow.unit_id)
        .where(InterventionRow.state == domain.InterventionState.ACTIVE, ~InterventionRow.prn)
    )
    if intervention_ids is not None:
        query = query.where(InterventionRow.id.in_(intervention_ids))
    if tenant_id is not None:
        query = query.where(InterventionRow.tenant_id == tenant_id)
    interventions = (await session.execute(query)).all()
    if not interventions:
        return 0
    absences = await _absences(uow, not_before=not_before, tenant_id=tenant_id)

    candidates: list[_Candidate] = []
    for row, zone_name in interventions:
        schedule = schedule_of(row)
        if schedule is None:
            continue
        zone = domain.unit_zone(zone_name)
        earliest = max(not_before, row.effective_from or not_before)
        # A window starting the local day before may still be open (it crosses midnight).
        first_day = earliest.astimezone(zone).date() - timedelta(days=1)
        last_day = now.astimezone(zone).date() + timedelta(days=horizon_days)
        away = absences.get(row.tenant_id, ())
        for window in domain.windows(
            schedule,
            zone=zone,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            start=first_day,
            stop=last_day,
        ):
            if window.end <= earliest or domain.in_any(window.start, away):
                continue
            candidates.append(_Candidate(row, window))

    past = [candidate for candidate in candidates if candidate.window.end <= now]
    if past:
        taken = await _existing_windows(uow, past)
        candidates = [
            c
            for c in candidates
            if c.window.end > now
            or (c.intervention.id, c.window.local_date, c.window.start) not in taken
        ]
    return await _insert(uow, candidates, now=now)


async def _absences(
    uow: UnitOfWork, *, not_before: datetime, tenant_id: str | None
) -> dict[str, list[tuple[datetime, datetime | None]]]:
    query = select(AbsenceRow.tenant_id, AbsenceRow.starts_at, AbsenceRow.ends_at).where(
        or_(AbsenceRow.ends_at.is_(None), AbsenceRow.ends_at > not_before)
    )
    if tenant_id is not None:
        query = query.where(AbsenceRow.tenant_id == tenant_id)
    periods: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for tenant, starts_at, ends_at in await uow.session.execute(query):
        periods[tenant].append((starts_at, ends_at))
    return periods


async def _existing_windows(
    uow: UnitOfWork, past: Sequence[_Candidate]
) -> set[tuple[str, date, datetime]]:
    ids = sorted({c.intervention.id for c in past})
    earliest = min(c.window.start for c in past)
    latest = max(c.window.start for c in past)
    rows = await uow.session.execute(
        select(OccurrenceRow.intervention_id, OccurrenceRow.local_date, OccurrenceRow.window_start)
        .where(OccurrenceRow.intervention_id.in_(ids))
        .where(OccurrenceRow.window_start.between(earliest, latest))
    )
    return {(row[0], row[1], row[2]) for row in rows}


async def _insert(uow: UnitOfWork, candidates: Sequence[_Candidate], *, now: datetime) -> int:
    if not candidates:
        return 0
    table = OCCURRENCES
    statement = insert_ignoring_conflicts(
        table,
        dialect_name=dialect_name(uow.session),
    ).returning(
        table.c.id,
        table.c.intervention_id,
        table.c.tenant_id,
        table.c.unit_id,
        table.c.local_date,
        table.c.window_start,
        table.c.window_end,
    )
    rows: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "intervention_id": c.intervention.id,
            "tenant_id": c.intervention.tenant_id,
            "unit_id": c.intervention.unit_id,
            "local_date": c.window.local_date,
            "window_start": c.window.start,
            "window_end": c.window.end,
            "state": SCHEDULED,
            "scheduled_at": now,
        }
        for c in candidates
    ]
    events: list[OccurrenceScheduled] = []
    for offset in range(0, len(rows), _INSERT_BATCH):
        inserted = await uow.session.execute(statement, rows[offset : offset + _INSERT_BATCH])
        events.extend(
            OccurrenceScheduled(
                occurrence_id=row.id,
                intervention_id=row.intervention_id,
                tenant_id=row.tenant_id,
                unit_id=row.unit_id,
                window_start=row.window_start,
                window_end=row.window_end,
                local_date=row.local_date,
                prn=False,
            )
            for row in inserted
        )
    await emit_all(uow, events)
    return len(events)


async def cancel(
    uow: UnitOfWork,
    *,
    now: datetime,
    reason: domain.CancelReason,
    where: Sequence[ColumnElement[bool]],
) -> list[str]:
    """Cancel the live occurrences matching ``where``; returns their ids."""
    table = OCCURRENCES
    statement = (
        update(table)
        .where(table.c.state == SCHEDULED, and_(*where))
        .values(state=CANCELLED, cancel_reason=reason.value, cancelled_at=now)
        .returning(table.c.id, table.c.intervention_id, table.c.tenant_id, table.c.unit_id)
    )
    rows = (await uow.session.execute(statement)).all()
    await emit_all(
        uow,
        [
            OccurrenceCancelled(
                occurrence_id=row.id,
                intervention_id=row.intervention_id,
                tenant_id=row.tenant_id,
                unit_id=row.unit_id,
                reason=reason.value,
                cancelled_at=now,
            )
            for row in rows
        ],
    )
    return [row.id for row in rows]
