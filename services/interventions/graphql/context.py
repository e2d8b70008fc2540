"""The request context of the interventions subgraph."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

import strawberry
from strawberry.dataloader import DataLoader

from libs.database import session_scope
from libs.graphql.context import ServiceContext
from libs.runtime import ServiceRuntime
from services.interventions import views
from services.interventions.settings import InterventionsSettings

__all__ = ["Info", "InterventionsContext"]


class InterventionsContext(ServiceContext):
    def __init__(self, *, runtime: ServiceRuntime) -> None:
        super().__init__(runtime=runtime)
        self.settings = cast(InterventionsSettings, runtime.settings)

    # Occurrences the gateway asks about one by one (not a worklist, which loads these with its
    # rows): their signatures and alarms, one query per request for each. Made on first use,
    # not for every request.
    @cached_property
    def signatures(self) -> DataLoader[str, Any]:
        return DataLoader(load_fn=self._signatures)

    @cached_property
    def alarms(self) -> DataLoader[str, list[Any]]:
        return DataLoader(load_fn=self._alarms)

    async def _signatures(self, occurrence_ids: list[str]) -> list[Any]:
        async with session_scope(self.sessions) as session:
            found = await views.signatures_of(session, occurrence_ids=occurrence_ids)
        return [found.get(occurrence_id) for occurrence_id in occurrence_ids]

    async def _alarms(self, occurrence_ids: list[str]) -> list[list[Any]]:
        async with session_scope(self.sessions) as session:
            found = await views.alarms_of(session, occurrence_ids=occurrence_ids)
        return [found.get(occurrence_id, []) for occurrence_id in occurrence_ids]


Info = strawberry.Info[InterventionsContext, None]
