"""Who may do what (DESIGN §5), and the access log entry every care-recipient read leaves.

A unit the caller holds no role in looks exactly like a record that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from libs.auth.principal import Principal, Role
from libs.messaging.unit_of_work import UnitOfWork
from services.identity.events import RecordsAccessed
from services.interventions.domain import NotPermitted, UnknownRecord

__all__ = ["SERVICE", "record_access", "require_anchoring", "require_reader", "require_writer"]

SERVICE = "interventions"
_READERS = (Role.CARE_STAFF, Role.SOL_ADMIN, Role.UNIT_MANAGER)
_WRITERS = (Role.SOL_ADMIN, Role.UNIT_MANAGER)


def can_read(principal: Principal, unit_id: str) -> bool:
    return principal.has_role(unit_id, *_READERS)


def require_reader(principal: Principal, unit_id: str, *, what: str) -> None:
    if not can_read(principal, unit_id):
        raise UnknownRecord(f"no such {what}")


def require_writer(principal: Principal, unit_id: str, *, what: str) -> None:
    require_reader(principal, unit_id, what=what)
    if not principal.has_role(unit_id, *_WRITERS):
        raise NotPermitted("only a SoL administrator or the unit manager may change this")


def require_anchoring(principal: Principal, unit_id: str, *, what: str) -> None:
    require_reader(principal, unit_id, what=what)
    if not principal.has_role(unit_id, Role.SOL_ADMIN):
        raise NotPermitted("only a SoL administrator of the unit confirms plan anchoring")


async def record_access(
    uow: UnitOfWork,
    *,
    principal: Principal,
    tenants: Iterable[tuple[str, str]],
    action: str,
) -> None:
    """One access-log entry per care recipient (tenant id, unit id) touched, in one event."""
    await uow.emit_many(
        RecordsAccessed.for_records(
            user_id=principal.user_id,
            records=tenants,
            action=action,
            service=SERVICE,
            at=uow.clock.now(),
        )
    )
