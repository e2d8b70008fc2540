"""Entries for identity's access log: who read or changed which care recipient's signatures.

HSLF-FS 2016:40 4 kap. 9 § asks for a log of every access to a care recipient's records. Each
entry goes out in a `RecordsAccessed` on ``audit.access`` through the outbox, in the same
transaction as the read or change it records. One entry per care recipient and action per
request: a worklist of twenty occurrences of one person is one access, not twenty.
"""

from __future__ import annotations

from collections.abc import Iterable

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.identity.events import RecordsAccessed

__all__ = ["SERVICE", "record_access"]

SERVICE = "signing"


async def record_access(
    uow: UnitOfWork,
    *,
    principal: Principal,
    records: Iterable[tuple[str, str]],
    action: str,
) -> None:
    """Log ``action`` on each distinct (tenant id, unit id) in ``records``."""
    await uow.emit_many(
        RecordsAccessed.for_records(
            user_id=principal.user_id,
            records=records,
            action=action,
            service=SERVICE,
            at=uow.clock.now(),
        )
    )
