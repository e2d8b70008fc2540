"""The subgraph's queries."""

from __future__ import annotations

from datetime import date

import strawberry

from libs.graphql.entities import selects
from services.interventions import queries
from services.interventions.graphql.context import Info
from services.interventions.graphql.errors import translated
from services.interventions.graphql.schedules import PlannedWindow, ScheduleInput
from services.interventions.graphql.types import Intervention, Occurrence, Tenant, occurrences

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def interventions_service(self) -> str:
        return "interventions"

    @strawberry.field(
        description="The care recipients of a unit, by name: those living there, and those "
        "who moved out too when asked for."
    )
    async def tenants(
        self, info: Info, unit_id: strawberry.ID, include_moved_out: bool | None = False
    ) -> list[Tenant]:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                rows = await queries.tenants(
                    uow=uow,
                    principal=principal,
                    unit_id=unit_id,
                    include_moved_out=bool(include_moved_out),
                )
        return [Tenant.from_row(row) for row in rows]

    @strawberry.field
    async def tenant(self, info: Info, id: strawberry.ID) -> Tenant | None:
        return await Tenant.resolve_reference(info, id)

    @strawberry.field
    async def intervention(self, info: Info, id: strawberry.ID) -> Intervention | None:
        return await Intervention.resolve_reference(info, id)

    @strawberry.field(
        description="The unit's occurrences on a local date (default: today in the unit's "
        "timezone), by window start; cancelled ones only when asked for."
    )
    async def worklist(
        self,
        info: Info,
        unit_id: strawberry.ID,
        date: date | None = None,
        include_cancelled: bool = False,
    ) -> list[Occurrence]:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                items = await queries.worklist(
                    uow=uow,
                    principal=principal,
                    unit_id=unit_id,
                    day=date,
                    include_cancelled=include_cancelled,
                    with_signatures=selects(info, "signature"),
                    with_alarms=selects(info, "alarms"),
                )
        return occurrences(items)

    @strawberry.field(
        description="The next windows a schedule would have if its intervention were "
        "confirmed now, in the unit's timezone (validFrom defaults to today there), computed "
        "as occurrences are; windows still open now come first. SoL administrators and unit "
        f"managers of the unit; count 1–{queries.MAX_PREVIEW}."
    )
    async def schedule_preview(
        self,
        info: Info,
        unit_id: strawberry.ID,
        schedule: ScheduleInput,
        valid_from: date | None = None,
        valid_to: date | None = None,
        count: int | None = queries.PREVIEW_COUNT,
    ) -> list[PlannedWindow]:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                windows = await queries.schedule_preview(
                    uow=uow,
                    principal=principal,
                    unit_id=unit_id,
                    schedule=schedule.to_command(),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    count=queries.PREVIEW_COUNT if count is None else count,
                )
        return [PlannedWindow.of(window) for window in windows]
