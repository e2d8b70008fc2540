"""The request context of the interventions subgraph, and the one translation of domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, cast

import strawberry
from strawberry.dataloader import DataLoader

from libs.database import session_scope
from libs.graphql.context import ServiceContext
from libs.graphql.errors import BadUserInput, Conflict, Forbidden, NotFound
from libs.runtime import ServiceRuntime
from services.interventions import domain, views
from services.interventions.settings import InterventionsSettings

__all__ = ["Info", "InterventionsContext", "client_errors"]


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


@contextmanager
def client_errors() -> Iterator[None]:
    try:
        yield
    except domain.InvalidInput as error:
        raise BadUserInput(error.message) from error
    except domain.UnknownRecord as error:
        raise NotFound(error.message) from error
    except domain.NotPermitted as error:
        raise Forbidden(error.message) from error
    except domain.IllegalTransition as error:
        raise Conflict(error.message) from error
