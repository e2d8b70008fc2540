"""Who may do what with a unit's alarms (DESIGN §5), and the access log entry for reads.

A caller with no role in the unit gets the same answer as for a record that does not exist;
a caller who may see the unit but whose role may not act gets `NotPermitted`.
"""

from __future__ import annotations

from collections.abc import Iterable

from libs.auth.principal import Principal, Role
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.domain import AlarmError, NotPermitted
from services.identity.events import RecordsAccessed

__all__ = ["ASSESS", "FOLLOW_UP", "READ", "record_access", "require"]

READ = (Role.CARE_STAFF, Role.SOL_ADMIN, Role.UNIT_MANAGER)
FOLLOW_UP = (Role.SOL_ADMIN, Role.UNIT_MANAGER)
ASSESS = (Role.UNIT_MANAGER,)


def require(
    principal: Principal,
    *,
    unit_id: str,
    roles: tuple[Role, ...],
    missing: AlarmError,
) -> None:
    """Raise ``missing`` unless the caller may see the unit, `NotPermitted` unless they may act."""
    if not principal.has_role(unit_id, *READ):
        raise missing
    if not principal.has_role(unit_id, *roles):
        wanted = " or ".join(role.value for role in roles)
        raise NotPermitted(f"only {wanted} of the unit may do this")


async def record_access(
    uow: UnitOfWork,
    *,
    principal: Principal,
    unit_id: str,
    tenant_ids: Iterable[str],
    action: str,
) -> None:
    """One access-log entry per care recipient whose alarm data the caller was shown."""
    await uow.emit_many(
        RecordsAccessed.for_records(
            user_id=principal.user_id,
            records=((tenant_id, unit_id) for tenant_id in tenant_ids),
            action=action,
            service="alarms",
            at=uow.clock.now(),
        )
    )
