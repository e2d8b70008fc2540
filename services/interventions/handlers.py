"""Use cases that change care recipients and interventions (absences: `absences`).

Each runs in the caller's unit of work: load, check who may, decide with `domain`, store, emit,
commit. Validation happens before anything is written, so a refused command changes nothing
and publishes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

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
    TenantRegistered,
)
from services.interventions.scheduling import cancel, materialise, schedule_of
from services.interventions.tables import (
    InterventionChangeRow,
    InterventionRow,
    OccurrenceRow,
    TenantRow,
    UnitRow,
)

__all__ = [
    "NewIntervention",
    "ScheduleInput",
    "change_schedule",
    "confirm_plan_anchoring",
    "create_intervention",
    "create_tenant",
    "end_intervention",
    "pause_intervention",
    "resume_intervention",
    "tenant_for_writing",
    "unit_today",
]


@dataclass(frozen=True, kw_only=True)
class ScheduleInput:
    rrule: str | None
    window_start: str
    window_minutes: int


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


async def unit_today(uow: UnitOfWork, unit_id: str) -> date:
    zone = await uow.session.scalar(select(UnitRow.timezone).where(UnitRow.unit_id == unit_id))
    return uow.clock.now().astimezone(domain.unit_zone(zone)).date()


def _required(value: str, what: str, *, limit: int) -> str:
    value = value.strip()
    if not value:
        raise domain.InvalidInput(f"{what} must not be empty")
    if len(value) > limit:
        raise domain.InvalidInput(f"{what} is longer than {limit} characters")
    return value


def _instructions(value: str) -> str:
    value = value.strip()
    if len(value) > _INSTRUCTIONS_LIMIT:
        raise domain.InvalidInput(f"instructions are longer than {_INSTRUCTIONS_LIMIT} characters")
    return value


def _optional(value: str | None, what: str, *, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    return _required(value, what, limit=limit)


async def create_tenant(
    *,
    uow: UnitOfWork,
    principal: Principal,
    unit_id: str,
    name: str,
    external_reference: str | None,
    contact_person_id: str | None,
) -> TenantRow:
    require_writer(principal, unit_id, what="unit")
    now = uow.clock.now()
    tenant = TenantRow(
        id=str(uuid.uuid4()),
        unit_id=unit_id,
        name=_required(name, "name", limit=200),
        external_reference=_optional(external_reference, "external reference", limit=100),
        contact_person_id=_optional(contact_person_id, "contact person", limit=64),
        created_by=principal.user_id,
        created_at=now,
    )
    uow.session.add(tenant)
    await uow.emit(
        TenantRegistered(
            tenant_id=tenant.id, unit_id=unit_id, registered_by=principal.user_id, registered_at=now
        )
    )
    await record_access(
        uow, principal=principal, tenants=[(tenant.id, unit_id)], action="tenant.create"
    )
    await uow.commit()
    return tenant


async def tenant_for_writing(uow: UnitOfWork, principal: Principal, tenant_id: str) -> TenantRow:
    tenant = await uow.session.get(TenantRow, tenant_id)
    if tenant is None:
        raise domain.UnknownRecord("no such care recipient")
    require_writer(principal, tenant.unit_id, what="care recipient")
    return tenant


def _schedule(schedule: ScheduleInput) -> domain.Schedule:
    return domain.parse_schedule(
        rrule_text=schedule.rrule,
        window_start=schedule.window_start,
        window_minutes=schedule.window_minutes,
    )


async def create_intervention(
    command: NewIntervention, *, uow: UnitOfWork, principal: Principal
) -> InterventionRow:
    tenant = await tenant_for_writing(uow, principal, command.tenant_id)
    if command.prn and command.schedule is not None:
        raise domain.InvalidInput("a PRN intervention has no schedule: give one or the other")
    if not command.prn and command.schedule is None:
        raise domain.InvalidInput("give a schedule, or prn: true for an as-needed intervention")
    schedule = _schedule(command.schedule) if command.schedule is not None else None
    valid_from = command.valid_from or await unit_today(uow, tenant.unit_id)
    domain.check_validity(valid_from, command.valid_to)
    now = uow.clock.now()
    row = InterventionRow(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        unit_id=tenant.unit_id,
        title=_required(command.title, "title", limit=200),
        instructions=_instructions(command.instructions),
        category=command.category.value,
        plan_reference=_optional(command.plan_reference, "plan reference", limit=200),
        prn=command.prn,
        rrule=schedule.rrule if schedule else None,
        window_start=schedule.window_start_text if schedule else None,
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
        "windowMinutes": row.window_minutes,
        "validFrom": row.valid_from.isoformat(),
        "validTo": row.valid_to.isoformat() if row.valid_to else None,
    }


def _history(
    uow: UnitOfWork,
    row: InterventionRow,
    *,
    principal: Principal,
    change: str,
    details: dict[str, Any],
) -> None:
    uow.session.add(
        InterventionChangeRow(
            intervention_id=row.id,
            change=change,
            details=details,
            changed_by=principal.user_id,
            changed_at=uow.clock.now(),
        )
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
    reason = _required(reason, "reason", limit=1000)
    action = Action.END if end else Action.PAUSE
    row.state = domain.next_state(InterventionState(row.state), action).value
    now = uow.clock.now()
    row.state_reason, row.updated_at = reason, now
    _history(
        uow,
        row,
        principal=principal,
        change="ENDED" if end else "PAUSED",
        details={"reason": reason},
    )
    await uow.session.flush()
    # Only windows that have not started: one in progress may be being performed right now.
    await cancel(
        uow,
        now=now,
        reason=CancelReason.ENDED if end else CancelReason.PAUSED,
        where=[OccurrenceRow.intervention_id == row.id, OccurrenceRow.window_start > now],
    )
    fact = _fact(row, principal, now)
    await uow.emit(InterventionEnded(**fact) if end else InterventionPaused(**fact))
    return await _finish(
        uow, row, principal, action="intervention.end" if end else "intervention.pause"
    )


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
    new = _schedule(schedule)
    domain.check_validity(row.valid_from, valid_to)
    before = _schedule_details(row)
    now = uow.clock.now()
    row.rrule, row.window_start, row.window_minutes = (
        new.rrule,
        new.window_start_text,
        new.window_minutes,
    )
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
    zone_name = await uow.session.scalar(
        select(UnitRow.timezone).where(UnitRow.unit_id == row.unit_id)
    )
    zone = domain.unit_zone(zone_name)
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
    kept_days = set(
        domain.local_dates(
            schedule,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            start=min((f.local_date for f in future), default=now.date()),
            stop=max((f.local_date for f in future), default=now.date()),
        )
    )
    stale = [
        f.id
        for f in future
        if f.local_date not in kept_days
        or domain.window_on(schedule, f.local_date, zone)
        != domain.Window(start=f.window_start, end=f.window_end, local_date=f.local_date)
    ]
    if stale:
        await cancel(uow, now=now, reason=CancelReason.CHANGED, where=[OccurrenceRow.id.in_(stale)])
    row.effective_from = now
    await uow.session.flush()
    await materialise(
        uow, now=now, horizon_days=horizon_days, not_before=now, intervention_ids=[row.id]
    )
