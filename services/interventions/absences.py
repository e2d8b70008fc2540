"""Use cases for absences: while a care recipient is away, no occurrences, so no false alarms."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain
from services.interventions.access import record_access, require_writer
from services.interventions.domain import CancelReason
from services.interventions.events import AbsenceEnded, AbsenceRegistered
from services.interventions.handlers import tenant_for_writing
from services.interventions.scheduling import cancel, materialise
from services.interventions.tables import AbsenceRow, InterventionRow, OccurrenceRow

__all__ = ["end_absence", "register_absence"]


async def register_absence(
    *,
    uow: UnitOfWork,
    principal: Principal,
    tenant_id: str,
    kind: domain.AbsenceKind,
    starts_at: datetime,
    ends_at: datetime | None,
) -> AbsenceRow:
    """Cancels the occurrences starting inside the absence — past ones too, because an
    absence registered afterwards (a night-time hospital admission) must withdraw the
    alarms its windows would otherwise raise."""
    tenant = await tenant_for_writing(uow, principal, tenant_id, adding="absences")
    _check_period(starts_at, ends_at)
    now = uow.clock.now()
    absence = AbsenceRow(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        unit_id=tenant.unit_id,
        kind=kind.value,
        starts_at=starts_at,
        ends_at=ends_at,
        registered_by=principal.user_id,
        registered_at=now,
    )
    uow.session.add(absence)
    await _touch_interventions(uow, tenant.id, now)
    await uow.session.flush()
    inside = [OccurrenceRow.tenant_id == tenant.id, OccurrenceRow.window_start >= starts_at]
    if ends_at is not None:
        inside.append(OccurrenceRow.window_start < ends_at)
    await cancel(uow, now=now, reason=CancelReason.ABSENCE, where=inside, absence_id=absence.id)
    await uow.emit(
        AbsenceRegistered(
            absence_id=absence.id,
            tenant_id=tenant.id,
            unit_id=tenant.unit_id,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    )
    await record_access(
        uow, principal=principal, tenants=[(tenant.id, tenant.unit_id)], action="absence.register"
    )
    await uow.commit()
    return absence


async def _touch_interventions(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    # Locks the care recipient's interventions and marks them changed, so a scheduler pass
    # running at the same time cannot add windows that ignore this absence (see scheduling).
    await uow.session.execute(
        update(InterventionRow).where(InterventionRow.tenant_id == tenant_id).values(updated_at=now)
    )


def _check_period(starts_at: datetime, ends_at: datetime | None) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise domain.InvalidInput("give times with a UTC offset")
    if ends_at is not None and ends_at <= starts_at:
        raise domain.InvalidValidity("the absence must end after it starts")


async def end_absence(
    *,
    uow: UnitOfWork,
    principal: Principal,
    absence_id: str,
    ends_at: datetime,
    horizon_days: int,
) -> AbsenceRow:
    """Sets the end of an open absence and schedules the windows after it again."""
    absence = await uow.session.get(AbsenceRow, absence_id, with_for_update=True)
    if absence is None:
        raise domain.UnknownRecord("no such absence")
    require_writer(principal, absence.unit_id, what="absence")
    if absence.ends_at is not None:
        raise domain.IllegalTransition("the absence already has an end")
    _check_period(absence.starts_at, ends_at)
    now = uow.clock.now()
    absence.ends_at, absence.ended_by = ends_at, principal.user_id
    await _touch_interventions(uow, absence.tenant_id, now)
    await uow.session.flush()
    await uow.emit(
        AbsenceEnded(
            absence_id=absence.id,
            tenant_id=absence.tenant_id,
            unit_id=absence.unit_id,
            ends_at=ends_at,
        )
    )
    await materialise(
        uow, now=now, horizon_days=horizon_days, not_before=now, tenant_id=absence.tenant_id
    )
    await record_access(
        uow,
        principal=principal,
        tenants=[(absence.tenant_id, absence.unit_id)],
        action="absence.end",
    )
    await uow.commit()
    return absence
