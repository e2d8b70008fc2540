"""The events of other services this one reacts to."""

from __future__ import annotations

from sqlalchemy import select

from libs.messaging.dispatcher import BatchHandler, Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from services.identity.events import UnitCreated
from services.interventions import views
from services.interventions.tables import UnitRow

__all__ = ["HANDLERS"]


async def remember_unit(event: CloudEvent, uow: UnitOfWork) -> None:
    """Keep the unit's timezone: occurrence windows are computed in it."""
    unit = decode_data(UnitCreated, event.data)
    row = await uow.session.scalar(select(UnitRow).where(UnitRow.unit_id == unit.unit_id))
    if row is None:
        uow.session.add(
            UnitRow(unit_id=unit.unit_id, timezone=unit.timezone, created_at=unit.created_at)
        )
    elif unit.created_at >= row.created_at:
        row.timezone, row.created_at = unit.timezone, unit.created_at


HANDLERS: dict[str, Handler | BatchHandler] = {UnitCreated.TYPE: remember_unit, **views.HANDLERS}
