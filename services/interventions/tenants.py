"""Use cases for care recipients: registering, changing and moving out.

A care recipient's row is never deleted: moving out ends their interventions (as
``endIntervention`` does, with the same events) and keeps everything as it was, so the history
stays readable. Changes are kept in ``tenant_changes``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import domain
from services.interventions.access import record_access, require_writer
from services.interventions.domain import InterventionState
from services.interventions.events import TenantRegistered
from services.interventions.handlers import (
    record_change,
    stop_intervention,
    tenant_for_writing,
    unit_zone,
)
from services.interventions.tables import (
    InterventionRow,
    OccurrenceRow,
    TenantChangeRow,
    TenantRow,
)

__all__ = ["UNCHANGED", "create_tenant", "move_out_tenant", "update_tenant"]

# A field of `update_tenant` the caller did not give.
UNCHANGED: Any = object()
_NAME_LIMIT = 200
_REFERENCE_LIMIT = 100


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
        name=domain.required_text(name, "name", limit=_NAME_LIMIT),
        external_reference=domain.optional_text(
            external_reference, "external reference", limit=_REFERENCE_LIMIT
        ),
        contact_person_id=domain.optional_text(contact_person_id, "contact person", limit=64),
        created_by=principal.user_id,
        created_at=now,
    )
    uow.session.add(tenant)
    await uow.session.flush()
    record_change(
        uow,
        TenantChangeRow,
        principal=principal,
        change="REGISTERED",
        details=_details(tenant),
        tenant_id=tenant.id,
    )
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


def _details(tenant: TenantRow) -> dict[str, Any]:
    return {"name": tenant.name, "externalReference": tenant.external_reference}


async def update_tenant(
    *,
    uow: UnitOfWork,
    principal: Principal,
    tenant_id: str,
    name: str | None = UNCHANGED,
    external_reference: str | None = UNCHANGED,
) -> TenantRow:
    """Changes the fields given; a blank or null external reference removes it."""
    tenant = await tenant_for_writing(uow, principal, tenant_id)
    before = _details(tenant)
    if name is not UNCHANGED:
        tenant.name = domain.required_text(name or "", "name", limit=_NAME_LIMIT)
    if external_reference is not UNCHANGED:
        tenant.external_reference = domain.optional_text(
            external_reference, "external reference", limit=_REFERENCE_LIMIT
        )
    after = _details(tenant)
    if after != before:
        changed = [key for key in after if after[key] != before[key]]
        record_change(
            uow,
            TenantChangeRow,
            principal=principal,
            tenant_id=tenant.id,
            change="UPDATED",
            details={
                "before": {key: before[key] for key in changed},
                "after": {key: after[key] for key in changed},
            },
        )
    await record_access(
        uow, principal=principal, tenants=[(tenant.id, tenant.unit_id)], action="tenant.update"
    )
    await uow.commit()
    return tenant


async def move_out_tenant(
    *,
    uow: UnitOfWork,
    principal: Principal,
    tenant_id: str,
    reason: str,
    moved_out_at: date | None,
) -> TenantRow:
    """The care recipient moved out on ``moved_out_at`` (default today in the unit): every
    intervention not yet ended ends with ``reason``.

    Moved out today, the windows not yet started are cancelled, as ``endIntervention`` does.
    Moved out on an earlier day (registered afterwards), the windows of the days after it are
    cancelled, past ones too, so they raise no missed alarms; the move-out day's are kept, as
    nobody can tell which of them were still given. A move-out ahead is not registered yet.
    """
    tenant = await tenant_for_writing(uow, principal, tenant_id)
    if tenant.moved_out_at is not None:
        raise domain.IllegalTransition("the care recipient has already moved out")
    reason = domain.required_text(reason, "reason", limit=1000)
    zone = await unit_zone(uow, tenant.unit_id)
    now = uow.clock.now()
    today = now.astimezone(zone).date()
    day = moved_out_at or today
    if day > today:
        raise domain.InvalidValidity("a move-out is registered on the day or after: not ahead")
    if day < tenant.created_at.astimezone(zone).date():
        raise domain.InvalidValidity("the move-out is before the care recipient was registered")
    cancelled = OccurrenceRow.window_start > now if day == today else OccurrenceRow.local_date > day
    interventions = (
        await uow.session.scalars(
            select(InterventionRow)
            .where(
                InterventionRow.tenant_id == tenant.id,
                InterventionRow.state != InterventionState.ENDED.value,
            )
            .order_by(InterventionRow.id)
            .with_for_update()
        )
    ).all()
    for row in interventions:
        await stop_intervention(
            uow,
            row,
            principal=principal,
            reason=reason,
            end=True,
            cancelled=cancelled,
            details={"movedOutAt": day.isoformat()},
        )
    tenant.moved_out_at, tenant.move_out_reason = day, reason
    tenant.moved_out_by = principal.user_id
    record_change(
        uow,
        TenantChangeRow,
        principal=principal,
        tenant_id=tenant.id,
        change="MOVED_OUT",
        details={"movedOutAt": day.isoformat(), "reason": reason},
    )
    await record_access(
        uow, principal=principal, tenants=[(tenant.id, tenant.unit_id)], action="tenant.move_out"
    )
    await uow.commit()
    return tenant
