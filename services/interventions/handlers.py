"""Use cases that change interventions (care recipients: `tenants`; absences: `absences`).

Each runs in the caller's unit of work: load, check who may, decide with `domain`, store, emit,
commit. Validation happens before anything is written, so a refused command changes nothing
and publishes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain
from services.interventions.access import record_access, require_anchoring, require_writer
from services.interventions.domain import Action, CancelReason, InterventionState
from services.interventions.events import (
    InterventionActivated,
    InterventionChanged,
    InterventionEnded,
    InterventionPaused,
)
from services.interventions.scheduling import (
    cancel,
    materialise,
    schedule_of,
    starts_of,
    stored_starts,
)
from services.interventions.tables import (
    InterventionChangeRow,
    InterventionRow,
    OccurrenceRow,
    TenantChangeRow,
    TenantRow,
    UnitRow,
)

__all__ = [
    "NewIntervention",
    "ScheduleInput",
    "change_schedule",
    "confirm_plan_anchoring",
    "create_intervention",
    "end_intervention",
    "parse_schedule",
    "pause_intervention",
    "record_change",
    "resume_intervention",
    "stop_intervention",
    "tenant_for_writing",
    "unit_today",
    "unit_zone",
]


@dataclass(frozen=True, kw_only=True)
class ScheduleInput:
    rrule: str | None
    window_start: str | None
    window_minutes: int
    window_starts: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class NewIntervention:
    tenant_id: str
    title: str
    instructions: str
    category: domain.Category
    plan_reference: str | None
    schedule: ScheduleInput | None
    prn: bool
    valid_from: date | None
    valid_to: date | None


# Instructions are shown on a phone; anything longer belongs in the implementation plan.
_INSTRUCTIONS_LIMIT = 4000


async def unit_zone(uow: UnitOfWork, unit_id: str) -> ZoneInfo:
    zone = await uow.session.scalar(select(UnitRow.timezone).where(UnitRow.unit_id == unit_id))
    return domain.unit_zone(zone)


async def unit_today(uow: UnitOfWork, unit_id: str) -> date:
    return uow.clock.now().astimezone(await unit_zone(uow, unit_id)).date()


def _instructions(value: str) -> str:
    value = value.strip()
    if len(value) > _INSTRUCTIONS_LIMIT:
        raise domain.InvalidInput(f"instructions are longer than {_INSTRUCTIONS_LIMIT} characters")
    return value


async def tenant_for_writing(
    uow: UnitOfWork, principal: Principal, tenant_id: str, *, adding: str | None = None
) -> TenantRow:
    """The care recipient, locked: a move-out waits for a new intervention or absence being
    added, or the addition sees the move-out. ``adding`` names what is added: refused once
    the care recipient has moved out."""
    tenant = await uow.session.get(TenantRow, tenant_id, with_for_update=True)
    if tenant is None:
        raise domain.UnknownRecord("no such care recipient")
    require_writer(principal, tenant.unit_id, what="care recipient")
    if adding is not None and tenant.moved_out_at is not None:
        raise domain.IllegalTransition(f"the care recipient has moved out: no new {adding}")
    return tenant


def parse_schedule(schedule: ScheduleInput) -> domain.Schedule:
    return domain.parse_schedule(
        rrule_text=schedule.rrule,
        window_start=schedule.window_start,
        window_starts=schedule.window_starts,
        window_minutes=schedule.window_minutes,
    )


async def create_intervention(
    command: NewIntervention, *, uow: UnitOfWork, principal: Principal
) -> InterventionRow:
    tenant = await tenant_for_writing(uow, principal, command.tenant_id, adding="interventions")
    if command.prn and command.schedule is not None:
        raise domain.InvalidInput("a PRN intervention has no schedule: give one or the other")
    if not command.prn and command.schedule is None:
        raise domain.InvalidInput("give a schedule, or prn: true for an as-needed intervention")
    schedule = parse_schedule(command.schedule) if command.schedule is not None else None
    valid_from = command.valid_from or await unit_today(uow, tenant.unit_id)
    domain.check_validity(valid_from, command.valid_to)
    now = uow.clock.now()
    window_start, window_starts = stored_starts(schedule) if schedule else (None, None)
    row = InterventionRow(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        unit_id=tenant.unit_id,
        title=domain.required_text(command.title, "title", limit=200),
        instructions=_instructions(command.instructions),
        category=command.category.value,
        plan_reference=domain.optional_text(command.plan_reference, "plan reference", limit=200),
        prn=command.prn,
        rrule=schedule.rrule if schedule else None,
        window_start=window_start,
        window_starts=window_starts,
        window_minutes=schedule.window_minutes if schedule else None,
        valid_from=valid_from,
        valid_to=command.valid_to,
        state=InterventionState.DRAFT.value,
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    await uow.session.flush()
    _history(uow, row, principal=principal, change="CREATED", details=_schedule_details(row))
    await record_access(
        uow,
        principal=principal,
        tenants=[(tenant.id, tenant.unit_id)],
        action="intervention.create",
    )
    await uow.commit()
    return row


def _schedule_details(row: InterventionRow) -> dict[str, Any]:
    return {
        "prn": row.prn,
        "rrule": row.rrule,
        "windowStart": row.window_start,
        "windowStarts": list(starts_of(row.window_start, row.window_starts)),
        "windowMinutes": row.window_minutes,
        "validFrom": row.valid_from.isoformat(),
        "validTo": row.valid_to.isoformat() if row.valid_to else None,
    }


def record_change(
    uow: UnitOfWork,
    row: type[InterventionChangeRow | TenantChangeRow],
    *,
    principal: Principal,
    change: str,
    details: dict[str, Any],
    **owner: str,
) -> None:
    """A history row (``owner`` is its intervention or care recipient) of the change."""
    uow.session.add(
        row(
            **owner,
            change=change,
            details=details,
            changed_by=principal.user_id,
            changed_at=uow.clock.now(),
        )
    )


def _history(
    uow: UnitOfWork,
    row: InterventionRow,
    *,
    principal: Principal,
    change: str,
    details: dict[str, Any],
) -> None:
    record_change(
        uow,
        InterventionChangeRow,
        principal=principal,
        change=change,
        details=details,
        intervention_id=row.id,
    )


async def _intervention_for_writing(
    uow: UnitOfWork, principal: Principal, intervention_id: str, *, anchoring: bool = False
) -> InterventionRow:
    # FOR UPDATE: two admins pausing and resuming at once must see each other's result.
    row = await uow.session.get(InterventionRow, intervention_id, with_for_update=True)
    if row is None:
        raise domain.UnknownRecord("no such intervention")
    if anchoring:
        require_anchoring(principal, row.unit_id, what="intervention")
    else:
        require_writer(principal, row.unit_id, what="intervention")
    return row


def _fact(row: InterventionRow, principal: Principal, now: datetime) -> dict[str, Any]:
    return {
        "intervention_id": row.id,
        "tenant_id": row.tenant_id,
        "unit_id": row.unit_id,
        "prn": row.prn,
        "by": principal.user_id,
        "at": now,
    }


async def _finish(
    uow: UnitOfWork, row: InterventionRow, principal: Principal, *, action: str
) -> InterventionRow:
    await record_access(
        uow, principal=principal, tenants=[(row.tenant_id, row.unit_id)], action=action
    )
    await uow.commit()
    return row


async def confirm_plan_anchoring(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str, horizon_days: int
) -> InterventionRow:
    row = await _intervention_for_writing(uow, principal, intervention_id, anchoring=True)
    row.state = domain.next_state(InterventionState(row.state), Action.CONFIRM).value
    now = uow.clock.now()
    row.anchored_by, row.anchored_at = principal.user_id, now
    row.effective_from, row.updated_at, row.state_reason = now, now, None
    _history(uow, row, principal=principal, change="PLAN_ANCHORING_CONFIRMED", details={})
    await uow.session.flush()
    await uow.emit(InterventionActivated(**_fact(row, principal, now)))
    await materialise(
        uow, now=now, horizon_days=horizon_days, not_before=now, intervention_ids=[row.id]
    )
    return await _finish(uow, row, principal, action="intervention.confirm")


async def pause_intervention(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str, reason: str
) -> InterventionRow:
    return await _stop(
        uow=uow, principal=principal, intervention_id=intervention_id, reason=reason, end=False
    )


async def end_intervention(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str, reason: str
) -> InterventionRow:
    return await _stop(
        uow=uow, principal=principal, intervention_id=intervention_id, reason=reason, end=True
    )


async def _stop(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str, reason: str, end: bool
) -> InterventionRow:
    row = await _intervention_for_writing(uow, principal, intervention_id)
    reason = domain.required_text(reason, "reason", limit=1000)
    # Only windows that have not started: one in progress may be being performed right now.
    await stop_intervention(
        uow,
        row,
        principal=principal,
        reason=reason,
        end=end,
        cancelled=OccurrenceRow.window_start > uow.clock.now(),
    )
    return await _finish(
        uow, row, principal, action="intervention.end" if end else "intervention.pause"
    )


async def stop_intervention(
    uow: UnitOfWork,
    row: InterventionRow,
    *,
    principal: Principal,
    reason: str,
    end: bool,
    cancelled: ColumnElement[bool],
    details: dict[str, Any] | None = None,
) -> None:
    """Pause or end an intervention loaded for writing, and cancel its live occurrences that
    match ``cancelled``; the caller commits."""
    action = Action.END if end else Action.PAUSE
    row.state = domain.next_state(InterventionState(row.state), action).value
    now = uow.clock.now()
    row.state_reason, row.updated_at = reason, now
    _history(
        uow,
        row,
        principal=principal,
        change="ENDED" if end else "PAUSED",
        details={"reason": reason, **(details or {})},
    )
    await uow.session.flush()
    await cancel(
        uow,
        now=now,
        reason=CancelReason.ENDED if end else CancelReason.PAUSED,
        where=[OccurrenceRow.intervention_id == row.id, cancelled],
    )
    fact = _fact(row, principal, now)
    await uow.emit(InterventionEnded(**fact) if end else InterventionPaused(**fact))


async def resume_intervention(
    *, uow: UnitOfWork, principal: Principal, intervention_id: str, horizon_days: int
) -> InterventionRow:
    row = await _intervention_for_writing(uow, principal, intervention_id)
    row.state = domain.next_state(InterventionState(row.state), Action.RESUME).value
    now = uow.clock.now()
    row.effective_from, row.updated_at, row.state_reason = now, now, None
    _history(uow, row, principal=principal, change="RESUMED", details={})
    await uow.session.flush()
    await uow.emit(InterventionActivated(**_fact(row, principal, now)))
    await materialise(
        uow, now=now, horizon_days=horizon_days, not_before=now, intervention_ids=[row.id]
    )
    return await _finish(uow, row, principal, action="intervention.resume")


async def change_schedule(
    *,
    uow: UnitOfWork,
    principal: Principal,
    intervention_id: str,
    schedule: ScheduleInput,
    valid_to: date | None,
    horizon_days: int,
) -> InterventionRow:
    """New schedule (and optionally validity end); only windows not yet started change."""
    row = await _intervention_for_writing(uow, principal, intervention_id)
    if row.state == InterventionState.ENDED:
        raise domain.IllegalTransition("an ended intervention's schedule cannot change")
    if row.prn:
        raise domain.InvalidInput("a PRN intervention has no schedule")
    new = parse_schedule(schedule)
    domain.check_validity(row.valid_from, valid_to)
    before = _schedule_details(row)
    now = uow.clock.now()
    row.rrule, row.window_minutes = new.rrule, new.window_minutes
    row.window_start, row.window_starts = stored_starts(new)
    row.valid_to, row.updated_at = valid_to, now
    _history(
        uow,
        row,
        principal=principal,
        change="SCHEDULE_CHANGED",
        details={"before": before, "after": _schedule_details(row)},
    )
    await uow.session.flush()
    await uow.emit(InterventionChanged(**_fact(row, principal, now)))
    if row.state == InterventionState.ACTIVE:
        await _reschedule(uow, row, now=now, horizon_days=horizon_days)
    return await _finish(uow, row, principal, action="intervention.change")


async def _reschedule(
    uow: UnitOfWork, row: InterventionRow, *, now: datetime, horizon_days: int
) -> None:
    schedule = schedule_of(row)
    assert schedule is not None
    zone = await unit_zone(uow, row.unit_id)
    future = (
        await uow.session.execute(
            select(
                OccurrenceRow.id,
                OccurrenceRow.local_date,
                OccurrenceRow.window_start,
                OccurrenceRow.window_end,
            )
            .where(OccurrenceRow.intervention_id == row.id)
            .where(OccurrenceRow.state == "SCHEDULED", OccurrenceRow.window_start > now)
        )
    ).all()
    planned = set(
        domain.windows(
            schedule,
            zone=zone,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            start=min((f.local_date for f in future), default=now.date()),
            stop=max((f.local_date for f in future), default=now.date()),
        )
    )
    stale = [
        f.id
        for f in future
        if domain.Window(start=f.window_start, end=f.window_end, local_date=f.local_date)
        not in planned
    ]
    if stale:
        await cancel(uow, now=now, reason=CancelReason.CHANGED, where=[OccurrenceRow.id.in_(stale)])
    row.effective_from = now
    await uow.session.flush()
    await materialise(
        uow, now=now, horizon_days=horizon_days, not_before=now, intervention_ids=[row.id]
    )
