"""The subgraph's queries."""

from __future__ import annotations

from datetime import date

import strawberry

from libs.graphql.entities import selects
from services.interventions import queries
from services.interventions.graphql.context import Info, client_errors
from services.interventions.graphql.types import Intervention, Occurrence, Tenant, occurrences

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def interventions_service(self) -> str:
        return "interventions"

    @strawberry.field(description="The care recipients of a unit, by name.")
    async def tenants(self, info: Info, unit_id: strawberry.ID) -> list[Tenant]:
        principal = await info.context.principal()
        with client_errors():
            async with info.context.unit_of_work() as uow:
                rows = await queries.tenants(uow=uow, principal=principal, unit_id=unit_id)
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
        with client_errors():
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
