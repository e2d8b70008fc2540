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
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, update

from libs.bulk import COPY_THRESHOLD, copy_insert_ignoring_conflicts
from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain
from services.interventions.events import OccurrenceCancelled, OccurrenceScheduled
from services.interventions.tables import (
    INTERVENTIONS,
    OCCURRENCES,
    AbsenceRow,
    InterventionRow,
    UnitRow,
)

__all__ = [
    "CANCELLED",
    "SCHEDULED",
    "cancel",
    "materialise",
    "schedule_of",
    "starts_of",
    "stored_starts",
]

SCHEDULED = "SCHEDULED"
CANCELLED = "CANCELLED"
_INSERT_BATCH = 2000
_LOCK_BATCH = 5000
# What an OccurrenceScheduled needs of an inserted row, in this order.
_RETURNED = (
    "id",
    "intervention_id",
    "tenant_id",
    "unit_id",
    "local_date",
    "window_start",
    "window_end",
)


_SEPARATOR = ","


def stored_starts(schedule: domain.Schedule) -> tuple[str, str]:
    """The ``window_start`` and ``window_starts`` columns of an intervention row."""
    texts = schedule.window_starts_text
    return texts[0], _SEPARATOR.join(texts)


def starts_of(window_start: str | None, window_starts: str | None) -> tuple[str, ...]:
    """The window starts "HH:MM" stored in an intervention row's columns, sorted."""
    if window_starts:
        return tuple(window_starts.split(_SEPARATOR))
    return (window_start,) if window_start else ()


def schedule_of(row: InterventionRow) -> domain.Schedule | None:
    if row.prn:
        return None
    return _schedule(row.rrule, row.window_start, row.window_starts, row.window_minutes)


@lru_cache(maxsize=4096)
def _schedule(
    rrule: str | None,
    window_start: str | None,
    window_starts: str | None,
    window_minutes: int | None,
) -> domain.Schedule | None:
    starts = starts_of(window_start, window_starts)
    if rrule is None or not starts or window_minutes is None:
        return None
    return domain.Schedule(
        rrule=rrule,
        window_starts=tuple(time.fromisoformat(text) for text in starts),
        window_minutes=window_minutes,
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    intervention_id: str
    tenant_id: str
    unit_id: str
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
    # Plain columns rather than ORM objects: a pass reads every active intervention.
    query = (
        select(
            InterventionRow.id,
            InterventionRow.tenant_id,
            InterventionRow.unit_id,
            InterventionRow.rrule,
            InterventionRow.window_start,
            InterventionRow.window_starts,
            InterventionRow.window_minutes,
            InterventionRow.valid_from,
            InterventionRow.valid_to,
            InterventionRow.effective_from,
            InterventionRow.updated_at,
            UnitRow.timezone,
        )
        .outerjoin(UnitRow, UnitRow.unit_id == InterventionRow.unit_id)
        .where(InterventionRow.state == domain.InterventionState.ACTIVE, ~InterventionRow.prn)
    )
    if intervention_ids is not None:
        query = query.where(InterventionRow.id.in_(intervention_ids))
    if tenant_id is not None:
        query = query.where(InterventionRow.tenant_id == tenant_id)
    interventions = (await uow.session.execute(query)).all()
    if not interventions:
        return 0
    absences = await _absences(uow, not_before=not_before, tenant_id=tenant_id)

    candidates: list[_Candidate] = []
    zones: dict[str | None, ZoneInfo] = {}
    for row in interventions:
        schedule = _schedule(row.rrule, row.window_start, row.window_starts, row.window_minutes)
        if schedule is None:
            continue
        zone = zones.get(row.timezone) or zones.setdefault(
            row.timezone, domain.unit_zone(row.timezone)
        )
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
            if window.end <= earliest or (away and domain.in_any(window.start, away)):
                continue
            candidates.append(_Candidate(row.id, row.tenant_id, row.unit_id, window))
    if not candidates:
        return 0
    live, any_state = await _existing(uow, candidates, intervention_ids=intervention_ids)
    # The unique index would drop these too; filtering first keeps a steady-state pass cheap.
    fresh = [
        c
        for c in candidates
        if (c.intervention_id, c.window.start) not in (live if c.window.end > now else any_state)
    ]
    if not fresh:
        return 0
    unchanged = await _lock_unchanged(
        uow,
        {row.id: row.updated_at for row in interventions},
        {c.intervention_id for c in fresh},
    )
    fresh = [c for c in fresh if c.intervention_id in unchanged]
    return await _insert(uow, fresh, now=now)


async def _lock_unchanged(uow: UnitOfWork, loaded: dict[str, datetime], ids: set[str]) -> set[str]:
    """The interventions still ACTIVE and unchanged since they were read, share-locked.

    A pause, end, schedule change or absence takes the intervention row for update (and
    bumps ``updated_at``) before it cancels occurrences. Holding a share lock on the rows we
    insert for until commit means either that command waits for this pass and then cancels
    what it inserted, or this pass waits for the command and skips the changed intervention
    (the next pass schedules it afresh) — never a live occurrence of a paused intervention.
    """
    unchanged: set[str] = set()
    ordered = sorted(ids)
    for offset in range(0, len(ordered), _LOCK_BATCH):
        rows = await uow.session.execute(
            select(INTERVENTIONS.c.id, INTERVENTIONS.c.updated_at)
            .where(INTERVENTIONS.c.id.in_(ordered[offset : offset + _LOCK_BATCH]))
            .where(INTERVENTIONS.c.state == domain.InterventionState.ACTIVE.value)
            .with_for_update(read=True)
        )
        unchanged.update(id_ for id_, updated_at in rows if loaded.get(id_) == updated_at)
    return unchanged


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


async def _existing(
    uow: UnitOfWork, candidates: Sequence[_Candidate], *, intervention_ids: Sequence[str] | None
) -> tuple[set[tuple[str, datetime]], set[tuple[str, datetime]]]:
    """(intervention, window start) of the live occurrences, and of all, in the range."""
    query = select(
        OCCURRENCES.c.intervention_id, OCCURRENCES.c.window_start, OCCURRENCES.c.state
    ).where(
        OCCURRENCES.c.window_start.between(
            min(c.window.start for c in candidates), max(c.window.start for c in candidates)
        )
    )
    if intervention_ids is not None or len(candidates) < 500:
        query = query.where(
            OCCURRENCES.c.intervention_id.in_(sorted({c.intervention_id for c in candidates}))
        )
    live: set[tuple[str, datetime]] = set()
    any_state: set[tuple[str, datetime]] = set()
    for intervention_id, window_start, state in await uow.session.execute(query):
        any_state.add((intervention_id, window_start))
        if state == SCHEDULED:
            live.add((intervention_id, window_start))
    return live, any_state


async def _insert(uow: UnitOfWork, candidates: Sequence[_Candidate], *, now: datetime) -> int:
    if not candidates:
        return 0
    table = OCCURRENCES
    statement = insert_ignoring_conflicts(
        table,
        dialect_name=dialect_name(uow.session),
    ).returning(*(table.c[name] for name in _RETURNED))
    rows: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "intervention_id": c.intervention_id,
            "tenant_id": c.tenant_id,
            "unit_id": c.unit_id,
            "local_date": c.window.local_date,
            "window_start": c.window.start,
            "window_end": c.window.end,
            "state": SCHEDULED,
            "scheduled_at": now,
        }
        for c in candidates
    ]
    inserted: list[tuple[Any, ...]] = []
    if dialect_name(uow.session) == "postgresql" and len(rows) >= COPY_THRESHOLD:
        columns = list(rows[0])
        records = await copy_insert_ignoring_conflicts(
            uow.session,
            table=table.name,
            columns=columns,
            records=[tuple(row[name] for name in columns) for row in rows],
            returning=_RETURNED,
        )
        inserted = [tuple(record) for record in records]
    else:
        for offset in range(0, len(rows), _INSERT_BATCH):
            result = await uow.session.execute(statement, rows[offset : offset + _INSERT_BATCH])
            inserted.extend(tuple(row) for row in result)
    events = [
        OccurrenceScheduled(
            occurrence_id=occurrence_id,
            intervention_id=intervention_id,
            tenant_id=tenant_id,
            unit_id=unit_id,
            local_date=local_date,
            window_start=window_start.astimezone(UTC),
            window_end=window_end.astimezone(UTC),
            prn=False,
        )
        for (
            occurrence_id,
            intervention_id,
            tenant_id,
            unit_id,
            local_date,
            window_start,
            window_end,
        ) in inserted
    ]
    await uow.emit_many(events)
    return len(events)


async def cancel(
    uow: UnitOfWork,
    *,
    now: datetime,
    reason: domain.CancelReason,
    where: Sequence[ColumnElement[bool]],
    absence_id: str | None = None,
) -> list[str]:
    """Cancel the live occurrences matching ``where`` (for ``absence_id``, when an absence
    cancels them); returns their ids."""
    table = OCCURRENCES
    statement = (
        update(table)
        .where(table.c.state == SCHEDULED, and_(*where))
        .values(
            state=CANCELLED, cancel_reason=reason.value, cancelled_at=now, absence_id=absence_id
        )
        .returning(table.c.id, table.c.intervention_id, table.c.tenant_id, table.c.unit_id)
    )
    rows = (await uow.session.execute(statement)).all()
    await uow.emit_many(
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
